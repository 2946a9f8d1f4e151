import {
  compareVersions,
  type JobStatus,
  lastSeedJobId,
  mergeJobs,
  mergeRecords,
  recordKey,
  type SyncedJob,
  type SyncedRecord,
  type SyncRecord,
} from '../../utils/domain';
import { parseJob, parseRecord, toEntry, toRecordEntry } from './history-lines';
import type { ChangePage, HistoryState } from './history-state-types';
import { StoreError } from './store-error';

export { describeIssues, indexFieldsOf, parseJob, parseRecord } from './history-lines';

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
  /** The images it points at (its result, the image it rotates); absent when none. */
  readonly images?: readonly string[];
  /** It was put in the trash (and, when deleted too, purged from it): its images may be freed (image-gc.ts). */
  readonly trashed?: true;
  /** Its line reads differently to a client of sync version 1 (an organising field, `cancelled`). */
  readonly modern?: true;
}

/** A version ready to be written and applied: validated, numbered, serialized once. */
export interface PreparedRecord extends HistoryEntry {
  readonly job: SyncedJob;
}

/** A record that is not a job (a board, the queue: records.ts), held beside the jobs in the same seq order. */
export interface RecordEntry {
  /** `kind:id` */
  readonly key: string;
  readonly kind: SyncRecord['kind'];
  readonly id: string;
  readonly seq: number;
  readonly line: string;
  readonly deleted: boolean;
}

export interface PreparedSyncRecord extends RecordEntry {
  readonly record: SyncedRecord;
}

/** What a plan reads: the current version of a job. */
export interface HistoryView {
  get(id: string): SyncedJob | undefined;
}

export type { ChangePage, HistoryState } from './history-state-types';

export interface HistoryStateInit {
  /** Loaded records; duplicates resolved by the merge order, clashing seqs renumbered after the rest. */
  records?: readonly SyncedJob[];
  /**
   * Loaded lines taken as they are (a file this companion wrote and nobody changed since: trusted-file.ts),
   * so a start at 100,000 jobs neither validates nor serializes them again. Same rules as `records`.
   */
  entries?: readonly HistoryEntry[];
  /** Loaded records that are not jobs; the same rules. */
  others?: readonly SyncedRecord[];
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
  renumberRecords: SyncedRecord[];
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
  const records = new Map<string, RecordEntry>();
  /** Ids (record keys for records) in the order their current seq was handed out; stale slots are skipped. */
  let order: { seq: number; id: string; record?: true }[] = [];
  let lastSeq = init.lastSeq ?? 0;
  let lastJobId = safeLastJobId(init.lastJobId ?? 0);
  let live = 0;
  let lineBytes = 0;
  /** Loaded lines not counted in lineBytes yet: counted when first asked for (a pass over 44 MB at a start). */
  let uncounted: readonly HistoryEntry[] | null = null;
  /**
   * Live jobs per image they point at, and images of jobs purged from the trash (image-gc.ts). The counts are
   * made the first time they are asked for (image-gc's first pass), not at a start: 100,000 hashes into a map.
   */
  let refs: Map<string, number> | null = null;
  const purged = new Set<string>();

  const current = (slot: { seq: number; id: string; record?: true }) =>
    (slot.record ? records : entries).get(slot.id)?.seq === slot.seq;

  function count(entry: HistoryEntry, sign: 1 | -1): void {
    if (entry.deleted) {
      if (sign > 0 && entry.trashed) for (const hash of entry.images ?? []) purged.add(hash);
      return;
    }
    if (!refs) return;
    for (const hash of entry.images ?? []) {
      const n = (refs.get(hash) ?? 0) + sign;
      if (n > 0) refs.set(hash, n);
      else refs.delete(hash);
    }
  }

  function slot(seq: number, id: string, record?: true): void {
    order.push(record ? { seq, id, record } : { seq, id });
    if (order.length > 1024 && order.length > 2 * (entries.size + records.size)) order = order.filter(current);
  }

  function set(entry: HistoryEntry): void {
    const before = entries.get(entry.id);
    if (before && !before.deleted) live--;
    if (before) {
      lineBytes -= Buffer.byteLength(before.line);
      count(before, -1);
    }
    lineBytes += Buffer.byteLength(entry.line);
    entries.delete(entry.id);
    entries.set(entry.id, entry);
    if (!entry.deleted) live++;
    count(entry, 1);
    lastJobId = lastSeedJobId([entry], lastJobId);
    slot(entry.seq, entry.id);
  }

  function setRecord(entry: RecordEntry): void {
    const before = records.get(entry.key);
    if (before) lineBytes -= Buffer.byteLength(before.line);
    lineBytes += Buffer.byteLength(entry.line);
    records.delete(entry.key);
    records.set(entry.key, entry);
    slot(entry.seq, entry.key, true);
  }

  /**
   * set() for a state known empty, while seqs rise within 1..MAX_SEQ and no id comes twice: one map operation
   * per entry instead of three. False, with the state empty again, at the first entry that breaks the order.
   */
  function takeInOrder(list: readonly HistoryEntry[]): boolean {
    let previous = 0;
    for (const entry of list) {
      if (entry.seq <= previous || entry.seq > MAX_SEQ || entries.has(entry.id)) {
        entries.clear();
        purged.clear();
        order = [];
        live = 0;
        return false;
      }
      previous = entry.seq;
      entries.set(entry.id, entry);
      if (!entry.deleted) live++;
      count(entry, 1);
      order.push({ seq: entry.seq, id: entry.id });
    }
    uncounted = list;
    return true;
  }

  // Load: one version per id (merged), then seq order; clashing numbers are renumbered by the caller.
  type Loaded = { entry: HistoryEntry; record?: undefined } | { record: SyncedJob; entry?: undefined };
  const jobOf = (item: Loaded): SyncedJob => item.record ?? (JSON.parse(item.entry!.line) as SyncedJob);
  const byId = new Map<string, Loaded>();
  const duplicateIds: string[] = [];
  const load = (id: string, item: Loaded) => {
    const current = byId.get(id);
    if (!current) {
      byId.set(id, item);
      return;
    }
    duplicateIds.push(id);
    const held = jobOf(current);
    const incoming = jobOf(item);
    // The merged record keeps the seq of the version whose job-wide fields won.
    const seq = compareVersions(held, incoming) >= 0 ? held.seq : incoming.seq;
    byId.set(id, { record: { ...mergeJobs(held, incoming), seq } as SyncedJob });
  };
  const given = init.entries ?? [];
  // A file the companion wrote itself: seqs rising, each id once. Taken as it is, without the map and the sort
  // below (a fifth of a start at 100,000 jobs); anything else goes the general way.
  const inOrder = !init.records?.length && !init.others?.length && takeInOrder(given);
  for (const entry of inOrder ? [] : given) load(entry.id, { entry });
  for (const record of init.records ?? []) load(record.id, { record });
  const byKey = new Map<string, SyncedRecord>();
  for (const record of init.others ?? []) {
    const held = byKey.get(recordKey(record));
    byKey.set(
      recordKey(record),
      held ? ({ ...mergeRecords(held, record), seq: Math.max(held.seq, record.seq) } as SyncedRecord) : record,
    );
  }
  const renumber: SyncedJob[] = [];
  const renumberRecords: SyncedRecord[] = [];
  let previous = 0;
  const loaded = [
    ...[...byId.values()].map((job) => ({ seq: (job.record ?? job.entry!).seq, job })),
    ...[...byKey.values()].map((other) => ({ seq: other.seq, other })),
  ].sort((a, b) => a.seq - b.seq);
  for (const item of loaded) {
    if (item.seq <= previous || item.seq > MAX_SEQ) {
      if ('job' in item) renumber.push(jobOf(item.job));
      else renumberRecords.push(item.other);
      continue;
    }
    previous = item.seq;
    if ('job' in item) set(item.job.entry ?? toEntry(item.job.record!, item.seq));
    else setRecord(toRecordEntry(item.other, item.seq));
  }
  if (inOrder) {
    lastJobId = lastSeedJobId(given, lastJobId);
    previous = given.at(-1)?.seq ?? 0;
  }
  lastSeq = Math.min(MAX_SEQ, Math.max(lastSeq, previous));
  // The state's methods share this scope: without this, the load's map of 100,000 wrappers lives as long as they do.
  byId.clear();

  function applyAll(items: readonly (HistoryEntry | RecordEntry)[], strict: boolean): void {
    for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
      if (item.seq <= lastSeq) {
        if (strict)
          throw new Error(`Record ${'key' in item ? item.key : item.id} has seq ${item.seq}, not above ${lastSeq}`);
        continue;
      }
      if ('key' in item) setRecord(item);
      else set(item);
      lastSeq = item.seq;
    }
  }

  function checkRoom(offset: number, count: number): void {
    if (lastSeq + offset + count > MAX_SEQ) {
      throw new StoreError(
        `The history has used up its sequence numbers (the last one is ${lastSeq}, the limit ${MAX_SEQ}); nothing was changed`,
        'SEQ_EXHAUSTED',
      );
    }
  }

  const state: HistoryState = {
    get lastSeq() {
      return lastSeq;
    },
    get lastJobId() {
      return lastJobId;
    },
    get size() {
      return entries.size + records.size;
    },
    get liveCount() {
      return live;
    },
    get lineBytes() {
      for (const entry of uncounted ?? []) lineBytes += Buffer.byteLength(entry.line);
      uncounted = null;
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

    liveEntries(statuses) {
      const out: HistoryEntry[] = [];
      for (const entry of entries.values())
        if (!entry.deleted && (!statuses || statuses.includes(entry.status))) out.push(entry);
      return out.sort((a, b) => a.createdAt - b.createdAt || naturalOrder.compare(a.id, b.id));
    },

    entries: () => entries.values(),
    record(kind, id) {
      const entry = records.get(`${kind}:${id}`);
      return entry ? (JSON.parse(entry.line) as SyncedRecord) : undefined;
    },
    recordEntries: () => records.values(),
    imageRefs(hash) {
      if (!refs) {
        refs = new Map();
        for (const entry of entries.values())
          if (!entry.deleted) for (const h of entry.images ?? []) refs.set(h, (refs.get(h) ?? 0) + 1);
      }
      return refs.get(hash) ?? 0;
    },
    purgedImages: () => purged,
    forgetPurged(hashes) {
      for (const hash of hashes) purged.delete(hash);
    },

    changesSince(since, limit) {
      const page: ChangePage = { entries: [], records: [], lastSeq: 0, hasMore: false };
      let last = 0;
      if (since < lastSeq) {
        for (let i = firstAfter(order, since); i < order.length; i++) {
          const at = order[i]!;
          const entry = (at.record ? records : entries).get(at.id);
          if (entry?.seq !== at.seq) continue;
          if (page.entries.length + page.records.length >= limit) {
            page.hasMore = true;
            break;
          }
          if (at.record) page.records.push(entry as RecordEntry);
          else page.entries.push(entry as HistoryEntry);
          last = at.seq;
        }
      }
      // With nothing new, a checkpoint past our end (an older file came back) is pulled back to it.
      page.lastSeq = last > 0 ? last : Math.min(since, lastSeq);
      return page;
    },

    prepare(versions, offset = 0) {
      checkRoom(offset, versions.length);
      return versions.map((input, i) => {
        const job = parseJob(input);
        const entry = toEntry(job, lastSeq + offset + i + 1);
        // Parsed back from the line, so what callers get equals what a restart loads.
        return { ...entry, job: JSON.parse(entry.line) as SyncedJob };
      });
    },

    prepareRecords(inputs, offset = 0) {
      checkRoom(offset, inputs.length);
      return inputs.map((input, i) => {
        const entry = toRecordEntry(parseRecord(input), lastSeq + offset + i + 1);
        return { ...entry, record: JSON.parse(entry.line) as SyncedRecord };
      });
    },

    replay(jobs, givenLastJobId, others = []) {
      applyAll(
        [
          ...jobs.filter((r) => r.seq <= MAX_SEQ).map((r) => toEntry(parseJob(r), r.seq)),
          ...others.filter((r) => r.seq <= MAX_SEQ).map((r) => toRecordEntry(parseRecord(r), r.seq)),
        ],
        false,
      );
      if (givenLastJobId !== undefined) lastJobId = Math.max(lastJobId, safeLastJobId(givenLastJobId));
    },

    apply(prepared, givenLastJobId, others = []) {
      applyAll([...prepared, ...others], true);
      if (givenLastJobId !== undefined) lastJobId = Math.max(lastJobId, safeLastJobId(givenLastJobId));
    },
  };
  return { state, duplicateIds, renumber, renumberRecords };
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
