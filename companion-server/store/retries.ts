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
