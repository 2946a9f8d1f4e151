/**
 * The job queue: runs queued jobs against PixelLab, at most `limit` at once, and writes each
 * result to disk before the job counts as done (DESIGN.md, "Why generation runs in the companion").
 * The old API's paid calls (`slot()`) share the same limit, taking turns with queued jobs.
 *
 * A job's life here: queued -> running (startTime) -> success (image hash) | error (plain words).
 * The runner is the only one who moves a job out of `running`; a client may still delete or edit
 * a job meanwhile, so the final write is based on the job's current version and wins LWW over it.
 *
 * The queue record (utils/domain/records.ts, synced to every panel) is honoured: while it is paused no queued job
 * starts (jobs already running finish, and the old API's own calls still run: they are not in the queue), and
 * queued jobs start in its order. A job cancelled before it started is skipped like any job no longer queued.
 *
 * Every paid call passes the spending guard first (paid-calls.ts); a refused job ends in an error and
 * nothing is charged. A result the store refuses is kept by the result keeper (spooled, retried) and
 * never written over, so a paid image is never dropped.
 */
import {
  type CostRow,
  type Job,
  QUEUE_ID,
  type QueueRecord,
  queueRecordSchema,
  runnableProblem,
  type SyncedJob,
} from '../../utils/domain';
import type { PixelLab, Runner, SlotResult } from '../deps';
import { ROTATE_LIMITS } from '../pixellab/client';
import { INTERRUPTED_WHILE_RUNNING } from '../store/history-file';
import type { JobStore } from '../store/types';
import { createPaidCalls, PaidCallRefused, type PaidCalls } from './paid-calls';
import { createResultKeeper, sha256Hex } from './result-keeper';
import { type Outcome, runningVersion, withoutSeq } from './run-versions';
import type { PaidCallInfo } from './spending-guard';

export { finishedVersion, type Outcome, runningVersion } from './run-versions';

export interface RunnerOptions {
  store: JobStore;
  pixellab: Pick<PixelLab, 'generate' | 'rotate'>;
  /** PixelLab calls in flight at most (the seed's default: 3). */
  limit?: number;
  now?: () => number;
  log?: (line: string) => void;
  /** The spending guard, cost ledger and recovery spool every paid call passes; default: no limits, no records. */
  paid?: PaidCalls;
  /** After the store refuses a run's end, it is stored again after `firstMs`, doubling up to `maxMs` (1 s, 60 s). */
  retry?: { firstMs?: number; maxMs?: number };
}

export interface JobRunner extends Runner {
  /** Stores the paid results the recovery spool held at start. Call it before resume() and before serving. */
  recover(): Promise<void>;
  /**
   * Queues every stored job whose status is `queued`, oldest first. Jobs still `running` that this runner did
   * not start, and whose result it does not hold, are marked interrupted (the file store already does so on load).
   */
  resume(): void;
  /** Resolves when nothing is queued (or the queue is paused) or running (results waiting for the disk do not count: see `stored()`). */
  idle(): Promise<void>;
  /** Resolves when no result waits for the disk. */
  stored(): Promise<void>;
  /** Results that wait for the disk. */
  readonly unsaved: number;
  /** Takes no new jobs; resolves once the jobs in flight are written. Jobs still queued stay `queued` on disk for the next start. */
  stop(): Promise<void>;
  slot: NonNullable<Runner['slot']>;
}

/** An ad-hoc call asked for while the runner stops. */
export class RunnerStopped extends Error {
  override readonly name = 'RunnerStopped';
}

export function createRunner(options: RunnerOptions): JobRunner {
  const { store, pixellab } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.error(line));
  const paid = options.paid ?? createPaidCalls({ now });
  const keeper = createResultKeeper({ store, log, now, retry: options.retry, restoreCost: paid.restore });
  let limit = checkLimit(options.limit ?? 3);
  let stopped = false;

  const queue: string[] = [];
  const queued = new Set<string>();
  /** Ad-hoc calls waiting for a place, oldest first. */
  const slotsWaiting: { start: () => void; reject: (err: Error) => void }[] = [];
  /** Whose turn the next free place is when both jobs and ad-hoc calls wait. */
  let slotsTurn = true;
  let slotCount = 0;
  /** What is in flight: job ids, and `#slot-N` for ad-hoc calls (no job id holds a '#'). */
  const active = new Map<string, Promise<void>>();
  /** Ids enqueued again while they ran (a retry racing the end of a run); looked at once they finish. */
  const again = new Set<string>();
  /** Other work idle() and stop() wait for (marking interrupted jobs). */
  const chores = new Set<Promise<void>>();
  let waiters: (() => void)[] = [];

  /** The queue record as last read: paused, and the order queued jobs start in. */
  let queueState: Pick<QueueRecord, 'paused' | 'order'> = { paused: false, order: [] };
  let position = new Map<string, number>();
  function readQueue(): void {
    const parsed = queueRecordSchema.safeParse(store.getRecord('queue', QUEUE_ID) ?? {});
    queueState = parsed.success && !parsed.data.deleted ? parsed.data : { paused: false, order: [] };
    position = new Map(queueState.order.map((id, i) => [id, i]));
  }
  readQueue();

  /** The next queued job to start: the first in the queue's order, else the longest waiting. */
  function takeNext(): string {
    let best = 0;
    let bestAt = position.get(queue[0]!) ?? Number.MAX_SAFE_INTEGER;
    for (let i = 1; i < queue.length && position.size > 0; i++) {
      const at = position.get(queue[i]!) ?? Number.MAX_SAFE_INTEGER;
      if (at < bestAt) [best, bestAt] = [i, at];
    }
    return queue.splice(best, 1)[0]!;
  }

  // Paused, queued jobs wait (they are not what keeps the runner busy); idle() and stop() do not wait for them.
  const isIdle = () =>
    (queue.length === 0 || queueState.paused) && slotsWaiting.length === 0 && active.size === 0 && chores.size === 0;

  function settle(): void {
    if (!isIdle()) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  }

  /** Fills free places, alternating between queued jobs and ad-hoc calls so neither starves the other. */
  function pump(): void {
    const jobsWaiting = () => queue.length > 0 && !queueState.paused;
    while (!stopped && active.size < limit && (jobsWaiting() || slotsWaiting.length > 0)) {
      const takeSlot = slotsWaiting.length > 0 && (!jobsWaiting() || slotsTurn);
      slotsTurn = !takeSlot;
      if (takeSlot) {
        slotsWaiting.shift()!.start();
        continue;
      }
      const id = takeNext();
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

  function slot<R extends { png: Uint8Array; usd: number | null }>(
    call: PaidCallInfo,
    pay: () => Promise<R>,
  ): Promise<SlotResult<R>> {
    if (stopped) return Promise.reject(new RunnerStopped('The companion is stopping; try again once it is back.'));
    return new Promise<SlotResult<R>>((resolve, reject) => {
      const start = () => {
        const key = `#slot-${++slotCount}`;
        const run = runSlot(call, pay)
          .then(resolve, reject)
          .finally(() => {
            active.delete(key);
            pump();
          });
        active.set(key, run);
      };
      slotsWaiting.push({ start, reject });
      pump();
    });
  }

  async function runSlot<R extends { png: Uint8Array; usd: number | null }>(
    call: PaidCallInfo,
    pay: () => Promise<R>,
  ): Promise<SlotResult<R>> {
    const ticket = paid.admit(call);
    let result: R;
    try {
      result = await pay();
    } catch (err) {
      ticket.cancel();
      throw err;
    }
    const cost = await ticket.paid(result.usd);
    const kept = await keeper.keepImage(result.png, ticket.slot, cost);
    return { result, usd: cost.usd, image: kept.image, saved: kept.saved, saveError: kept.error };
  }

  async function runJob(id: string): Promise<void> {
    const job = store.get(id);
    // Deleted, finished or changed since it was queued: nothing to do, and nothing to pay for.
    if (!job || job.deleted || job.status !== 'queued') return;
    // Held to the limits of a new request however it arrived (a push, a seed save): never paid for outside them.
    const problem = runnableProblem(withoutSeq(job));
    if (problem) {
      log(`Job ${id} not started: ${problem}`);
      await keeper.finishJob({
        running: withoutSeq(job),
        outcome: { status: 'error', error: problem },
        endTime: now(),
        png: null,
        slot: null,
      });
      return;
    }

    let ticket: ReturnType<PaidCalls['admit']>;
    try {
      ticket = paid.admit({ kind: job.kind, width: job.width, height: job.height, jobId: id });
    } catch (err) {
      if (!(err instanceof PaidCallRefused)) throw err;
      log(`Job ${id} not started: ${err.message}`);
      const queuedJob = withoutSeq(job);
      await keeper.finishJob({
        running: queuedJob,
        outcome: { status: 'error', error: err.message },
        endTime: now(),
        png: null,
        slot: null,
      });
      return;
    }

    const running = runningVersion(job, now(), store.clock);
    try {
      await store.put(running);
    } catch (err) {
      // The store refused; do not spend money on a result we may not be able to keep.
      ticket.cancel();
      log(`Runner: could not save job ${id} as running: ${describe(err)}; it is not sent to PixelLab`);
      await keeper.finishJob({
        running,
        outcome: { status: 'error', error: 'The companion could not save this job, so it did not start. Retry it.' },
        endTime: now(),
        png: null,
        slot: null,
      });
      return;
    }

    let outcome: Outcome;
    let png: Uint8Array | null = null;
    let cost: CostRow | null = null;
    try {
      const result = await callPixelLab(running);
      cost = await ticket.paid(result.usd);
      png = result.png;
      outcome = { status: 'success', image: sha256Hex(png), seed: result.seed ?? running.seed, usd: result.usd };
    } catch (err) {
      ticket.cancel();
      const error = describe(err);
      log(`Job ${id} failed: ${error}`);
      outcome = { status: 'error', error };
    }
    await keeper.finishJob({ running, outcome, endTime: now(), png, slot: png ? ticket.slot : null, cost });
  }

  async function callPixelLab(job: Job): Promise<{ png: Uint8Array; usd: number | null; seed?: number | null }> {
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

  async function markInterrupted(jobs: SyncedJob[]): Promise<void> {
    for (const job of jobs) {
      const current = store.get(job.id);
      if (!current || current.deleted || current.status !== 'running' || active.has(job.id) || keeper.holds(job.id))
        continue;
      try {
        await store.put(
          store.clock.stamp(
            {
              ...withoutSeq(current),
              status: 'error',
              error: INTERRUPTED_WHILE_RUNNING,
              endTime: current.endTime ?? null,
            },
            current,
          ),
        );
      } catch (err) {
        log(`Runner: could not mark job ${job.id} interrupted: ${describe(err)}`);
      }
    }
  }

  return {
    enqueue,
    queueChanged() {
      readQueue();
      pump();
    },
    slot,
    recover: () => keeper.recover(paid.spool?.recovered ?? []),
    resume() {
      if (stopped) return;
      readQueue();
      // Only the jobs that need the runner are parsed: a start at 100,000 jobs must not parse them all.
      const live = store
        .liveIndex()
        .filter((e) => e.status === 'running' || e.status === 'queued')
        .map((e) => store.get(e.id))
        .filter((j): j is NonNullable<typeof j> => j !== undefined);
      const interrupted = live.filter((j) => j.status === 'running' && !active.has(j.id) && !keeper.holds(j.id));
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
    get unsaved() {
      return keeper.pending;
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    stored: () => keeper.drained(),
    async stop() {
      stopped = true;
      queue.length = 0;
      queued.clear();
      again.clear();
      for (const waiting of slotsWaiting.splice(0))
        waiting.reject(new RunnerStopped('The companion is stopping; try again once it is back.'));
      await Promise.all([...active.values(), ...chores]);
      keeper.stop();
      settle();
    },
  };
}

function checkLimit(n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`The parallel limit must be a whole number of at least 1, got ${n}`);
  return n;
}

/** An error as plain text, short enough for the job record (whose schema caps it at 10,000). */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}
