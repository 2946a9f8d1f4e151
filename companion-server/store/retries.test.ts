import { describe, expect, it } from 'vitest';
import { withRetries } from './retries';

describe('withRetries', () => {
  it('waits longer before each attempt and rethrows the last error', async () => {
    const waits: number[] = [];
    let n = 0;
    await expect(
      withRetries(async () => Promise.reject(new Error(`fail ${++n}`)), {
        attempts: 3,
        backoffMs: 10,
        sleep: async (ms) => void waits.push(ms),
      }),
    ).rejects.toThrow('fail 3');
    expect(waits).toEqual([10, 20]);
  });
});
