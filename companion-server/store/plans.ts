import {
  type Clock,
  canonicalJson,
  clashId,
  compareBirths,
  compareVersions,
  isTrashed,
  type Job,
  mergeJobs,
  mergeRecords,
  recordKey,
  type SyncedJob,
  type SyncedRecord,
  type SyncRecord,
  sameBirth,
  sameRecord,
  sameSyncRecord,
  withoutSeq,
} from '../../utils/domain';
import type { HistoryView } from './history-state';
import { parseJob, parseRecord } from './history-state';
import { StoreError } from './store-error';
import type { MergeResult, PlanView, RecordMergeResult } from './types';

/**
 * The changes the store knows how to make, as plans: pure functions of the current versions that say which
 * versions to write. The store makes a plan's versions durable, then applies them, then hands `result` the
 * saved records (job-store.ts); a refused write applies nothing.
 */
export interface Plan<T> {
  /** Versions to write, in order. */
  versions: Job[];
  /** Records that are not jobs to write (boards, the queue), after the jobs. */
  records?: SyncRecord[];
  /** Raise the seed's job counter to at least this. */
  lastJobId?: number;
  /** The caller's answer, from the records as saved (same order as `versions`, then `records`). */
  result(saved: SyncedJob[], savedRecords: SyncedRecord[]): T;
}

/** A view that also sees the versions planned so far in the same plan. */
function planning(view: HistoryView) {
  const planned = new Map<string, Job>();
  return {
    get: (id: string): Job | undefined => planned.get(id) ?? view.get(id),
    plan(job: Job) {
      planned.set(job.id, job);
    },
  };
}

/**
 * Writes this version (the runner's and the routes' own updates), stamped later than the stored one when its
 * clock is behind. A version that would still lose (an earlier generation, or less progress: merge.ts) is a
 * stale copy taking a result away, and is refused whole.
 */
export function planPut(view: HistoryView, input: Job, clock: Clock): Plan<SyncedJob> {
  const parsed = parseJob(input);
  const current = view.get(parsed.id);
  // This companion's own update of the job it holds: a job keeps its birth for life (job-birth.ts).
  const job = current && !sameBirth(current, parsed) ? { ...parsed, createdAt: current.createdAt } : parsed;
  let version = job;
  if (current && compareVersions(job, current) < 0) {
    version = clock.stamp(job, withoutSeq(current));
    if (compareVersions(version, current) < 0) {
      throw new StoreError(
        `Refused to write job ${job.id}: this version (${job.status}) would take the job back from its ${current.status} version`,
        'STALE_VERSION',
      );
    }
  }
  return { versions: [version], result: ([saved]) => saved! };
}

/**
 * Versions from a client, merged with the version held (merge.ts mergeJobs: the job-wide fields of the winner,
 * each organising field joined): only a merge that changes something is written.
 */
export function planMerge(view: HistoryView, inputs: readonly unknown[]): Plan<MergeResult[]> {
  const jobs = inputs.map(parseJob);
  const seen = planning(view);
  const outcomes: ({ kind: 'applied'; index: number; base: boolean } | { kind: 'ignored'; id: string })[] = [];
  const versions: Job[] = [];
  /** One version merged where it belongs; the index of the version written, or null when nothing changed. */
  const mergeOne = (input: Job): { index: number | null; base: boolean; id: string } => {
    const { job: incoming, moved } = placeOf(seen, input);
    // The later-born job held under this id goes first to the id it takes (job-birth.ts), with what it holds.
    if (moved) mergeOne(moved);
    const held = seen.get(incoming.id);
    const merged = held ? mergeJobs(withoutSeq(held), incoming) : incoming;
    if (held && sameRecord(merged, held)) return { index: null, base: false, id: incoming.id };
    seen.plan(merged);
    versions.push(merged);
    return { index: versions.length - 1, base: !held || compareVersions(incoming, held) > 0, id: incoming.id };
  };
  for (const incoming of jobs) {
    const { index, base, id } = mergeOne(incoming);
    outcomes.push(index === null ? { kind: 'ignored', id } : { kind: 'applied', index, base });
  }
  return {
    versions,
    result: (saved) => {
      // A job applied twice in one push answers with its last saved version for both.
      const lastSaved = new Map(saved.map((job) => [job.id, job]));
      return outcomes.map((o) => {
        if (o.kind === 'applied') {
          const job = saved[o.index]!;
          return { id: job.id, outcome: 'applied' as const, baseApplied: o.base, job: lastSaved.get(job.id)! };
        }
        return {
          id: o.id,
          outcome: 'ignored' as const,
          baseApplied: false,
          job: lastSaved.get(o.id) ?? (view.get(o.id) as SyncedJob),
        };
      });
    },
  };
}

/** Clashes resolved on the way to the same answer on every device: an id holding another birth is two jobs. */
const MAX_CLASH_DEPTH = 8;

/**
 * Where an incoming version of a job goes (job-birth.ts): to its id when that holds nothing or the same job (one
 * birth); when the id holds a job born earlier, to `clashId` of its own birth; when it holds one born later, the
 * incoming one takes the id (merge.ts ranks the earlier birth first) and the held one moves to `clashId` of its
 * birth. Every device thus ends with the same two jobs under the same two ids, whichever copy it saw first.
 */
export function placeOf(seen: { get(id: string): Job | undefined }, incoming: Job): { job: Job; moved: Job | null } {
  let job = incoming;
  for (let depth = 0; depth < MAX_CLASH_DEPTH; depth++) {
    const held = seen.get(job.id);
    if (!held || sameBirth(held, job)) return { job, moved: null };
    if (compareBirths(job, held) < 0) {
      job = { ...job, id: clashId(job.id, job.createdAt) };
      continue;
    }
    return { job, moved: { ...withoutSeq(held), id: clashId(held.id, held.createdAt) } };
  }
  // Past that, ids made to collide on purpose: the merge order picks one (nothing else is written).
  return { job, moved: null };
}

/** Tombstones every live job, each a delete made on its current version. */
export function planClear(view: HistoryView & { liveIds(): string[] }, clock: Clock): Plan<number> {
  const versions = view.liveIds().map((id) => {
    const job = withoutSeq(view.get(id)!);
    return clock.stamp({ ...job, deleted: true }, job);
  });
  return { versions, result: (saved) => saved.length };
}

/** Same job apart from its version and seq: a seed client sending back what it loaded. */
export function sameContent(a: Job, b: Job): boolean {
  return canonicalJson(withoutVersion(a)) === canonicalJson(withoutVersion(b));
}

function withoutVersion(job: Job): Record<string, unknown> {
  const { seq: _seq, updatedAt: _updatedAt, clock: _clock, ...rest } = job as Job & { seq?: unknown };
  return rest;
}

/**
 * Seed `/save-jobs` as the seed server did it: the given list becomes the history; jobs left out become
 * tombstones, changed jobs are written as edits of the version held now.
 */
export function planReplaceAll(
  view: HistoryView & { liveIds(): string[] },
  inputs: readonly unknown[],
  lastJobId: number,
  clock: Clock,
): Plan<number> {
  const given = new Map<string, Job>();
  for (const job of inputs.map(parseJob)) given.set(job.id, job);
  const versions: Job[] = [];
  for (const id of view.liveIds()) {
    if (given.has(id)) continue;
    const job = withoutSeq(view.get(id)!);
    versions.push(clock.stamp({ ...job, deleted: true }, job));
  }
  for (const job of given.values()) {
    const current = view.get(job.id);
    if (current && sameContent(current, job)) continue;
    const version = current ? clock.stamp(job, withoutSeq(current)) : job;
    // A stale copy (an earlier generation, or less progress) never takes a result away (merge.ts).
    if (!current || compareVersions(version, current) > 0) versions.push(version);
  }
  return { versions, lastJobId, result: (saved) => saved.length };
}

/** Records from a client, each merged field by field with the one held (records.ts): only changes are written. */
export function planMergeRecords(view: PlanView, inputs: readonly unknown[]): Plan<RecordMergeResult[]> {
  const planned = new Map<string, SyncRecord>();
  const records: SyncRecord[] = [];
  const outcomes: { key: string; kind: string; id: string; index: number | null }[] = [];
  for (const input of inputs) {
    const incoming = parseRecord(input);
    const key = recordKey(incoming);
    const held = planned.get(key) ?? view.record(incoming.kind, incoming.id);
    const merged = held ? mergeRecords(held, incoming) : incoming;
    if (held && sameSyncRecord(merged, held)) {
      outcomes.push({ key, kind: incoming.kind, id: incoming.id, index: null });
      continue;
    }
    planned.set(key, merged);
    outcomes.push({ key, kind: incoming.kind, id: incoming.id, index: records.length });
    records.push(merged);
  }
  return {
    versions: [],
    records,
    result: (_jobs, saved) => {
      const lastSaved = new Map(saved.map((r) => [recordKey(r), r]));
      return outcomes.map((o) => ({
        kind: o.kind,
        id: o.id,
        outcome: o.index === null ? ('ignored' as const) : ('applied' as const),
        record: (lastSaved.get(o.key) ?? view.record(o.kind, o.id)) as SyncedRecord,
      }));
    },
  };
}

/** Jobs purged from the trash: each a delete made on its current version (only jobs that are in the trash). */
export function planPurge(view: HistoryView, ids: readonly string[], clock: Clock): Plan<string[]> {
  const versions: Job[] = [];
  for (const id of new Set(ids)) {
    const held = view.get(id);
    if (!held || !isTrashed(held)) continue;
    const job = withoutSeq(held);
    versions.push(clock.stamp({ ...job, deleted: true }, job));
  }
  return { versions, result: (saved) => saved.map((job) => job.id) };
}
