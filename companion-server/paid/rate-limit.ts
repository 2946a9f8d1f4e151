import { PixelLabError } from '../pixellab/errors';

/**
 * PixelLab's rate limits (429, and its own 529): nothing was charged, so the call is made again after the pause
 * PixelLab asked for (`Retry-After`), or else after a pause that doubles each time, up to a few attempts.
 */
export interface BackoffOptions {
  /** Calls at most, the first included (default 4). */
  attempts?: number;
  /** The first pause when PixelLab names none (default 2 s), doubling up to `maxMs` (default 60 s). */
  firstMs?: number;
  maxMs?: number;
}

export const isRateLimited = (err: unknown): err is PixelLabError =>
  err instanceof PixelLabError && err.code === 'rate_limited';

/** The pause before attempt `attempt + 1`. */
export function pauseAfter(err: PixelLabError, attempt: number, options: BackoffOptions = {}): number {
  const first = options.firstMs ?? 2_000;
  const max = options.maxMs ?? 60_000;
  return err.retryAfterMs ?? Math.min(max, first * 2 ** (attempt - 1));
}

/**
 * Makes the call, and again while PixelLab rate-limits it. `wait` sleeps (and may be cut short when the companion
 * stops: it then resolves false, and the last refusal stands).
 */
export async function withBackoff<T>(
  call: () => Promise<T>,
  wait: (ms: number, err: PixelLabError) => Promise<boolean>,
  options: BackoffOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isRateLimited(err) || attempt >= attempts) {
        if (isRateLimited(err) && attempt > 1)
          throw new PixelLabError(
            err.status,
            err.code,
            `${err.message} (tried ${attempt} times)`,
            err.detail,
            err.retryAfterMs,
          );
        throw err;
      }
      if (!(await wait(pauseAfter(err, attempt, options), err))) throw err;
    }
  }
}

/**
 * The runner's pause after a rate limit: while it lasts no job starts; `stop()` wakes every sleeper at once.
 * Measured with performance.now() (real time, not the injectable clock).
 */
export function createPause() {
  let until = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const sleepers = new Set<() => void>();
  return {
    /** Sleeps `ms`, and holds back new jobs as long; true when the whole pause passed, false when stopped. */
    sleep(ms: number): Promise<boolean> {
      until = Math.max(until, performance.now() + ms);
      return new Promise<boolean>((resolve) => {
        const wake = () => {
          clearTimeout(sleeping);
          sleepers.delete(wake);
          resolve(false);
        };
        const sleeping = setTimeout(() => {
          sleepers.delete(wake);
          resolve(!stopped);
        }, ms);
        sleepers.add(wake);
      });
    },
    /** True while paused; `then` runs once the pause is over. */
    holds(then: () => void): boolean {
      const wait = until - performance.now();
      if (wait <= 0 || stopped) return false;
      timer ??= setTimeout(() => {
        timer = null;
        then();
      }, wait);
      return true;
    },
    stop(): void {
      stopped = true;
      for (const wake of [...sleepers]) wake();
      if (timer) clearTimeout(timer);
    },
  };
}
