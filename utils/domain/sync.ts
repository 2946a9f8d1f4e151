import { z } from 'zod';
import { apiKeySourceSchema } from './companion';
import { COMPANION_PACKAGE_NAME } from './companion-package';
import { imageHashSchema, type Job, jobSchema } from './job';
import { withoutOrganising } from './organise';
import { anyRecordSchema } from './records';

/**
 * The shapes of the sync routes a client asks for with `v` (README, "Sync protocol"); /health's `apiVersion`
 * (COMPANION_API_VERSION) says which routes a companion has. 2: records beside jobs (boards, the queue:
 * records.ts), organising fields and the `cancelled` status. A client that does not say is answered in
 * version 1's shapes (routes/sync.ts).
 */
export const SYNC_API_VERSION = 2;
/** What /health names itself as: the companion's package name. */
export const APP_NAME = COMPANION_PACKAGE_NAME;
/** Most jobs per pull page (about 0.9 MB of JSON); companions before 2,000 took 500. */
export const MAX_PULL_PAGE = 2000;
export const MAX_PUSH_CHANGES = 500;

/** A job as the companion hands it out: with the sequence number of its last accepted change. */
export const syncedJobSchema = jobSchema.extend({ seq: z.number().int().positive() });
export type SyncedJob = z.infer<typeof syncedJobSchema>;

/**
 * A job as a client of sync version `v` reads it: before version 2 without organising fields (they mean nothing
 * to it, and a version it cannot order would be pushed back at every sync) and `cancelled` as an error.
 */
export function forSyncVersion<T extends Job>(job: T, v: number): T {
  if (v >= 2) return job;
  const plain = withoutOrganising(job);
  if (plain.status !== 'cancelled') return plain;
  return { ...plain, status: 'error', error: plain.error ?? 'Cancelled before it ran' };
}

/** The protocol version a client speaks when it does not say (clients from before version 2). */
const apiVersionSchema = z.coerce.number().int().min(1).max(1000).default(1);

export const pullQuerySchema = z.object({
  since: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_PAGE).default(200),
  v: apiVersionSchema,
});

/** A record (records.ts) as the companion hands it out, of any kind: a client reads the kinds it knows. */
export const pulledRecordSchema = anyRecordSchema.extend({ seq: z.number().int().positive() });

export const pullResponseSchema = z.object({
  /** Identifies this companion's data; a client that sees it change starts over from 0 and pushes everything. */
  serverId: z.string(),
  changes: z.array(syncedJobSchema),
  /** Checkpoint to send as `since` next time. */
  lastSeq: z.number().int().nonnegative(),
  hasMore: z.boolean(),
  /** Images the companion lost (found damaged or deleted) that a client holding them should upload again. */
  needImages: z.array(imageHashSchema).max(1000).default([]),
  /** Records (boards, the queue) changed in the same range of seqs; version 2 and later. */
  records: z.array(pulledRecordSchema).default([]),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

/** Most images one `GET /api/v1/images?hashes=` asks for: about 6.5 KB of URL and 0.5 MB of answer at 4.5 KB a PNG. */
export const MAX_IMAGE_BATCH = 100;
/** Base64 characters one batch answer carries at most; the images past it are left for another request. */
export const MAX_IMAGE_BATCH_CHARS = 8_000_000;

export const imageBatchQuerySchema = z.object({
  hashes: z
    .string()
    .transform((list) => list.split(','))
    .pipe(z.array(imageHashSchema).min(1).max(MAX_IMAGE_BATCH, `at most ${MAX_IMAGE_BATCH} hashes`)),
});

export const imageBatchResponseSchema = z.object({
  /** sha-256 -> the PNG's bytes in base64. */
  images: z.record(imageHashSchema, z.string()),
  /** Hashes asked for that the companion does not hold. */
  missing: z.array(imageHashSchema),
  /** Hashes it holds but left out to keep the answer small (MAX_IMAGE_BATCH_CHARS): ask for them again. */
  deferred: z.array(imageHashSchema).default([]),
});
export type ImageBatchResponse = z.infer<typeof imageBatchResponseSchema>;

export const pushRequestSchema = z.object({
  /** Unique per logical push; a retry with the same id is answered from memory and applied once. */
  requestId: z.string().min(8).max(128),
  clientId: z.string().min(1).max(128),
  changes: z.array(jobSchema).max(MAX_PUSH_CHANGES),
  /** PNG bytes (base64) for images the changes reference and the companion asked for. */
  images: z.record(imageHashSchema, z.string().max(8_000_000)).default({}),
  /** Records (records.ts) changed here; each known kind is checked with its schema, unknown kinds passed over. */
  records: z.array(anyRecordSchema).max(MAX_PUSH_CHANGES).default([]),
  /** The protocol version the client speaks; answers follow it. */
  v: z.number().int().min(1).max(1000).default(1),
});
export type PushRequest = z.input<typeof pushRequestSchema>;

export const pushResultSchema = z.object({
  id: z.string(),
  /**
   * applied: this version is now the companion's (`job` is it, except an applied `running` version no runner here
   * runs: `job` is then the interrupted error stored over it). ignored: the companion holds a newer (or the same)
   * version, sent back in `job`.
   */
  outcome: z.enum(['applied', 'ignored']),
  job: syncedJobSchema,
});
export const recordResultSchema = z.object({
  kind: z.string(),
  id: z.string(),
  /** unknown: a kind this companion does not know, passed over. */
  outcome: z.enum(['applied', 'ignored', 'unknown']),
  /** The companion's version after the push (null for an unknown kind). */
  record: pulledRecordSchema.nullable(),
});
export const pushResponseSchema = z.object({
  serverId: z.string(),
  results: z.array(pushResultSchema),
  /** One per pushed record, in order; absent from companions before version 2. */
  recordResults: z.array(recordResultSchema).default([]),
  lastSeq: z.number().int().nonnegative(),
  /** Images referenced by the changes that the companion does not hold; push them again with `images`. */
  needImages: z.array(imageHashSchema),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;

export const balanceSchema = z.object({
  /**
   * unknown: not known right now (PixelLab has not answered yet, or the caller has no token in token or
   * pairing mode). Added after ok/missing/error, so every older answer still parses.
   */
  status: z.enum(['ok', 'missing', 'error', 'unknown']),
  usd: z.number().optional(),
  message: z.string().optional(),
});
export type Balance = z.infer<typeof balanceSchema>;

export const healthResponseSchema = z.looseObject({
  status: z.literal('ok'),
  app: z.literal(APP_NAME),
  /** COMPANION_API_VERSION of the companion; every companion built so far sends it. */
  apiVersion: z.number().int(),
  /** The companion's package version (e.g. "0.2.0"); optional, so a companion that did not send it parses. */
  version: z.string().optional(),
  serverId: z.string(),
  server_time: z.string(),
  uptime_seconds: z.number(),
  api_key_detected: z.boolean(),
  /** Where the key comes from (API 2); absent from older companions. */
  api_key_source: apiKeySourceSchema.optional(),
  balance: balanceSchema,
  auth: z.enum(['none', 'token', 'pairing']),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** Every error the companion sends: a code, plain words, and the field when a body was wrong. */
export const errorResponseSchema = z.object({
  status: z.literal('error'),
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
