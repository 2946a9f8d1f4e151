export interface RetryOptions {
  /** Attempts per write request, the first included. */
  attempts?: number;
  /** Wait before attempt n+1 is n times this. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` up to `attempts` times with a short, growing pause; rethrows the last error. */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 3, backoffMs = 25, sleep = defaultSleep } = options;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= attempts) throw error;
      await sleep(backoffMs * n);
    }
  }
}

export interface WriteQueue {
  /** Resolves once a write that started after this call is durable; rejects with its error. */
  request(): Promise<void>;
  /** Resolves when nothing is pending and the last state is written; writes again if it is not. */
  flush(): Promise<void>;
}

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Serializes writes of one piece of state. While a write is in flight, every request joins a
 * single pending batch, so only the newest state is written next and all its callers settle with it.
 */
export function createWriteQueue(
  task: { isDirty(): boolean; write(): Promise<void>; onFailure?(error: unknown): void },
  options: RetryOptions = {},
): WriteQueue {
  let pending: Batch | null = null;
  let running = false;

  async function run(): Promise<void> {
    const batch = pending!;
    pending = null;
    running = true;
    try {
      // A write snapshots the state when it starts, so one that began after every request covers them all.
      if (task.isDirty()) await withRetries(() => task.write(), options);
      batch.resolve();
    } catch (error) {
      task.onFailure?.(error);
      batch.reject(error);
    } finally {
      running = false;
      if (pending) void run();
    }
  }

  function request(): Promise<void> {
    if (!pending) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      pending = { promise, resolve, reject };
      // Started on a microtask so changes made in the same tick share one write.
      if (!running) queueMicrotask(() => void run());
    }
    return pending.promise;
  }

  return {
    request,
    flush: () => (!running && !pending && !task.isDirty() ? Promise.resolve() : request()),
  };
}
