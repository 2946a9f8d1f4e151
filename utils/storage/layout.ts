import { z } from 'zod';
import { jobDevice } from '@/utils/domain/device';
import { deviceSyncStatusSchema } from '@/utils/domain/device-sync';
import { type Job, jobSchema, jobStatusSchema } from '@/utils/domain/job';
import { isTrashed } from '@/utils/domain/organise';
import { syncRecordSchema } from '@/utils/domain/records';
import { factsOf, type JobFacts } from '@/utils/insights/facts';

/**
 * The values of chrome.storage.local (keys.ts lists the keys). Opening the panel must cost what is visible,
 * not the size of the history (DESIGN.md measured why): one key per job, images under their own keys, a
 * small `head` for first paint and an index in pages for scrolling and search (index-pages.ts).
 */
export const HISTORY_SCHEMA_VERSION = 5;
export const HEAD_SIZE = 60;

/**
 * One live job in the index: what a row shows before its record is read, plus the facts Insights needs
 * (utils/insights/facts.ts), so a filtered view is computed from the index in memory. Optional fields are
 * left out when empty: the index is rewritten with every change.
 */
export const indexEntrySchema = z.object({
  id: z.string(),
  createdAt: z.number(),
  status: jobStatusSchema,
  prompt: z.string(),
  /** Written since layout version 2; entryFacts fills them in for an older entry. */
  kind: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  usd: z.number().optional(),
  duration: z.number().optional(),
  reason: z.string().optional(),
  /** The organising fields (organise-schema.ts), only when set, so the entry of a job never organised stays small. */
  tags: z.array(z.string()).optional(),
  boards: z.array(z.string()).optional(),
  author: z.string().optional(),
  /** The companion that accepted the job (its device-sync id): who made it, named by the sync state's devices. */
  device: z.string().optional(),
  starred: z.literal(true).optional(),
  rating: z.number().int().min(1).max(5).optional(),
  /** In the trash since then: out of the history list, in the trash view (Insights still counts it). */
  trashedAt: z.number().optional(),
  /** Jobs made together (a batch, an 8-direction set) share it: the list stacks them. Since layout version 4. */
  groupId: z.string().optional(),
  /** A rotation's source job (its `rotate.sourceJobId`): the row shows it, the source lists what came of it. */
  sourceId: z.string().optional(),
});
export type IndexEntry = z.infer<typeof indexEntrySchema>;

export function toIndexEntry(job: Job): IndexEntry {
  // In the schema's key order: an entry read back through it compares equal to one made now.
  const { createdAt, prompt, status: _status, ...facts } = factsOf(job);
  const entry: IndexEntry = { id: job.id, createdAt, status: job.status, prompt, ...facts };
  const device = jobDevice(job);
  if (device) entry.device = device;
  if (job.starred) entry.starred = true;
  if (job.rating) entry.rating = job.rating;
  if (isTrashed(job)) entry.trashedAt = job.trashedAt!;
  if (job.groupId) entry.groupId = job.groupId;
  if (job.rotate?.sourceJobId) entry.sourceId = job.rotate.sourceJobId;
  return entry;
}

/** An entry's facts for Insights: itself once complete (every entry written since layout version 2). */
export function entryFacts(entry: IndexEntry): JobFacts {
  if (entry.kind !== undefined && entry.width !== undefined && entry.height !== undefined) return entry as JobFacts;
  return { ...entry, kind: entry.kind ?? 'generate', width: entry.width ?? 0, height: entry.height ?? 0 };
}

export const statsSchema = z.object({
  total: z.number().int(),
  idle: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  success: z.number().int(),
  error: z.number().int(),
  /** Added with the queue control: stats stored before it read as 0. */
  cancelled: z.number().int().default(0),
  /** Jobs in the trash; the other counts leave them out. */
  trashed: z.number().int().default(0),
  /** Seconds, over successful jobs; null when there are none. */
  avgDuration: z.number().nullable(),
});
export type Stats = z.infer<typeof statsSchema>;

/** Stats as stored: the layout's counts plus the running sum that keeps avgDuration incremental. */
export const storedStatsSchema = statsSchema.extend({
  durationSum: z.number().default(0),
  durationCount: z.number().int().default(0),
});
export type StoredStats = z.infer<typeof storedStatsSchema>;

export const emptyStats = (): StoredStats => ({
  total: 0,
  idle: 0,
  queued: 0,
  running: 0,
  success: 0,
  error: 0,
  cancelled: 0,
  trashed: 0,
  avgDuration: null,
  durationSum: 0,
  durationCount: 0,
});

export const syncStateSchema = z.object({
  serverId: z.string().nullable().default(null),
  checkpoint: z.number().int().nonnegative().default(0),
  lastSyncAt: z.number().nullable().default(null),
  lastError: z.string().nullable().default(null),
  online: z.boolean().default(false),
  apiKeyDetected: z.boolean().nullable().default(null),
  balanceUsd: z.number().nullable().default(null),
  /** Where the companion's key comes from ('environment' | 'dotenv' | 'file' | 'none'), null before an API 2 answer. */
  apiKeySource: z.string().nullable().default(null),
  /** The companion's API version (its /health), null before first contact; older than the panel's: update it. */
  apiVersion: z.number().int().nullable().default(null),
  /** Today's spend on this companion and its daily limit, as last read (null: unknown or not kept). */
  spend: z
    .object({ todayUsd: z.number(), maxUsdPerDay: z.number().nullable(), resetsAt: z.number() })
    .nullable()
    .default(null),
  /**
   * The companion's every-device sync as last read (GET /api/v1/device-sync): the status line, and the names of the
   * devices jobs were made on. Null: it does not sync (or not read yet). An unreadable value reads as null.
   */
  deviceSync: deviceSyncStatusSchema.nullable().default(null).catch(null),
  /** 'none' | 'token' | 'pairing' as the companion reported, null before first contact. */
  auth: z.string().nullable().default(null),
  /** 'required': the companion wants pairing and this browser has no accepted token; syncs wait for it. */
  pairing: z.enum(['required']).nullable().default(null),
  /** A pairing code was asked for: the companion printed it, the panel asks for it until `expiresAt`. */
  pairingRequest: z.object({ requestId: z.string(), expiresAt: z.number() }).nullable().default(null),
  /** When the next attempt is due while backing off. */
  nextAttemptAt: z.number().nullable().default(null),
  syncing: z.boolean().default(false),
  /**
   * The sync protocol the companion answered in (utils/domain/sync.ts): 2 carries records and organising fields,
   * 1 (companions before them) does not. Null until known: the engine asks before it pushes.
   */
  syncVersion: z.number().int().nullable().default(null),
  /**
   * The protocol `checkpoint` was reached in. Pulls in version 1 left organising fields and records out, so a
   * companion answering 2 over a checkpoint reached in 1 is pulled again from 0 (once).
   */
  checkpointVersion: z.number().int().default(1),
});
export type SyncState = z.infer<typeof syncStateSchema>;

/** A stored job: the shared record plus nothing else; sync bookkeeping lives in `outbox`. */
export const storedJobSchema = jobSchema;

export const submitEntrySchema = z.object({ id: z.string(), action: z.enum(['create', 'retry']) });
export type SubmitEntry = z.infer<typeof submitEntrySchema>;

/** An image to fetch, and a job that shows it (the entry is dropped once that job no longer does). */
export const imageWantSchema = z.object({ id: z.string(), hash: z.string() });
export type ImageWant = z.infer<typeof imageWantSchema>;

export const pendingPushSchema = z.object({
  requestId: z.string(),
  jobs: z.array(jobSchema),
  /** Records (boards, the queue) sent in the same push; absent in chunks stored before records synced. */
  records: z.array(syncRecordSchema).optional(),
});
export type PendingPush = z.infer<typeof pendingPushSchema>;

export const storageErrorSchema = z.object({ message: z.string(), at: z.number().nullable().default(null) });
export type StorageErrorValue = z.infer<typeof storageErrorSchema>;

/** `records`: this replica's boards and queue (utils/domain/records.ts), tombstones included until pushed. */
export const storedRecordsSchema = z.array(z.unknown());

export const indexSchema = z.array(indexEntrySchema);
export const idListSchema = z.array(z.string());
export const submitQueueSchema = z.array(submitEntrySchema);
export const imagesWantedSchema = z.array(imageWantSchema);

/** `coloursClean`: a complete colour pass at `at`, under layout version `schema` (another version: not known). */
export const coloursCleanSchema = z.object({ at: z.number().finite(), schema: z.number().int() });
