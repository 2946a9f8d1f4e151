import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import { type Clock, clockFieldSchema, compareHlc, type Hlc, maxHlc, timeSchema, versionFields } from './clock';
import { jobIdSchema } from './job';
import { hlcToStamp, stampToHlc } from './organise';
import { boardIdSchema, type Stamp, stampSchema } from './organise-schema';

/**
 * Records that are not jobs (DESIGN.md: "Boards and the queue order are records of their own"): they travel
 * through the same sync as jobs, beside them (`records` in a push and a pull, sync.ts), in the same sequence of
 * changes, so one checkpoint covers both and a journal line can hold both (the every-device sync reads them
 * the same way). Each is `{kind, id, ...fields, updatedAt, clock, fieldClocks, deleted}`: every field merges on
 * its own as a register (the later stamp wins; equal stamps keep the larger JSON, so `deleted: true` wins a
 * tie), and `updatedAt` + `clock` is the latest of the field stamps.
 *
 * Kinds a replica does not know are passed over, never refused: a newer client's record must not break an
 * older companion's push.
 */

export const MAX_BOARD_NAME = 80;
/** Queued jobs the queue order lists at most; any others run after them, oldest first. */
export const MAX_QUEUE_ORDER = 5000;
/** The queue record's id: one queue per companion. */
export const QUEUE_ID = 'queue';

const versioned = {
  updatedAt: timeSchema,
  clock: clockFieldSchema.optional(),
  deleted: z.boolean().default(false),
};

/** A named collection of jobs; a job lists the boards it is on (its `boards` field). */
export const boardRecordSchema = z.looseObject({
  kind: z.literal('board'),
  id: boardIdSchema,
  name: z.string().trim().min(1, 'is required').max(MAX_BOARD_NAME),
  ...versioned,
  fieldClocks: z.object({ name: stampSchema.optional(), deleted: stampSchema.optional() }).optional(),
});
export type BoardRecord = z.infer<typeof boardRecordSchema>;

/** The companion's queue: paused or not, and the order queued jobs run in. */
export const queueRecordSchema = z.looseObject({
  kind: z.literal('queue'),
  id: z.literal(QUEUE_ID),
  paused: z.boolean().default(false),
  /** Queued job ids in the order they run; queued jobs not listed run after them, oldest first. */
  order: z.array(jobIdSchema).max(MAX_QUEUE_ORDER).default([]),
  ...versioned,
  fieldClocks: z
    .object({ paused: stampSchema.optional(), order: stampSchema.optional(), deleted: stampSchema.optional() })
    .optional(),
});
export type QueueRecord = z.infer<typeof queueRecordSchema>;

export const syncRecordSchema = z.discriminatedUnion('kind', [boardRecordSchema, queueRecordSchema]);
export type SyncRecord = z.infer<typeof syncRecordSchema>;
export type RecordKind = SyncRecord['kind'];
export const RECORD_KINDS: readonly RecordKind[] = ['board', 'queue'];

/** A record as the companion hands it out: with the sequence number of its last accepted change. */
export const syncedRecordSchema = z.intersection(syncRecordSchema, z.object({ seq: z.number().int().positive() }));
export type SyncedRecord = SyncRecord & { seq: number };

/** The frame every record has, whatever its kind: how a record of an unknown kind is read and passed over. */
export const anyRecordSchema = z.looseObject({ kind: z.string().min(1).max(32), id: z.string().min(1).max(128) });

/** The fields of each kind that merge as registers. */
const FIELDS: { [K in RecordKind]: readonly string[] } = {
  board: ['name', 'deleted'],
  queue: ['paused', 'order', 'deleted'],
};

export const recordKey = (record: Pick<SyncRecord, 'kind' | 'id'>) => `${record.kind}:${record.id}`;
export const isRecordKind = (kind: string): kind is RecordKind => (RECORD_KINDS as readonly string[]).includes(kind);

function recordVersion(record: SyncRecord): Hlc {
  return { ms: record.updatedAt, c: record.clock?.c ?? 0, node: record.clock?.node ?? '' };
}

/** A field's stamp; a record sent without field stamps has every field at the record's version. */
function stampOf(record: SyncRecord, field: string): Stamp {
  const clocks = (record.fieldClocks ?? {}) as Record<string, Stamp | undefined>;
  return clocks[field] ?? hlcToStamp(recordVersion(record));
}

function laterField(a: SyncRecord, b: SyncRecord, field: string): SyncRecord {
  const byStamp = compareHlc(stampToHlc(stampOf(a, field)), stampToHlc(stampOf(b, field)));
  if (byStamp !== 0) return byStamp > 0 ? a : b;
  const va = canonicalJson((a as Record<string, unknown>)[field] ?? null);
  const vb = canonicalJson((b as Record<string, unknown>)[field] ?? null);
  return va >= vb ? a : b;
}

/** Both versions of one record merged field by field: commutative, associative and idempotent. */
export function mergeRecords<R extends SyncRecord>(a: R, b: R): R {
  const fields = FIELDS[a.kind];
  const latest = compareHlc(recordVersion(a), recordVersion(b)) >= 0 ? a : b;
  const { seq: _seq, ...out } = { ...latest } as Record<string, unknown>;
  const clocks: Record<string, Stamp> = {};
  for (const field of fields) {
    const from = laterField(a, b, field);
    out[field] = (from as Record<string, unknown>)[field];
    clocks[field] = stampOf(from, field);
  }
  return withVersion(out as R, clocks);
}

function withVersion<R extends SyncRecord>(record: R, clocks: Record<string, Stamp>): R {
  const latest = maxHlc(Object.values(clocks).map(stampToHlc));
  return { ...record, ...versionFields(latest, 0), fieldClocks: clocks };
}

/** Same record, `seq` aside. */
export function sameSyncRecord(a: SyncRecord, b: SyncRecord): boolean {
  const strip = ({ seq: _seq, ...rest }: SyncRecord & { seq?: number }) => rest;
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}

/** `record` with `changes` made now: each changed field stamped later than its current stamp. */
export function editRecord<R extends SyncRecord>(record: R, changes: Partial<R>, clock: Clock): R {
  const clocks: Record<string, Stamp> = {};
  for (const field of FIELDS[record.kind]) clocks[field] = stampOf(record, field);
  const out: Record<string, unknown> = { ...record };
  let changed = false;
  for (const [field, value] of Object.entries(changes)) {
    if (!FIELDS[record.kind].includes(field)) continue;
    if (canonicalJson(out[field] ?? null) === canonicalJson(value ?? null)) continue;
    out[field] = value;
    clocks[field] = hlcToStamp(clock.next(stampToHlc(clocks[field]!)));
    changed = true;
  }
  return changed ? withVersion(out as R, clocks) : record;
}

/** A new board, every field stamped now. */
export function newBoard(id: string, name: string, clock: Clock): BoardRecord {
  const stamp = hlcToStamp(clock.next());
  return boardRecordSchema.parse({
    kind: 'board',
    id,
    name,
    deleted: false,
    ...versionFields(stampToHlc(stamp), 0),
    fieldClocks: { name: stamp, deleted: stamp },
  });
}

/** The queue as it is before anyone paused or ordered it. */
export function emptyQueue(): QueueRecord {
  return { kind: 'queue', id: QUEUE_ID, paused: false, order: [], deleted: false, updatedAt: 0 };
}

/** Ids that two offline replicas cannot both mint, like job ids. */
export function newBoardId(now: number = Date.now(), random: () => number = Math.random): string {
  let suffix = '';
  for (let i = 0; i < 8; i++) suffix += Math.floor(random() * 36).toString(36);
  return `board-${now.toString(36).padStart(9, '0')}-${suffix}`;
}

/**
 * The order queued jobs run in: those the queue order lists, in its order, then the rest oldest first (as
 * before there was an order).
 */
export function queueOrder<T extends { id: string; createdAt: number }>(
  queue: Pick<QueueRecord, 'order'> | null | undefined,
  queued: readonly T[],
): T[] {
  const position = new Map((queue?.order ?? []).map((id, i) => [id, i]));
  return [...queued].sort((a, b) => {
    const pa = position.get(a.id);
    const pb = position.get(b.id);
    if (pa !== undefined || pb !== undefined) return (pa ?? Number.MAX_SAFE_INTEGER) - (pb ?? Number.MAX_SAFE_INTEGER);
    return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
}

/** `order` with `ids` moved (in their given order) to just before `before`, or to the end when it is null. */
export function moveInOrder(order: readonly string[], ids: readonly string[], before: string | null): string[] {
  const moving = new Set(ids);
  const rest = order.filter((id) => !moving.has(id));
  const at = before === null || moving.has(before) ? -1 : rest.indexOf(before);
  const insert = ids.filter((id, i) => ids.indexOf(id) === i);
  if (at < 0) return [...rest, ...insert];
  return [...rest.slice(0, at), ...insert, ...rest.slice(at)];
}
