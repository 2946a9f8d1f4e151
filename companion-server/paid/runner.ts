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
import { type CostRow, jobOptionsOf, modeOfRequest, runnableProblem, type SyncedJob } from '../../utils/domain';
import { isForeignJob } from '../../utils/domain/device';
import type { Runner, SlotResult } from '../deps';
import { sha256Hex } from '../lib/hash';
import type { PixelLabPlan } from '../pixellab/plan';
import { INTERRUPTED_WHILE_RUNNING } from '../store/history-file';
import type { JobStore } from '../store/types';
import { createPaidCalls, PaidCallRefused, type PaidCalls } from './paid-calls';
import { type CallResult, callPixelLab, type RunnerPixelLab } from './pixellab-call';
import { createQueueOrder } from './queue-order';
import { type BackoffOptions, createPause, withBackoff } from './rate-limit';
import { createResultKeeper } from './result-keeper';
import { type Outcome, runningVersion, withoutSeq } from './run-versions';
import type { PaidCallInfo } from './spending-guard';

export { finishedVersion, type Outcome, runningVersion } from './run-versions';

export interface RunnerOptions {
  store: JobStore;
  pixellab: RunnerPixelLab;
  /** The user's PixelLab plan: a size above it is refused before paying, and a size refusal teaches it. */
  plan?: PixelLabPlan;
  /** Rate-limited calls are made again after a pause; meanwhile no other job starts. */
  rateLimit?: BackoffOptions;
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

  /** PixelLab asked to slow down: no job starts until the pause is over. */
  const rateLimitPause = createPause();

  const order = createQueueOrder(store);

  // Paused, queued jobs wait (they are not what keeps the runner busy); idle() and stop() do not wait for them.
  const isIdle = () =>
    (queue.length === 0 || order.paused()) && slotsWaiting.length === 0 && active.size === 0 && chores.size === 0;

  function settle(): void {
    if (!isIdle()) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  }

  /** Fills free places, alternating between queued jobs and ad-hoc calls so neither starves the other. */
  function pump(): void {
    // Rate-limited: nothing new starts until the pause is over.
    if (!stopped && rateLimitPause.holds(pump)) {
      settle();
      return;
    }
    const jobsWaiting = () => queue.length > 0 && !order.paused();
    while (!stopped && active.size < limit && (jobsWaiting() || slotsWaiting.length > 0)) {
      const takeSlot = slotsWaiting.length > 0 && (!jobsWaiting() || slotsTurn);
      slotsTurn = !takeSlot;
      if (takeSlot) {
        slotsWaiting.shift()!.start();
        continue;
      }
      const id = order.takeNext(queue);
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
    // Another device accepted it: that one runs and bills it (issue 22); here it is only shown.
    if (isForeignJob(job, store.device)) return;
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

    const mode = modeOfRequest({ kind: job.kind, options: jobOptionsOf(job) });
    const overPlan = options.plan?.problem(mode, job.width, job.height) ?? null;
    if (overPlan) {
      log(`Job ${id} not started: ${overPlan}`);
      await keeper.finishJob({
        running: withoutSeq(job),
        outcome: { status: 'error', error: overPlan },
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
      const result: CallResult = await withBackoff(
        () => callPixelLab(running, pixellab, store),
        (ms, err) => {
          log(`Job ${id}: PixelLab rate limit (${err.status}); trying again in ${Math.ceil(ms / 1000)} s`);
          return rateLimitPause.sleep(ms);
        },
        options.rateLimit,
      );
      cost = await ticket.paid(result.usd);
      png = result.png;
      outcome = {
        status: 'success',
        image: sha256Hex(png),
        seed: result.seed ?? running.seed,
        usd: result.usd,
        ...(result.frames ? { frames: result.frames } : {}),
      };
    } catch (err) {
      ticket.cancel();
      const learned = await options.plan?.learnFrom(err, mode, job.width, job.height);
      const error = learned
        ? `${describe(err)} Your PixelLab plan allows less than ${job.width}x${job.height}; the companion now checks sizes against it before paying (change it in Settings).`
        : describe(err);
      log(`Job ${id} failed: ${error}`);
      outcome = { status: 'error', error };
    }
    await keeper.finishJob({ running, outcome, endTime: now(), png, slot: png ? ticket.slot : null, cost });
  }

  async function markInterrupted(jobs: SyncedJob[]): Promise<void> {
    for (const job of jobs) {
      const current = store.get(job.id);
      if (!current || current.deleted || current.status !== 'running' || active.has(job.id) || keeper.holds(job.id))
        continue;
      if (isForeignJob(current, store.device)) continue;
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
      order.read();
      pump();
    },
    slot,
    recover: () => keeper.recover(paid.spool?.recovered ?? []),
    resume() {
      if (stopped) return;
      order.read();
      // Only the jobs that need the runner are parsed: a start at 100,000 jobs must not parse them all.
      const live = store
        .liveIndex(['running', 'queued'])
        .filter((e) => e.status === 'running' || e.status === 'queued')
        .map((e) => store.get(e.id))
        .filter((j): j is NonNullable<typeof j> => j !== undefined && !isForeignJob(j, store.device));
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
      rateLimitPause.stop();
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
