/**
 * The job queue: runs queued jobs against PixelLab, at most `limit` at once, and writes each
 * result to disk before the job counts as done (DESIGN.md, "Why generation runs in the companion").
 *
 * A job's life here: queued -> running (startTime) -> success (image hash) | error (plain words).
 * The runner is the only one who moves a job out of `running`; a client may still delete or edit
 * a job meanwhile, so the final write is based on the job's current version and wins LWW over it.
 *
 * A write that fails (disk full) still changed the store's memory: the store writes it with the next
 * successful save. The runner never writes over a result held that way (that would drop the paid image),
 * and keeps calling `store.flush()` with a growing pause until the disk takes it, so the result reaches
 * the file without a client's help.
 */
import { type Clock, compareVersions, type Job, type SyncedJob } from '../utils/domain';
import type { PixelLab, Runner } from './deps';
import { ROTATE_LIMITS } from './pixellab/client';
import { INTERRUPTED_WHILE_RUNNING } from './store/history-file';
import type { JobStore } from './store/types';

export interface RunnerOptions {
  store: JobStore;
  pixellab: Pick<PixelLab, 'generate' | 'rotate'>;
  /** PixelLab calls in flight at most (the seed's default: 3). */
  limit?: number;
  now?: () => number;
  log?: (line: string) => void;
  /**
   * After a failed write the store keeps the change in memory; the runner then calls `store.flush()`
   * after `firstMs`, doubling the wait up to `maxMs` (defaults 1 s and 60 s) until it succeeds or stop().
   */
  flushRetry?: { firstMs?: number; maxMs?: number };
}

export interface JobRunner extends Runner {
  /**
   * Queues every stored job whose status is `queued`, oldest first. Jobs still `running` that this
   * runner did not start are marked interrupted (the file store already does so on load; this covers any other store).
   */
  resume(): void;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** Takes no new jobs; resolves once the jobs in flight are written. Jobs still queued stay `queued` on disk for the next start. */
  stop(): Promise<void>;
}

export type Outcome = { status: 'success'; image: string; seed: number | null } | { status: 'error'; error: string };

/** The version the runner writes when it starts a queued job. */
export function runningVersion(job: SyncedJob | Job, startTime: number, clock: Clock): Job {
  return clock.stamp(
    { ...withoutSeq(job), status: 'running', startTime, endTime: null, duration: null, error: null, image: null },
    job,
  );
}

/**
 * The runner's final version: on top of the job's current version (the running one if it is gone), so an
 * edit made meanwhile stays, and a delete made meanwhile too. Null when the job got further meanwhile than
 * this outcome takes it (another replica's result arrived while this run failed): that version stays.
 */
export function finishedVersion(
  current: SyncedJob | Job | null | undefined,
  running: Job,
  outcome: Outcome,
  endTime: number,
  clock: Clock,
): Job | null {
  const base: Job = current ? withoutSeq(current) : running;
  const final = clock.stamp(
    {
      ...base,
      ...outcome,
      ...(outcome.status === 'success' ? { error: null } : { image: null }),
      startTime: running.startTime,
      endTime,
      duration: Math.max(0, endTime - (running.startTime ?? endTime)) / 1000,
      deleted: base.deleted,
    },
    base,
  );
  return current && compareVersions(final, withoutSeq(current)) <= 0 ? null : final;
}

export function createRunner(options: RunnerOptions): JobRunner {
  const { store, pixellab } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.error(line));
  let limit = checkLimit(options.limit ?? 3);
  let stopped = false;
  const firstFlushMs = options.flushRetry?.firstMs ?? 1_000;
  const maxFlushMs = options.flushRetry?.maxMs ?? 60_000;

  const queue: string[] = [];
  const queued = new Set<string>();
  const active = new Map<string, Promise<void>>();
  /** Ids enqueued again while they ran (a retry racing the end of a run); looked at once they finish. */
  const again = new Set<string>();
  /** Other work idle() and stop() wait for (marking interrupted jobs). */
  const chores = new Set<Promise<void>>();
  let waiters: (() => void)[] = [];

  const isIdle = () => queue.length === 0 && active.size === 0 && chores.size === 0;

  function settle(): void {
    if (!isIdle()) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  }

  function pump(): void {
    while (!stopped && active.size < limit && queue.length > 0) {
      const id = queue.shift()!;
      queued.delete(id);
      const run = runJob(id)
        .catch((err: unknown) => log(`Runner: job ${id} failed unexpectedly: ${describe(err)}`))
        .finally(() => {
          active.delete(id);
          if (again.delete(id)) enqueue(id);
          pump();
        });
      active.set(id, run);
    }
    settle();
  }

  function enqueue(id: string): void {
    if (stopped) return; // it stays `queued` on disk; resume() picks it up at the next start
    if (active.has(id)) {
      again.add(id);
      return;
    }
    if (queued.has(id)) return;
    queued.add(id);
    queue.push(id);
    pump();
  }

  function chore(work: Promise<void>): void {
    const tracked = work
      .catch((err: unknown) => log(`Runner: ${describe(err)}`))
      .finally(() => {
        chores.delete(tracked);
        settle();
      });
    chores.add(tracked);
  }

  /** Jobs whose last write failed, and the pending retry of `store.flush()`. */
  const unsaved = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let flushWait = 0;

  /** Retries saving what the store holds in memory: 1 s, 2 s, 4 s ... then every minute, until it works. */
  function retryFlush(): void {
    if (stopped || flushTimer) return;
    flushWait = flushWait === 0 ? firstFlushMs : Math.min(flushWait * 2, maxFlushMs);
    flushTimer = setTimeout(() => {
      void store.flush().then(
        () => {
          flushTimer = null;
          flushWait = 0;
          if (unsaved.size > 0)
            log(`Runner: saved job(s) ${[...unsaved].join(', ')} now that the disk takes writes again`);
          unsaved.clear();
        },
        (err: unknown) => {
          flushTimer = null;
          log(
            `Runner: still cannot save job(s) ${[...unsaved].join(', ')}: ${describe(err)}; trying again in ${Math.round(Math.min(flushWait * 2, maxFlushMs) / 1000)} s`,
          );
          retryFlush();
        },
      );
    }, flushWait);
    // A pending retry never keeps the process alive; stop() and the store's close() flush anyway.
    flushTimer.unref?.();
  }

  /** Writes a job version; a failed write is logged and reported as false, never thrown. */
  async function write(job: Job, what: string): Promise<boolean> {
    try {
      await store.put(job);
      return true;
    } catch (err) {
      log(`Runner: could not save job ${job.id} (${what}): ${describe(err)}; the runner tries saving again shortly`);
      unsaved.add(job.id);
      retryFlush();
      return false;
    }
  }

  async function runJob(id: string): Promise<void> {
    const job = store.get(id);
    // Deleted, finished or changed since it was queued: nothing to do, and nothing to pay for.
    if (!job || job.deleted || job.status !== 'queued') return;

    const running = runningVersion(job, now(), store.clock);
    if (!(await write(running, 'running'))) {
      // The store refused; do not spend money on a result we may not be able to keep.
      await finish(id, running, {
        status: 'error',
        error: 'The companion could not save this job, so it did not start. Retry it.',
      });
      return;
    }

    let outcome: Outcome;
    try {
      const result = await callPixelLab(running);
      try {
        const image = await store.putImage(result.png);
        outcome = { status: 'success', image, seed: result.seed ?? running.seed };
      } catch (err) {
        log(`Runner: PixelLab made the image for job ${id} but it could not be saved: ${describe(err)}`);
        outcome = {
          status: 'error',
          error: `PixelLab made the image but the companion could not save it: ${describe(err)}`,
        };
      }
    } catch (err) {
      const error = describe(err);
      log(`Job ${id} failed: ${error}`);
      outcome = { status: 'error', error };
    }
    await finish(id, running, outcome);
  }

  async function callPixelLab(job: Job): Promise<{ png: Uint8Array; seed?: number | null }> {
    if (job.kind !== 'rotate') {
      return pixellab.generate({ prompt: job.prompt, width: job.width, height: job.height, seed: job.seed });
    }
    if (!job.rotate) throw new Error('This rotate job names no image to rotate.');
    if (job.width > ROTATE_LIMITS.maxSide || job.height > ROTATE_LIMITS.maxSide) {
      throw new Error(
        `PixelLab rotates images up to ${ROTATE_LIMITS.maxSide}x${ROTATE_LIMITS.maxSide} pixels; this job asks for ${job.width}x${job.height}.`,
      );
    }
    const source = await store.readImage(job.rotate.sourceImage);
    if (!source) {
      throw new Error(
        `The image to rotate (${job.rotate.sourceImage.slice(0, 12)}…) is not on the companion; sync it again or pick another image.`,
      );
    }
    return pixellab.rotate({
      png: source,
      width: job.width,
      height: job.height,
      fromDirection: job.rotate.fromDirection,
      toDirection: job.rotate.toDirection,
    });
  }

  /** The final write, on top of the job's current version: a delete or an edit made meanwhile is kept. */
  async function finish(id: string, running: Job, outcome: Outcome): Promise<void> {
    const final = finishedVersion(store.get(id), running, outcome, now(), store.clock);
    if (!final) {
      log(`Runner: job ${id} holds a result that arrived while this run ended in an error; the result stays`);
      return;
    }
    if (await write(final, final.status)) return;
    // The store keeps a version whose write failed in memory and saves it with the next write (or the
    // retried flush): writing anything over it here would only drop the paid image from the job.
    const held = store.get(id);
    if (outcome.status !== 'success' || (held && held.status === 'success' && held.image === outcome.image)) return;
    // The store refused the version outright (memory unchanged): record an error that still points at the image.
    const error = `The image is saved (${outcome.image.slice(0, 12)}…), but the companion could not write this job's record.`;
    await write(store.clock.stamp({ ...final, status: 'error', error }, final), 'error after a failed save');
  }

  async function markInterrupted(jobs: SyncedJob[]): Promise<void> {
    for (const job of jobs) {
      const current = store.get(job.id);
      if (!current || current.deleted || current.status !== 'running' || active.has(job.id)) continue;
      await write(
        store.clock.stamp(
          {
            ...withoutSeq(current),
            status: 'error',
            error: INTERRUPTED_WHILE_RUNNING,
            endTime: current.endTime ?? null,
          },
          current,
        ),
        'interrupted',
      );
    }
  }

  return {
    enqueue,
    resume() {
      if (stopped) return;
      const live = store.list();
      const interrupted = live.filter((j) => j.status === 'running' && !active.has(j.id));
      if (interrupted.length > 0) chore(markInterrupted(interrupted));
      const waiting = live
        .filter((j) => j.status === 'queued')
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const job of waiting) enqueue(job.id);
    },
    setLimit(n: number) {
      limit = checkLimit(n);
      pump();
    },
    get limit() {
      return limit;
    },
    get running() {
      return active.size;
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    async stop() {
      stopped = true;
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = null;
      queue.length = 0;
      queued.clear();
      again.clear();
      await Promise.all([...active.values(), ...chores]);
      settle();
    },
  };
}

function checkLimit(n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`The parallel limit must be a whole number of at least 1, got ${n}`);
  return n;
}

function withoutSeq(job: SyncedJob | Job): Job {
  const { seq: _seq, ...rest } = job as SyncedJob;
  return rest as Job;
}

/** An error as plain text, short enough for the job record (whose schema caps it at 10,000). */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}
