import { z } from 'zod';
import { clockFieldSchema, timeSchema, versionSchema } from './clock';
import { type GenerationMode, type JobOptions, jobOptionsSchema, storedOptionsSchema } from './options';
import { organisingFieldsShape } from './organise-schema';
import { directionSchema, imageHashSchema } from './primitives';
import { sizeProblem } from './sizes';

/**
 * What a new request may ask for (PixelLab's clients and docs): each side 16..400 (the largest tier; smaller
 * tiers cap the area lower, and PixelLab answers 422), pixflux an area of at least 32x32, rotate each side up
 * to 200. Its clients cap the description at 1000 characters.
 */
export const MIN_SIZE = 16;
export const MAX_SIZE = 400;
/** PixelLab's pixflux needs an area of at least 32x32 pixels (16x64 is fine, 16x16 is not). */
export const MIN_GENERATE_AREA = 32 * 32;
/** PixelLab's rotate takes images up to 200x200 (its clients and docs). */
export const MAX_ROTATE_SIZE = 200;
export const AREA_MESSAGE = `is too small: PixelLab needs an area of at least 32x32 pixels (${MIN_GENERATE_AREA})`;
export const MAX_PROMPT_LENGTH = 1000;
/** Stored records are held to looser limits: seed files were not checked against PixelLab's. */
export const MAX_STORED_PROMPT_LENGTH = 10_000;

export { type Direction, directionSchema, directions, imageHashSchema } from './primitives';

/**
 * The seed's own status set. `idle` means "created but not yet handed to the runner"
 * (the extension shows it as "Waiting" while the companion is unreachable). `cancelled`: taken out of the
 * queue before it ran, never paid for; clients from before it are sent it as an error (routes/sync.ts).
 */
export const jobStatuses = ['idle', 'queued', 'running', 'success', 'error', 'cancelled'] as const;
export const jobStatusSchema = z.enum(jobStatuses);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobKindSchema = z.enum(['generate', 'rotate']);
export type JobKind = z.infer<typeof jobKindSchema>;

/** Ids are opaque: seed files use `job-N`, new jobs use `job-<time36>-<random>`. */
export const jobIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may only hold letters, digits and . _ : -');

/** What a new request may ask PixelLab for. */
const sizeSchema = z.number().int().min(MIN_SIZE).max(MAX_SIZE);
/** What a stored record may hold: seed files were not held to PixelLab's limits. */
const storedSizeSchema = z.number().int().min(1).max(4096);

export const rotateInputSchema = z.object({
  toDirection: directionSchema,
  fromDirection: directionSchema.nullable().default(null),
  /** The job whose image is rotated, when it is in the history. */
  sourceJobId: jobIdSchema.nullable().default(null),
  /** Image to rotate; the companion must hold it (pushed or generated). */
  sourceImage: imageHashSchema,
});
export type RotateInput = z.infer<typeof rotateInputSchema>;

/**
 * The canonical job record shared by the extension, the sync API and the companion's file.
 * Loose: fields we do not know (from seed files or newer clients) are kept, never dropped.
 */
export const jobSchema = z.looseObject({
  id: jobIdSchema,
  kind: jobKindSchema.default('generate'),
  prompt: z.string().max(MAX_STORED_PROMPT_LENGTH),
  width: storedSizeSchema,
  height: storedSizeSchema,
  seed: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 32 - 1)
    .nullable()
    .default(null),
  status: jobStatusSchema,
  error: z.string().max(10_000).nullable().default(null),
  /** sha-256 of the result PNG, or null while there is none. */
  image: imageHashSchema.nullable().default(null),
  rotate: rotateInputSchema.nullable().default(null),
  /** Jobs made together (a batch, or an 8-direction set) share a group id. */
  groupId: z.string().max(128).nullable().default(null),
  startTime: timeSchema.nullable().default(null),
  endTime: timeSchema.nullable().default(null),
  /** Seconds, as in the seed. */
  duration: z.number().finite().nonnegative().nullable().default(null),
  createdAt: timeSchema,
  /** Milliseconds: the physical part of the job's version (clock.ts). */
  updatedAt: timeSchema,
  /** The rest of the version: counter, node, and the version this one was made on. Absent in old records. */
  clock: clockFieldSchema.optional(),
  /** What PixelLab charged for this job's result, in USD; absent or null when it did not say or nothing was paid. */
  usd: z.number().finite().nonnegative().max(1_000_000).nullable().optional(),
  /** PixelLab's options for this job (options.ts), as sent; absent in old records (pixflux, PixelLab's defaults). */
  options: storedOptionsSchema.nullable().optional(),
  /**
   * A result of several frames (an animation, a v2 turnaround) is one PNG strip of `count` frames of
   * width x height, left to right; `labels` name them (directions), when they have names.
   */
  frames: z
    .object({ count: z.number().int().min(1).max(64), labels: z.array(z.string().max(32)).max(64).nullable() })
    .nullable()
    .optional(),
  /** A tombstone: the user deleted this job. Kept so the delete syncs. */
  deleted: z.boolean().default(false),
  /** Star, rating, tags, boards, notes, trash, each with its own version: organise-schema.ts. */
  ...organisingFieldsShape,
});
export type Job = z.infer<typeof jobSchema>;
export type JobInput = z.input<typeof jobSchema>;

/** What a client sends to create a job; the companion fills in the rest. */
export const createJobRequestSchema = z
  .object({
    id: jobIdSchema.optional(),
    kind: jobKindSchema.default('generate'),
    prompt: z.string().trim().min(1, 'is required').max(MAX_PROMPT_LENGTH),
    width: sizeSchema.default(64),
    height: sizeSchema.default(64),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32 - 1)
      .nullable()
      .default(null),
    rotate: rotateInputSchema.nullable().default(null),
    groupId: z.string().max(128).nullable().default(null),
    /** PixelLab's options (options.ts); null: pixflux (or a plain rotate) with PixelLab's defaults. */
    options: jobOptionsSchema.nullable().default(null),
    createdAt: timeSchema.optional(),
    /**
     * `updatedAt` of the client's own (idle) version of the job. The queued version is stamped above it,
     * so it wins last-writer-wins over that version even when the client's clock (or its same-millisecond
     * bumps) ran ahead of the companion's.
     */
    clientUpdatedAt: timeSchema.optional(),
    /** The whole version of the client's idle version (clock.ts); the queued one is stamped above it. */
    clientVersion: versionSchema.optional(),
  })
  .refine((r) => r.kind !== 'rotate' || r.rotate !== null, {
    message: 'is required for a rotate job',
    path: ['rotate'],
  })
  .refine((r) => (r.kind === 'rotate') === (modeOfRequest(r) === 'rotate'), {
    message: 'must be rotate for a rotate job, and only for one',
    path: ['options', 'mode'],
  })
  .superRefine((r, ctx) => {
    const problem = sizeProblem(modeOfRequest(r), r.width, r.height);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['width'] });
  });
export type CreateJobRequest = z.infer<typeof createJobRequestSchema>;

/** What a client may send to retry a job (the body is optional). */
export const retryJobRequestSchema = z.object({
  /** As in createJobRequestSchema: the client's idle version, which the queued one is stamped above. */
  clientUpdatedAt: timeSchema.optional(),
  clientVersion: versionSchema.optional(),
});
export type RetryJobRequest = z.infer<typeof retryJobRequestSchema>;

/** The PixelLab call a request or job makes: its options' mode, or what a job without options always was. */
export function modeOfRequest(r: { kind: JobKind; options?: { mode: string } | null }): GenerationMode {
  return (r.options?.mode as GenerationMode | undefined) ?? (r.kind === 'rotate' ? 'rotate' : 'pixflux');
}

/** A job's options, parsed strictly; null when it has none, or ones this version cannot send (a newer client's). */
export function jobOptionsOf(job: Pick<Job, 'options'>): JobOptions | null {
  if (!job.options) return null;
  const parsed = jobOptionsSchema.safeParse(job.options);
  return parsed.success ? parsed.data : null;
}

/** Ids that two offline replicas cannot both mint; they sort by creation time. */
export function newJobId(now: number = Date.now(), random: () => number = Math.random): string {
  let suffix = '';
  for (let i = 0; i < 8; i++) suffix += Math.floor(random() * 36).toString(36);
  return `job-${now.toString(36).padStart(9, '0')}-${suffix}`;
}

/** Jobs that still wait on the runner or PixelLab. */
export function isActive(job: Pick<Job, 'status' | 'deleted'>): boolean {
  return !job.deleted && (job.status === 'queued' || job.status === 'running');
}

/** A record without the companion's `seq`: the job as a client or a plan handles it. */
export function withoutSeq(job: Job & { seq?: unknown }): Job {
  if (!('seq' in job)) return job;
  const { seq: _seq, ...rest } = job;
  return rest as Job;
}

/**
 * Why this job must not be sent to PixelLab, or null: a job is only run within the limits a new request is held
 * to, however it arrived (a push, a seed save, a hand edit). A pushed queued job once reached PixelLab at
 * 4096x4096, because stored records are held to looser limits than requests.
 */
export function runnableProblem(job: Job): string | null {
  const request = createJobRequestSchema.safeParse({
    kind: job.kind,
    prompt: job.prompt,
    width: job.width,
    height: job.height,
    seed: job.seed,
    rotate: job.rotate,
    groupId: job.groupId,
    options: job.options ?? null,
  });
  if (job.kind === 'rotate' && (job.width > MAX_ROTATE_SIZE || job.height > MAX_ROTATE_SIZE)) {
    return `PixelLab rotates images up to ${MAX_ROTATE_SIZE}x${MAX_ROTATE_SIZE} pixels; this job asks for ${job.width}x${job.height}.`;
  }
  if (!request.success) {
    const issue = request.error.issues[0];
    const field = issue?.path.join('.') || 'job';
    return `This job cannot be run as it is (${field}: ${issue?.message ?? 'invalid'}); reuse its settings in a new job`;
  }
  return null;
}

/**
 * A job's record at most, as JSON without its images (those are files): room for the longest prompt and error
 * and a seed client's extra fields. Unknown fields once let one job grow the file past 528 MB, after which every
 * write failed and shutdown crashed.
 */
export const MAX_RECORD_CHARS = 64 * 1024;

/** Why a record is too large to keep, or null. */
export function recordTooLarge(job: Job): string | null {
  const size = JSON.stringify(job).length;
  return size > MAX_RECORD_CHARS
    ? `is ${Math.ceil(size / 1024)} KB; a job's record may hold at most ${MAX_RECORD_CHARS / 1024} KB besides its images`
    : null;
}
