import { type Clock, mergeRecords, recordKey, type SyncRecord, sameSyncRecord, syncRecordSchema } from '@/utils/domain';
import type { StoreWriter } from '@/utils/history/writer';
import type { StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import { idListSchema, storedRecordsSchema } from '@/utils/storage/layout';

/**
 * Boards and the queue (utils/domain/records.ts) in chrome.storage.local: every record in one small `records`
 * key (a few hundred boards at most), deleted boards kept as tombstones so the delete syncs, and `recordOutbox`
 * naming the records changed here that the companion has not accepted yet.
 */

/** What an `editRecords` callback decides: versions to write (none is fine) and what the caller gets back. */
export interface RecordEdit<T> {
  records?: readonly SyncRecord[];
  result: T;
}

export interface RecordStore {
  /** Every record held, tombstones included (readers leave deleted boards out). */
  getRecords(): Promise<SyncRecord[]>;
  /**
   * A local edit of records as one read-modify-write under the store's lock, stamped with the store's clock:
   * `edit` gets the records by `kind:id`; what it returns is stored and queued for push.
   */
  editRecords<T>(edit: (current: ReadonlyMap<string, SyncRecord>, clock: Clock) => RecordEdit<T>): Promise<T>;
  /** `kind:id` of the records waiting to be pushed. */
  getRecordOutbox(): Promise<string[]>;
}

/** The readable records of a `records` value by `kind:id`; unreadable ones (and unknown kinds) are left out. */
export function parseRecords(value: unknown): Map<string, SyncRecord> {
  const out = new Map<string, SyncRecord>();
  for (const raw of storedRecordsSchema.safeParse(value).data ?? []) {
    const parsed = syncRecordSchema.safeParse(raw);
    if (parsed.success) out.set(recordKey(parsed.data), withoutSeq(parsed.data));
  }
  return out;
}

function withoutSeq(record: SyncRecord): SyncRecord {
  if (!('seq' in record)) return record;
  const { seq: _seq, ...rest } = record as SyncRecord & { seq?: unknown };
  return rest as SyncRecord;
}

export interface RecordsSnapshot {
  records: Map<string, SyncRecord>;
  outbox: Set<string>;
}

export async function readRecordsSnapshot(storage: StorageAreaLike): Promise<RecordsSnapshot> {
  const raw = await storage.get([keys.records, keys.recordOutbox]);
  return {
    records: parseRecords(raw[keys.records]),
    outbox: new Set(idListSchema.safeParse(raw[keys.recordOutbox]).data ?? []),
  };
}

/** The items that store `next` over `before` (only the keys that changed). */
export function recordsItems(before: RecordsSnapshot, next: RecordsSnapshot): Record<string, unknown> {
  const items: Record<string, unknown> = {};
  const changed =
    next.records.size !== before.records.size ||
    [...next.records].some(([key, r]) => {
      const held = before.records.get(key);
      return !held || !sameSyncRecord(held, r);
    });
  if (changed) items[keys.records] = [...next.records.values()];
  const outboxChanged = next.outbox.size !== before.outbox.size || [...next.outbox].some((k) => !before.outbox.has(k));
  if (outboxChanged) items[keys.recordOutbox] = [...next.outbox];
  return items;
}

/**
 * Records from the companion merged field by field into `snap` (a copy is returned): a record whose merge
 * equals the companion's version leaves the outbox; one that keeps something of ours (an edit the companion has
 * not seen) stays in or enters it. Kinds this version does not know are passed over.
 */
export function mergeIncomingRecords(snap: RecordsSnapshot, incoming: readonly unknown[]): RecordsSnapshot {
  const records = new Map(snap.records);
  const outbox = new Set(snap.outbox);
  for (const raw of incoming) {
    // A kind this version does not know fails the union, and is passed over.
    const parsed = syncRecordSchema.safeParse(raw);
    if (!parsed.success) continue;
    const theirs = withoutSeq(parsed.data);
    const key = recordKey(theirs);
    const local = records.get(key);
    const merged = local ? mergeRecords(local, theirs) : theirs;
    if (!local || !sameSyncRecord(local, merged)) records.set(key, merged);
    if (sameSyncRecord(merged, theirs)) outbox.delete(key);
    else outbox.add(key);
  }
  return { records, outbox };
}

export function createRecordStore(w: StoreWriter): RecordStore {
  return {
    async getRecords() {
      await w.whenReady();
      return [...(await readRecordsSnapshot(w.storage)).records.values()];
    },

    editRecords(edit) {
      return w.exclusive(async () => {
        const snap = await readRecordsSnapshot(w.storage);
        const copies = new Map([...snap.records].map(([key, r]) => [key, structuredClone(r)]));
        const { records = [], result } = edit(copies, await w.clockOf());
        if (records.length === 0) return result;
        const next: RecordsSnapshot = { records: new Map(snap.records), outbox: new Set(snap.outbox) };
        for (const record of records) {
          const checked = syncRecordSchema.parse(record);
          next.records.set(recordKey(checked), checked);
          next.outbox.add(recordKey(checked));
        }
        const items = recordsItems(snap, next);
        if (Object.keys(items).length > 0) await w.write(items);
        return result;
      });
    },

    async getRecordOutbox() {
      await w.whenReady();
      return [...(await readRecordsSnapshot(w.storage)).outbox];
    },
  };
}
