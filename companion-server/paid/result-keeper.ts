import type { CostRow, Job, SpooledResult } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import type { SpoolSlot } from '../store/result-spool';
import type { JobStore } from '../store/types';
import { finishedVersion, type Outcome } from './run-versions';

/**
 * Makes a run's end durable, and never lets go of a paid result: the image goes to images/, then the job's
 * final version to the history. When the store refuses either (disk full, permissions), the result is written
 * to its recovery-spool slot, kept in memory, and stored again with a growing pause until the disk takes it;
 * then the slot is emptied. A store that refuses a write changes nothing (types.ts), so the job reads as
 * `running` meanwhile, with a retry always scheduled; after a restart the spooled result wins over "interrupted".
 */
export interface ResultKeeper {
  /** Stores a run's end; resolves true when it is stored now, false when it waits for the disk. Never rejects. */
  finishJob(end: RunEnd): Promise<boolean>;
  /** Stores an image of the old API (no job); the same retries. Never rejects. */
  keepImage(
    png: Uint8Array,
    slot: SpoolSlot | null,
    cost: CostRow | null,
  ): Promise<{ image: string; saved: boolean; error: string | null }>;
  /** Stores what the spool held at start; what the disk still refuses stays pending. */
  recover(found: readonly { result: SpooledResult; slot: SpoolSlot }[]): Promise<void>;
  /** Whether this job's end waits for the disk (the runner does not mark it interrupted). */
  holds(jobId: string): boolean;
  /** Results waiting for the disk. */
  readonly pending: number;
  /** Resolves once nothing waits for the disk. */
  drained(): Promise<void>;
  /** Stops retrying; spooled results are stored at the next start. */
  stop(): void;
}

export interface RunEnd {
  running: Job;
  outcome: Outcome;
  endTime: number;
  /** The paid image, when there is one (its hash is `outcome.image`). */
  png: Uint8Array | null;
  slot: SpoolSlot | null;
  /** The paid call's ledger row, kept with the result in the spool. */
  cost?: CostRow | null;
}

interface Waiting {
  /** One more attempt to store it; resolves true once stored. */
  attempt(): Promise<boolean>;
  jobId: string | null;
  slot: SpoolSlot | null;
}

export interface ResultKeeperOptions {
  store: JobStore;
  log: (line: string) => void;
  now: () => number;
  /** First pause before storing again, doubling up to `maxMs` (defaults 1 s and 60 s). */
  retry?: { firstMs?: number; maxMs?: number };
  /** Writes a spooled cost row the ledger may not hold (a crash before its append); paid-calls.ts `restore`. */
  restoreCost?: (row: CostRow) => Promise<void>;
}

export function createResultKeeper(options: ResultKeeperOptions): ResultKeeper {
  const { store, log } = options;
  const firstMs = options.retry?.firstMs ?? 1_000;
  const maxMs = options.retry?.maxMs ?? 60_000;
  const waiting = new Set<Waiting>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let wait = 0;
  let stopped = false;
  let retrying = false;
  let drainers: (() => void)[] = [];

  function settle(): void {
    if (waiting.size > 0) return;
    const done = drainers;
    drainers = [];
    for (const resolve of done) resolve();
  }

  function schedule(): void {
    if (stopped || timer || retrying || waiting.size === 0) return;
    wait = wait === 0 ? firstMs : Math.min(wait * 2, maxMs);
    timer = setTimeout(() => {
      timer = null;
      void retryAll();
    }, wait);
    // A pending retry never keeps the process alive: the spool has the result for the next start.
    timer.unref?.();
  }

  async function retryAll(): Promise<void> {
    let stored = 0;
    retrying = true;
    try {
      for (const entry of [...waiting]) {
        if (stopped) return;
        if (await entry.attempt()) {
          waiting.delete(entry);
          await entry.slot?.release();
          stored += 1;
        }
      }
    } finally {
      retrying = false;
    }
    if (stored > 0) log(`Stored ${stored} result(s) that waited for the disk; ${waiting.size} still wait`);
    if (waiting.size === 0) wait = 0;
    settle();
    schedule();
  }

  /** Keeps an entry the store refused: in its spool slot (durable) and in memory, retried with backoff. */
  async function hold(entry: Waiting, record: SpooledResult | null, why: string): Promise<void> {
    if (record && entry.slot) {
      try {
        await entry.slot.write(record);
      } catch (err) {
        log(`Could not write the paid result to the recovery spool (${describe(err)}); it is kept in memory only`);
      }
    } else if (record) {
      log('No recovery spool: the paid result is kept in memory only until the disk takes it');
    }
    log(`${why}; storing it again shortly`);
    waiting.add(entry);
    schedule();
  }

  function jobAttempt(end: Omit<RunEnd, 'slot'>, onError: (err: unknown) => void): () => Promise<boolean> {
    const id = end.running.id;
    return async () => {
      // Between the image and the job that points at it, image-gc.ts must not free the image.
      const release = end.png && end.outcome.status === 'success' ? store.pinImage(end.outcome.image) : null;
      try {
        if (end.png) await store.putImage(end.png);
        const final = finishedVersion(store.get(id), end.running, end.outcome, end.endTime, store.clock);
        if (!final) {
          log(`Runner: job ${id} holds a result that arrived while this run ended in an error; the result stays`);
          return true;
        }
        await store.put(final);
        return true;
      } catch (err) {
        onError(err);
        return false;
      } finally {
        release?.();
      }
    };
  }

  function imageAttempt(png: Uint8Array, onError: (err: unknown) => void): () => Promise<boolean> {
    return async () => {
      try {
        await store.putImage(png);
        return true;
      } catch (err) {
        onError(err);
        return false;
      }
    };
  }

  function jobRecord(end: RunEnd, at: number): SpooledResult | null {
    if (!end.png || end.outcome.status !== 'success') return null;
    return {
      version: 1,
      at,
      cost: end.cost ?? null,
      png: Buffer.from(end.png).toString('base64'),
      job: {
        running: end.running,
        image: end.outcome.image,
        seed: end.outcome.seed,
        usd: end.outcome.usd ?? null,
        endTime: end.endTime,
      },
    };
  }

  return {
    async finishJob(end) {
      let error: unknown = null;
      const attempt = jobAttempt(end, (err) => {
        error = err;
      });
      if (await attempt()) {
        await end.slot?.release();
        return true;
      }
      const quiet = jobAttempt(end, () => undefined);
      await hold(
        { attempt: quiet, jobId: end.running.id, slot: end.slot },
        jobRecord(end, options.now()),
        `Runner: could not store the end of job ${end.running.id} (${end.outcome.status}): ${describe(error)}`,
      );
      return false;
    },

    async keepImage(png, slot, cost) {
      const image = sha256Hex(png);
      let error: unknown = null;
      if (
        await imageAttempt(png, (err) => {
          error = err;
        })()
      ) {
        await slot?.release();
        return { image, saved: true, error: null };
      }
      await hold(
        { attempt: imageAttempt(png, () => undefined), jobId: null, slot },
        { version: 1, at: options.now(), png: Buffer.from(png).toString('base64'), job: null, cost },
        `Could not store the image ${image.slice(0, 12)}… of a paid call: ${describe(error)}`,
      );
      return { image, saved: false, error: describe(error) };
    },

    async recover(found) {
      for (const { result, slot } of found) {
        if (result.cost && options.restoreCost) {
          await options.restoreCost(result.cost).catch((err: unknown) => {
            log(`Recovery spool: could not restore a cost row: ${describe(err)}`);
          });
        }
        const png = new Uint8Array(Buffer.from(result.png, 'base64'));
        const job = result.job;
        const entry: Waiting = job
          ? {
              jobId: job.running.id,
              slot,
              attempt: jobAttempt(
                {
                  running: job.running,
                  outcome: { status: 'success', image: job.image, seed: job.seed, usd: job.usd },
                  endTime: job.endTime,
                  png,
                },
                (err) => log(`Recovery spool: job ${job.running.id} still cannot be stored: ${describe(err)}`),
              ),
            }
          : {
              jobId: null,
              slot,
              attempt: imageAttempt(png, (err) =>
                log(`Recovery spool: an image still cannot be stored: ${describe(err)}`),
              ),
            };
        if (await entry.attempt()) {
          await slot.release();
          log(`Recovery spool: stored the paid result ${job ? `of job ${job.running.id}` : 'of an old-API call'}`);
        } else {
          waiting.add(entry);
        }
      }
      schedule();
    },

    holds: (jobId) => [...waiting].some((entry) => entry.jobId === jobId),
    get pending() {
      return waiting.size;
    },
    drained() {
      if (waiting.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => drainers.push(resolve));
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (waiting.size > 0)
        log(`Stopping with ${waiting.size} result(s) not yet stored; the recovery spool keeps the paid ones`);
    },
  };
}

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}
