import type { z } from 'zod';
import {
  type Job,
  type JobStatus,
  jobSchema,
  lastSeedJobId,
  pickWinner,
  recordTooLarge,
  type SyncedJob,
  syncedJobSchema,
} from '../../utils/domain';
import { StoreError } from './store-error';

/**
 * The history in memory, without any I/O: one entry per job in seq order, each holding the job's JSON line
 * (what the file and the journal hold) and the few fields the hot paths read. A job is parsed from its line
 * when asked for, so 100,000 jobs cost their lines, not a tree of objects each.
 *
 * Changes come in two steps, so the store can make them durable in between: `prepare` validates and numbers
 * versions without changing anything; `apply` stores prepared records once they are on disk.
 */
export interface HistoryEntry {
  readonly id: string;
  readonly seq: number;
  /** `JSON.stringify(job)` with its seq: what the file holds for this job. */
  readonly line: string;
  readonly deleted: boolean;
  readonly status: JobStatus;
  readonly createdAt: number;
}

/** A version ready to be written and applied: validated, numbered, serialized once. */
export interface PreparedRecord extends HistoryEntry {
  readonly job: SyncedJob;
}

/** What a plan reads: the current version of a job. */
export interface HistoryView {
  get(id: string): SyncedJob | undefined;
}

export interface HistoryState extends HistoryView {
  /** Highest sequence number applied. */
  readonly lastSeq: number;
  readonly lastJobId: number;
  /** Records held, tombstones included. */
  readonly size: number;
  /** Live jobs held. */
  readonly liveCount: number;
  /** UTF-8 bytes of every record's line: what the file's records weigh. */
  readonly lineBytes: number;

  entry(id: string): HistoryEntry | undefined;
  /** Live jobs, oldest first (createdAt, then id in natural order). Parses every live job: for rare callers. */
  list(): SyncedJob[];
  /** Live entries, oldest first, without parsing them. */
  liveEntries(): HistoryEntry[];
  /** Every record in seq order. */
  entries(): IterableIterator<HistoryEntry>;
  /** Lines of everything changed after `since`, tombstones included, in seq order. */
  changesSince(since: number, limit: number): { lines: string[]; lastSeq: number; hasMore: boolean };

  /** Validates `versions` and numbers them from lastSeq + 1 + `offset`; changes nothing. Throws StoreError. */
  prepare(versions: readonly unknown[], offset?: number): PreparedRecord[];
  /** Stores prepared records (in seq order, above lastSeq) and raises lastJobId to at least `lastJobId`. */
  apply(records: readonly PreparedRecord[], lastJobId?: number): void;
  /** Loads records written earlier with their own seqs (the journal), those above lastSeq, in seq order. */
  replay(records: readonly SyncedJob[], lastJobId?: number): void;
}

export interface HistoryStateInit {
  /** Loaded records; duplicates resolved by the merge order, clashing seqs renumbered after the rest. */
  records?: readonly SyncedJob[];
  /**
   * Loaded lines taken as they are (a file this companion wrote and nobody changed since: trusted-file.ts),
   * so a start at 100,000 jobs neither validates nor serializes them again. Same rules as `records`.
   */
  entries?: readonly HistoryEntry[];
  /** The file's `seq`; the state never hands out a number at or below it again. */
  lastSeq?: number;
  lastJobId?: number;
}

export interface HistoryStateLoad {
  state: HistoryState;
  /** Ids that appeared more than once; the winning version was kept. */
  duplicateIds: string[];
  /** Records whose seq clashed with an earlier one: give them new numbers with the first write. */
  renumber: SyncedJob[];
}

const naturalOrder = new Intl.Collator('en', { numeric: true });

/**
 * The largest sequence number the store hands out or loads (2^52). Far below Number.MAX_SAFE_INTEGER, so
 * every number in the file is exact, and a file at the limit is one this store could have written.
 */
export const MAX_SEQ = 2 ** 52;
/** The seed's job counter stays a safe integer, so a `job-N` the old dashboard mints next is exact too. */
export const MAX_LAST_JOB_ID = Number.MAX_SAFE_INTEGER - 1;

export function createHistoryState(init: HistoryStateInit = {}): HistoryStateLoad {
  const entries = new Map<string, HistoryEntry>();
  /** Ids in the order their current seq was handed out; stale slots (a later version moved on) are skipped. */
  let order: { seq: number; id: string }[] = [];
  let lastSeq = init.lastSeq ?? 0;
  let lastJobId = safeLastJobId(init.lastJobId ?? 0);
  let live = 0;
  let lineBytes = 0;

  function set(entry: HistoryEntry): void {
    const before = entries.get(entry.id);
    if (before && !before.deleted) live--;
    if (before) lineBytes -= Buffer.byteLength(before.line);
    lineBytes += Buffer.byteLength(entry.line);
    entries.delete(entry.id);
    entries.set(entry.id, entry);
    if (!entry.deleted) live++;
    order.push({ seq: entry.seq, id: entry.id });
    lastJobId = lastSeedJobId([entry], lastJobId);
    if (order.length > 1024 && order.length > 2 * entries.size) {
      order = order.filter((slot) => entries.get(slot.id)?.seq === slot.seq);
    }
  }

  // Load: one version per id (the merge order), then seq order; clashing numbers are renumbered by the caller.
  type Loaded = { entry: HistoryEntry; record?: undefined } | { record: SyncedJob; entry?: undefined };
  const jobOf = (item: Loaded): SyncedJob => item.record ?? (JSON.parse(item.entry!.line) as SyncedJob);
  const seqOf = (item: Loaded) => (item.record ?? item.entry!).seq;
  const byId = new Map<string, Loaded>();
  const duplicateIds: string[] = [];
  const load = (id: string, item: Loaded) => {
    const current = byId.get(id);
    if (current) {
      duplicateIds.push(id);
      if (!pickWinner(jobOf(current), jobOf(item))) return;
    }
    byId.set(id, item);
  };
  for (const entry of init.entries ?? []) load(entry.id, { entry });
  for (const record of init.records ?? []) load(record.id, { record });
  const renumber: SyncedJob[] = [];
  let previous = 0;
  for (const item of [...byId.values()].sort((a, b) => seqOf(a) - seqOf(b))) {
    const seq = seqOf(item);
    if (seq <= previous || seq > MAX_SEQ) {
      renumber.push(jobOf(item));
      continue;
    }
    previous = seq;
    set(item.entry ?? toEntry(item.record!, seq));
  }
  lastSeq = Math.min(MAX_SEQ, Math.max(lastSeq, previous));

  const state: HistoryState = {
    get lastSeq() {
      return lastSeq;
    },
    get lastJobId() {
      return lastJobId;
    },
    get size() {
      return entries.size;
    },
    get liveCount() {
      return live;
    },
    get lineBytes() {
      return lineBytes;
    },

    get(id) {
      const entry = entries.get(id);
      return entry ? (JSON.parse(entry.line) as SyncedJob) : undefined;
    },
    entry: (id) => entries.get(id),

    list() {
      return state.liveEntries().map((entry) => JSON.parse(entry.line) as SyncedJob);
    },

    liveEntries() {
      const out: HistoryEntry[] = [];
      for (const entry of entries.values()) if (!entry.deleted) out.push(entry);
      return out.sort((a, b) => a.createdAt - b.createdAt || naturalOrder.compare(a.id, b.id));
    },

    entries: () => entries.values(),

    changesSince(since, limit) {
      const lines: string[] = [];
      let last = 0;
      let hasMore = false;
      if (since < lastSeq) {
        for (let i = firstAfter(order, since); i < order.length; i++) {
          const { seq, id } = order[i]!;
          const entry = entries.get(id);
          if (entry?.seq !== seq) continue;
          if (lines.length >= limit) {
            hasMore = true;
            break;
          }
          lines.push(entry.line);
          last = seq;
        }
      }
      // With nothing new, a checkpoint past our end (an older file came back) is pulled back to it.
      return { lines, lastSeq: lines.length > 0 ? last : Math.min(since, lastSeq), hasMore };
    },

    prepare(versions, offset = 0) {
      if (lastSeq + offset + versions.length > MAX_SEQ) {
        throw new StoreError(
          `The history has used up its sequence numbers (the last one is ${lastSeq}, the limit ${MAX_SEQ}); nothing was changed`,
          'SEQ_EXHAUSTED',
        );
      }
      return versions.map((input, i) => {
        const job = parseJob(input);
        const entry = toEntry(job, lastSeq + offset + i + 1);
        // Parsed back from the line, so what callers get equals what a restart loads.
        return { ...entry, job: JSON.parse(entry.line) as SyncedJob };
      });
    },

    replay(records, givenLastJobId) {
      for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
        if (record.seq <= lastSeq || record.seq > MAX_SEQ) continue;
        set(toEntry(parseJob(record), record.seq));
        lastSeq = record.seq;
      }
      if (givenLastJobId !== undefined) lastJobId = Math.max(lastJobId, safeLastJobId(givenLastJobId));
    },

    apply(records, givenLastJobId) {
      for (const record of records) {
        if (record.seq <= lastSeq) throw new Error(`Record ${record.id} has seq ${record.seq}, not above ${lastSeq}`);
        set(record);
        lastSeq = record.seq;
      }
      if (givenLastJobId !== undefined) lastJobId = Math.max(lastJobId, safeLastJobId(givenLastJobId));
    },
  };
  return { state, duplicateIds, renumber };
}

/** Index of the first slot whose seq is above `since` (the order is sorted by seq). */
function firstAfter(order: readonly { seq: number }[], since: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order[mid]!.seq <= since) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function safeLastJobId(n: number): number {
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, MAX_LAST_JOB_ID) : 0;
}

function toEntry(job: Job, seq: number): HistoryEntry {
  return {
    id: job.id,
    seq,
    line: JSON.stringify(withSeq(job, seq)),
    deleted: job.deleted,
    status: job.status,
    createdAt: job.createdAt,
  };
}

const SCHEMA_KEYS = Object.keys(syncedJobSchema.shape);

/** The record with `seq`, keys in the schema's order then unknown ones: what a reload produces, so lines stay stable. */
function withSeq(job: Job, seq: number): SyncedJob {
  const source: Record<string, unknown> = { ...job, seq };
  const out: Record<string, unknown> = Object.create(null); // so a "__proto__" field stays a field
  for (const key of SCHEMA_KEYS) if (key in source && source[key] !== undefined) out[key] = source[key];
  for (const key of Object.keys(source)) if (!(key in out) && source[key] !== undefined) out[key] = source[key];
  return out as SyncedJob;
}

/** Validates a job handed to the store; a record that fails here would make the file fail on the next start. */
export function parseJob(input: unknown): Job {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new StoreError('Invalid job: expected an object', 'INVALID_JOB');
  }
  const { seq: _seq, ...fields } = input as Record<string, unknown>;
  const result = jobSchema.safeParse(fields);
  if (result.success) {
    const tooLarge = recordTooLarge(result.data);
    if (!tooLarge) return result.data;
    throw new StoreError(`Invalid job "${result.data.id}": it ${tooLarge}`, 'INVALID_JOB');
  }
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
