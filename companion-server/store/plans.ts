import {
  type Clock,
  canonicalJson,
  compareVersions,
  isTrashed,
  type Job,
  mergeJobs,
  mergeRecords,
  recordKey,
  type SyncedJob,
  type SyncedRecord,
  type SyncRecord,
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
  const job = parseJob(input);
  const current = view.get(job.id);
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
  for (const incoming of jobs) {
    const held = seen.get(incoming.id);
    const merged = held ? mergeJobs(withoutSeq(held), incoming) : incoming;
    if (!held || !sameRecord(merged, held)) {
      seen.plan(merged);
      outcomes.push({ kind: 'applied', index: versions.length, base: !held || compareVersions(incoming, held) > 0 });
      versions.push(merged);
    } else outcomes.push({ kind: 'ignored', id: incoming.id });
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
