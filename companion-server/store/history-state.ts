import type { z } from 'zod';
import {
  type Clock,
  canonicalJson,
  compareVersions,
  createClock,
  type Job,
  jobSchema,
  lastSeedJobId,
  pickWinner,
  type SyncedJob,
  syncedJobSchema,
} from '../../utils/domain';
import { StoreError } from './store-error';
import type { MergeResult } from './types';

/** A stored version and its serialized line, computed once when the version is accepted. */
export interface HistoryEntry {
  readonly job: SyncedJob;
  /** `JSON.stringify(job)`: what the file holds for this job. */
  readonly line: string;
}

/**
 * The history in memory: versions, sequence numbers and the merge rules, without any I/O.
 * The file store and the memory store both wrap it. Stored jobs are frozen: change one by
 * passing a new version in.
 */
export interface HistoryState {
  /** Highest sequence number handed out. */
  readonly lastSeq: number;
  /** Highest sequence number known to be durable; readers of changes never see past it. */
  readonly durableSeq: number;
  readonly lastJobId: number;
  /** Bumped by every change, lastJobId included; a writer compares it to know what is saved. */
  readonly revision: number;
  /** Records held, tombstones included. */
  readonly size: number;

  get(id: string): SyncedJob | undefined;
  /** Live jobs, oldest first (createdAt, then id in natural order). */
  list(): SyncedJob[];
  changesSince(since: number, limit: number): { changes: SyncedJob[]; lastSeq: number; hasMore: boolean };
  /** Every record in sequence order, with its cached line. */
  entries(): IterableIterator<HistoryEntry>;

  put(job: unknown): SyncedJob;
  merge(jobs: readonly unknown[]): MergeResult[];
  /** Returns how many records changed (lastJobId alone counts as none but bumps `revision`). */
  replaceAll(jobs: readonly unknown[], lastJobId: number): number;
  clear(): number;

  markDurable(seq: number): void;
}

export interface HistoryStateInit {
  /** Loaded records; sorted by seq here, duplicates resolved. */
  records?: readonly SyncedJob[];
  /** The file's `seq`; the state never hands out a number at or below it again. */
  lastSeq?: number;
  lastJobId?: number;
  /** Stamps the versions the state makes itself (tombstones, bumps). */
  clock?: Clock;
}

export interface HistoryStateLoad {
  state: HistoryState;
  /** Ids that appeared more than once; the last-writer-wins version was kept. */
  duplicateIds: string[];
  /** Records whose seq clashed with an earlier one and got a new number. */
  renumbered: number;
}

const naturalOrder = new Intl.Collator('en', { numeric: true });

/**
 * The largest sequence number the store hands out or loads (2^52). Far below Number.MAX_SAFE_INTEGER, so
 * every number in the file is exact, and a file at the limit is one this store could have written: the
 * file schema refuses anything above it and the state refuses to mint past it.
 */
export const MAX_SEQ = 2 ** 52;

export function createHistoryState(init: HistoryStateInit = {}): HistoryStateLoad {
  const entries = new Map<string, HistoryEntry>();
  let lastSeq = init.lastSeq ?? 0;
  let durableSeq = 0;
  let lastJobId = init.lastJobId ?? 0;
  let revision = 0;
  let listCache: SyncedJob[] | null = null;
  const clock = init.clock ?? createClock('companion');

  /** Refuses a change before any of it applies when it could need more than the numbers left. */
  function assertRoom(count: number): void {
    if (lastSeq + count <= MAX_SEQ) return;
    throw new StoreError(
      `The history has used up its sequence numbers (the last one is ${lastSeq}, the limit ${MAX_SEQ}); nothing was changed`,
      'SEQ_EXHAUSTED',
    );
  }

  /** Accepts a version under the next seq; the Map stays in seq order because the entry moves to the end. */
  function store(job: Job): SyncedJob {
    assertRoom(1);
    const line = JSON.stringify(withSeq(job, ++lastSeq));
    // Parsing the line back keeps memory equal to what a restart would load.
    const saved = deepFreeze(JSON.parse(line) as SyncedJob);
    entries.delete(job.id);
    entries.set(job.id, { job: saved, line });
    lastJobId = lastSeedJobId([saved], lastJobId);
    revision++;
    listCache = null;
    return saved;
  }

  // Load: one version per id (last writer wins), then seq order; clashing numbers go to the end.
  const byId = new Map<string, SyncedJob>();
  const duplicateIds: string[] = [];
  for (const record of init.records ?? []) {
    const current = byId.get(record.id);
    if (current) {
      duplicateIds.push(record.id);
      if (!pickWinner(current, record)) continue;
    }
    byId.set(record.id, record);
  }
  const sorted = [...byId.values()].sort((a, b) => a.seq - b.seq);
  const clashing: SyncedJob[] = [];
  let previous = 0;
  for (const record of sorted) {
    if (record.seq <= previous) {
      clashing.push(record);
      continue;
    }
    previous = record.seq;
    const line = JSON.stringify(withSeq(record, record.seq));
    entries.set(record.id, { job: deepFreeze(JSON.parse(line) as SyncedJob), line });
    lastJobId = lastSeedJobId([record], lastJobId);
  }
  lastSeq = Math.max(lastSeq, previous);
  // Deterministic from the file, so a restart without a write hands out the same numbers.
  for (const record of clashing) store(record);
  durableSeq = lastSeq;
  revision = 0;

  const state: HistoryState = {
    get lastSeq() {
      return lastSeq;
    },
    get durableSeq() {
      return durableSeq;
    },
    get lastJobId() {
      return lastJobId;
    },
    get revision() {
      return revision;
    },
    get size() {
      return entries.size;
    },

    get: (id) => entries.get(id)?.job,

    list() {
      if (!listCache) {
        listCache = [];
        for (const { job } of entries.values()) if (!job.deleted) listCache.push(job);
        listCache.sort((a, b) => a.createdAt - b.createdAt || naturalOrder.compare(a.id, b.id));
      }
      return listCache.slice();
    },

    changesSince(since, limit) {
      const visible = durableSeq;
      const changes: SyncedJob[] = [];
      let hasMore = false;
      if (since < visible) {
        for (const { job } of entries.values()) {
          if (job.seq <= since) continue;
          if (job.seq > visible) break;
          if (changes.length >= limit) {
            hasMore = true;
            break;
          }
          changes.push(job);
        }
      }
      const last = changes[changes.length - 1];
      // With nothing new, a checkpoint past our end (an older file came back) is pulled back to it.
      return { changes, lastSeq: last ? last.seq : Math.min(since, visible), hasMore };
    },

    entries: () => entries.values(),

    put(input) {
      const job = parseJob(input);
      assertRoom(1);
      const current = entries.get(job.id)?.job;
      // Unconditional, but every replica's last-writer-wins must still pick this version.
      if (current && compareVersions(job, current) < 0) {
        const stamped = clock.stamp(job, current);
        // A later clock cannot make up for an earlier generation or less progress (merge.ts); such a write
        // would be a stale copy taking a result away, so it is refused whole.
        if (compareVersions(stamped, current) < 0) {
          throw new StoreError(
            `Refused to write job ${job.id}: this version (${job.status}) would take the job back from its ${current.status} version`,
            'STALE_VERSION',
          );
        }
        return store(stamped);
      }
      return store(job);
    },

    merge(inputs) {
      const jobs = inputs.map(parseJob);
      assertRoom(jobs.length);
      return jobs.map((incoming): MergeResult => {
        const current = entries.get(incoming.id)?.job;
        const winner = pickWinner(current, incoming);
        if (winner) return { id: incoming.id, outcome: 'applied', job: store(winner) };
        return { id: incoming.id, outcome: 'ignored', job: current! };
      });
    },

    replaceAll(inputs, givenLastJobId) {
      const given = new Map<string, Job>();
      for (const job of inputs.map(parseJob)) given.set(job.id, job);
      assertRoom(entries.size + given.size);
      let changed = 0;
      for (const { job } of [...entries.values()]) {
        if (!job.deleted && !given.has(job.id)) {
          store(tombstone(job, clock));
          changed++;
        }
      }
      for (const job of given.values()) {
        const current = entries.get(job.id)?.job;
        if (current && sameContent(current, job)) continue;
        // A whole-history save is taken as made on the version held now.
        store(current ? clock.stamp(job, current) : job);
        changed++;
      }
      if (Number.isSafeInteger(givenLastJobId) && givenLastJobId > lastJobId) {
        lastJobId = givenLastJobId;
        revision++;
      }
      return changed;
    },

    clear() {
      assertRoom(entries.size);
      let count = 0;
      for (const { job } of [...entries.values()]) {
        if (job.deleted) continue;
        store(tombstone(job, clock));
        count++;
      }
      return count;
    },

    markDurable(seq) {
      durableSeq = Math.max(durableSeq, Math.min(seq, lastSeq));
    },
  };
  return { state, duplicateIds, renumbered: clashing.length };
}

const SCHEMA_KEYS = Object.keys(syncedJobSchema.shape);

/** The record with `seq`, keys in the schema's order then unknown ones: what a reload produces, so lines stay stable. */
function withSeq(job: Job, seq: number): SyncedJob {
  const source: Record<string, unknown> = { ...job, seq };
  const out: Record<string, unknown> = Object.create(null); // so a "__proto__" field stays a field
  for (const key of SCHEMA_KEYS) if (key in source) out[key] = source[key];
  for (const key of Object.keys(source)) if (!(key in out)) out[key] = source[key];
  return out as SyncedJob;
}

/** A delete that wins over the version it replaces on every replica. */
function tombstone(job: SyncedJob, clock: Clock): Job {
  const { seq: _seq, ...rest } = job;
  return clock.stamp({ ...rest, deleted: true }, job);
}

/** Same job apart from its clock and seq: a seed client sending back what it loaded. */
function sameContent(a: Job, b: Job): boolean {
  return canonicalJson(withoutClock(a)) === canonicalJson(withoutClock(b));
}

function withoutClock(job: Job): Record<string, unknown> {
  const { seq: _seq, updatedAt: _updatedAt, clock: _clock, ...rest } = job as Job & { seq?: unknown };
  return rest;
}

/** Validates a job handed to the store; a record that fails here would make the file fail on the next start. */
function parseJob(input: unknown): Job {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new StoreError('Invalid job: expected an object', 'INVALID_JOB');
  }
  const { seq: _seq, ...fields } = input as Record<string, unknown>;
  const result = jobSchema.safeParse(fields);
  if (result.success) return result.data;
  const id = typeof fields.id === 'string' ? ` "${fields.id.slice(0, 128)}"` : '';
  throw new StoreError(`Invalid job${id}: ${describeIssues(result.error)}`, 'INVALID_JOB', { cause: result.error });
}

/** "width: Too big: expected number to be <=4096 (and 2 more)". */
export function describeIssues(error: z.ZodError): string {
  const [first] = error.issues;
  if (!first) return 'invalid';
  const path = first.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${path ? `${path}: ` : ''}${first.message}${more}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
