import { z } from 'zod';
import { jobSchema, jobStatusSchema } from './domain/job';

/**
 * The chrome.storage.local layout. Opening the panel must cost what is visible, not the
 * size of the history (DESIGN.md measured why), so:
 *   schema          { version }                      layout version, migrated by pure functions
 *   head            string[]                         newest HEAD_SIZE live job ids: enough for first paint
 *   index           IndexEntry[]                     every live job, newest first: scroll, search, filter
 *   stats           Stats                            counts for the stats bar without reading the index
 *   job:<id>        Job (+ local sync fields)        one key per job, tombstones included until pushed
 *   img:<sha256>    string                           a PNG data URL, read lazily for visible rows
 *   sync            SyncState                        checkpoint, serverId, last sync, companion status
 *   outbox          string[]                         ids changed locally and not yet accepted by the companion
 *   settings        Settings
 *   storageError    { message, at } | null           the last storage failure, shown by the panel
 *   submit          { id, action: create|retry }[]   jobs waiting to be handed to the companion's runner
 *   pushPending     { requestId, jobs } | null       the push chunk in flight, so a retry reuses its request id
 *   clientId        string                           this replica's id, sent with every push
 *   tombstones      string[]                         deleted ids: out of `index`, still owed to a new companion
 *   imagesWanted    { id, hash }[]                   images of finished jobs shown here but not held (the companion lacked
 *                                                    them when asked): fetched at every sync until they arrive or the job moves on
 *   quarantine:<t>  { reason, at, data }             data that failed to parse or migrate, kept, never deleted
 * Only the background writes any of these.
 */
export const HISTORY_SCHEMA_VERSION = 1;
export const HEAD_SIZE = 60;

export const keys = {
  schema: 'schema',
  head: 'head',
  index: 'index',
  stats: 'stats',
  sync: 'sync',
  outbox: 'outbox',
  settings: 'settings',
  storageError: 'storageError',
  job: (id: string) => `job:${id}`,
  image: (hash: string) => `img:${hash}`,
} as const;

export const indexEntrySchema = z.object({
  id: z.string(),
  createdAt: z.number(),
  status: jobStatusSchema,
  prompt: z.string(),
});
export type IndexEntry = z.infer<typeof indexEntrySchema>;

export const statsSchema = z.object({
  total: z.number().int(),
  idle: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  success: z.number().int(),
  error: z.number().int(),
  /** Seconds, over successful jobs; null when there are none. */
  avgDuration: z.number().nullable(),
});
export type Stats = z.infer<typeof statsSchema>;

export const syncStateSchema = z.object({
  serverId: z.string().nullable().default(null),
  checkpoint: z.number().int().nonnegative().default(0),
  lastSyncAt: z.number().nullable().default(null),
  lastError: z.string().nullable().default(null),
  online: z.boolean().default(false),
  apiKeyDetected: z.boolean().nullable().default(null),
  balanceUsd: z.number().nullable().default(null),
  /** 'none' | 'token' | 'pairing' as the companion reported, null before first contact. */
  auth: z.string().nullable().default(null),
  /** 'required': the companion wants pairing and this browser has no accepted token; syncs wait for it. */
  pairing: z.enum(['required']).nullable().default(null),
  /** A pairing code was asked for: the companion printed it, the panel asks for it until `expiresAt`. */
  pairingRequest: z.object({ requestId: z.string(), expiresAt: z.number() }).nullable().default(null),
  /** When the next attempt is due while backing off. */
  nextAttemptAt: z.number().nullable().default(null),
  syncing: z.boolean().default(false),
});
export type SyncState = z.infer<typeof syncStateSchema>;

/** A stored job: the shared record plus nothing else; sync bookkeeping lives in `outbox`. */
export const storedJobSchema = jobSchema;
