import { afterEach, describe, expect, it } from 'vitest';
import { createClock, setOrganisingField } from '../../utils/domain';
import { createFileStore } from '../store/file-store';
import { makeJob, makeTempDir } from '../store/test-support';
import type { JobStore } from '../store/types';
import { startTrashSweep } from './trash-sweep';

const DAY = 24 * 60 * 60 * 1000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function storeWithTrash(): Promise<JobStore> {
  const temp = await makeTempDir();
  const store = await createFileStore({ dataDir: temp.dir, log: () => undefined });
  cleanups.push(async () => {
    await store.close();
    await temp.cleanup();
  });
  const clock = createClock('panel', () => 100 * DAY);
  await store.merge([
    makeJob({ id: 'job-1' }),
    setOrganisingField(makeJob({ id: 'job-2' }), 'trashedAt', 60 * DAY, clock),
    setOrganisingField(makeJob({ id: 'job-3' }), 'trashedAt', 90 * DAY, clock),
  ]);
  return store;
}

describe('the trash retention the user set', () => {
  it('purges the jobs in the trash longer than the retention, and nothing else', async () => {
    const store = await storeWithTrash();
    const logs: string[] = [];
    const stop = startTrashSweep(store, { days: 30, now: () => 100 * DAY, log: (line) => logs.push(line) });
    cleanups.push(async () => stop());
    await expect.poll(() => store.get('job-2')?.deleted).toBe(true);
    expect(store.get('job-3')).toMatchObject({ deleted: false, trashedAt: 90 * DAY });
    expect(store.get('job-1')!.deleted).toBe(false);
    expect(logs).toEqual(['Purged 1 job(s) that were in the trash for 30 days']);
  });

  it('a retention longer than any job has been there purges nothing', async () => {
    const store = await storeWithTrash();
    const stop = startTrashSweep(store, { days: 365, now: () => 100 * DAY, log: () => undefined });
    cleanups.push(async () => stop());
    expect(await store.purgeTrashedBefore(100 * DAY - 365 * DAY)).toEqual([]);
    expect(store.get('job-2')!.deleted).toBe(false);
  });
});
