import { describe, expect, it } from 'vitest';
import { createWriteQueue, withRetries } from './write-queue';

const noSleep = async () => undefined;

/** A task whose state is a counter; `write` copies it to `written` after a tick. */
function counterTask(fail: () => unknown = () => null) {
  const task = {
    value: 0,
    written: -1,
    writes: 0,
    isDirty: () => task.value !== task.written,
    async write() {
      const snapshot = task.value;
      task.writes++;
      await new Promise((resolve) => setTimeout(resolve, 2));
      const error = fail();
      if (error) throw error;
      task.written = snapshot;
    },
  };
  return task;
}

describe('write queue', () => {
  it('coalesces requests made while a write is in flight into one more write', async () => {
    const task = counterTask();
    const queue = createWriteQueue(task, { sleep: noSleep });
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      task.value++;
      waits.push(queue.request());
      if (i === 0) await Promise.resolve(); // let the first write start
    }
    await Promise.all(waits);
    expect(task.written).toBe(20);
    expect(task.writes).toBeLessThanOrEqual(3);
  });

  it('rejects every waiter of a batch with the same error after the retries', async () => {
    let failures = 0;
    const task = counterTask(() => (++failures <= 3 ? new Error('ENOSPC') : null));
    const queue = createWriteQueue(task, { sleep: noSleep, attempts: 3 });
    task.value++;
    const results = await Promise.allSettled([queue.request(), queue.request()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(task.writes).toBe(3);
    // The state is still dirty, so flush writes it now that the fault is gone.
    await queue.flush();
    expect(task.written).toBe(1);
  });

  it('recovers within one request when a retry succeeds', async () => {
    let failures = 0;
    const task = counterTask(() => (++failures === 1 ? new Error('EBUSY') : null));
    const queue = createWriteQueue(task, { sleep: noSleep });
    task.value++;
    await queue.request();
    expect(task.writes).toBe(2);
  });

  it('flush resolves at once when nothing is pending, and skips writing a clean state', async () => {
    const task = counterTask();
    task.written = 0;
    const queue = createWriteQueue(task);
    await queue.flush();
    await queue.request();
    expect(task.writes).toBe(0);
  });
});

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
