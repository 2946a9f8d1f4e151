/**
 * When a missing image is asked for again on a remote target (issue 22): the rule alone, with a clock of the test's;
 * remote-requests.test.ts counts the requests against the real servers.
 */
import { describe, expect, it } from 'vitest';
import { job } from '../../tests/helpers/sync-devices';
import type { JobStore } from '../store/types';
import { createMissingImages, RECHECK_FIRST_MS, RECHECK_MAX_MS } from './missing-images';

const HASH = 'a'.repeat(64);
const store = { list: () => [job('job-1', { image: HASH })], hasImage: () => false } as unknown as JobStore;

describe('missing images', () => {
  it('are asked for after a start, then when the listings change, else after a backoff doubling up to an hour', () => {
    let clock = 0;
    const wanted = createMissingImages({ store, everyPass: false, now: () => clock });
    // After a start: every image the store lacks, asked at the first pass whatever the listings.
    expect(wanted.pending()).toEqual([HASH]);
    expect(wanted.due('L1')).toBe(true);
    wanted.asked('L1', true);
    expect(wanted.due('L1')).toBe(false);
    expect(wanted.due('L2')).toBe(true);
    // Nothing changed: 1 min, then 2, 4, ... up to 1 h.
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const from = clock;
      while (!wanted.due('L1')) clock += 1000;
      waits.push(clock - from);
      wanted.asked('L1', true);
    }
    expect(waits[0]).toBe(RECHECK_FIRST_MS);
    expect(waits[1]).toBe(2 * RECHECK_FIRST_MS);
    expect(waits.at(-1)).toBe(RECHECK_MAX_MS);
    // A change starts the backoff over.
    wanted.asked('L2', true);
    clock += RECHECK_FIRST_MS;
    expect(wanted.due('L2')).toBe(true);
  });

  it('an ask a request failed (or that met an image still arriving) is made again at the next pass', () => {
    const clock = 0;
    const wanted = createMissingImages({ store, everyPass: false, now: () => clock });
    wanted.pending();
    wanted.asked('L1', false);
    expect(wanted.due('L1')).toBe(true);
    wanted.asked('L1', true);
    expect(wanted.due('L1')).toBe(false);
  });

  it('a folder is asked every pass', () => {
    const wanted = createMissingImages({ store, everyPass: true, now: () => 0 });
    wanted.asked('L1', true);
    expect(wanted.due('L1')).toBe(true);
  });
});
