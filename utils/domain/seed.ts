import { z } from 'zod';
import { bytesToPngDataUrl, isPngDataUrl, pngDataUrlToBytes } from './data-url';
import { directionSchema, type Job, jobSchema, MAX_STORED_PROMPT_LENGTH } from './job';
import { normalizeTag, ORGANISING_KEYS, organisingFieldsShape } from './organise-schema';

/**
 * The seed system's history format (PERSISTENCE.md, and what its dashboard really wrote):
 * `result` is a PNG data URL or the whole `/generate-character` answer with `image_data_url`;
 * rotations carry `isRotation` and `rotationData.imageDataUrl`; `seed` may be a string.
 * Parsing is lenient on purpose: a file no one here wrote must load in full.
 */
export const seedJobSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  prompt: z.unknown().optional(),
  width: z.unknown().optional(),
  height: z.unknown().optional(),
  seed: z.unknown().optional(),
  status: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
  startTime: z.unknown().optional(),
  endTime: z.unknown().optional(),
  duration: z.unknown().optional(),
  createdAt: z.unknown().optional(),
});
export type SeedJob = z.infer<typeof seedJobSchema>;

export const seedFileSchema = z.looseObject({
  jobs: z.array(seedJobSchema),
  lastJobId: z.number().int().nonnegative().optional(),
  savedAt: z.string().optional(),
  version: z.string().optional(),
});
export type SeedFile = z.infer<typeof seedFileSchema>;

/** Content-addresses PNG bytes and keeps them; returns the hash. */
export type PutImage = (bytes: Uint8Array) => string;
/** Returns the PNG bytes stored under a hash, or null. */
export type GetImage = (hash: string) => Uint8Array | null;

const SEED_STATUS: Record<string, Job['status']> = {
  idle: 'idle',
  pending: 'idle',
  waiting: 'idle',
  queued: 'queued',
  running: 'running',
  processing: 'running',
  success: 'success',
  completed: 'success',
  done: 'success',
  error: 'error',
  failed: 'error',
  fail: 'error',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

function num(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function time(value: unknown): number | null {
  const n = num(value);
  if (n !== null) return n >= 0 ? n : null;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}

function size(value: unknown): number {
  const n = num(value);
  return n === null ? 64 : Math.min(4096, Math.max(1, Math.round(n)));
}

function safeId(raw: string | number): string {
  const cleaned = String(raw)
    .replace(/[^A-Za-z0-9._:-]/g, '_')
    .slice(0, 128);
  return cleaned || 'job-unnamed';
}

/**
 * Turns one seed job into a canonical job. Images move out into `putImage`; every field
 * we do not model stays on the record so `toSeedJob` can give the seed client what it wrote.
 */
export function fromSeedJob(raw: SeedJob, putImage: PutImage, now: number): Job {
  const { id, prompt, width, height, seed, status, result, error, startTime, endTime, duration, createdAt, ...extra } =
    raw;
  // Our own fields may come back from a seed client that loaded them; keep them only when valid.
  const {
    kind: _kind,
    image: _image,
    rotate: _rotate,
    groupId,
    updatedAt,
    deleted: _deleted,
    seq: _seq,
    // A version is the companion's to give: a client's copy of it proves nothing about how new the copy is.
    clock: _clock,
    ...unknown
  } = extra;
  const rest: Record<string, unknown> = { ...takeOrganising(unknown) };

  let image: string | null = null;
  if (isPngDataUrl(result)) {
    const bytes = pngDataUrlToBytes(result);
    if (bytes) image = putImage(bytes);
    else rest.result = result;
  } else if (result && typeof result === 'object' && !Array.isArray(result)) {
    const { image_data_url, ...meta } = result as Record<string, unknown>;
    const bytes = isPngDataUrl(image_data_url) ? pngDataUrlToBytes(image_data_url) : null;
    if (bytes) {
      image = putImage(bytes);
      rest.result = meta;
    } else {
      rest.result = result;
    }
  } else if (result !== undefined && result !== null) {
    rest.result = result;
  }

  let rotate: Job['rotate'] = null;
  const rotationData = extra.rotationData as Record<string, unknown> | undefined;
  if (extra.isRotation && rotationData && typeof rotationData === 'object') {
    const { imageDataUrl, ...rotationMeta } = rotationData;
    const bytes = isPngDataUrl(imageDataUrl) ? pngDataUrlToBytes(imageDataUrl) : null;
    const to = directionSchema.safeParse(rotationData.toDirection);
    const from = directionSchema.safeParse(rotationData.fromDirection);
    if (bytes && to.success) {
      rotate = {
        toDirection: to.data,
        fromDirection: from.success ? from.data : null,
        sourceJobId: typeof rotationData.sourceJobId === 'string' ? safeId(rotationData.sourceJobId) : null,
        sourceImage: putImage(bytes),
      };
      rest.rotationData = rotationMeta;
    }
  }

  const mapped = SEED_STATUS[String(status ?? '').toLowerCase()];
  const start = time(startTime);
  const end = time(endTime);
  const created = time(createdAt) ?? start ?? end ?? 0;
  const seedNumber = num(seed);
  if (mapped === undefined && status !== undefined) rest.seedStatus = status;

  return jobSchema.parse({
    ...rest,
    id: safeId(id),
    kind: rotate ? 'rotate' : 'generate',
    prompt: String(prompt ?? '').slice(0, MAX_STORED_PROMPT_LENGTH),
    width: size(width),
    height: size(height),
    seed:
      seedNumber !== null && Number.isInteger(seedNumber) && seedNumber >= 0 && seedNumber < 2 ** 32
        ? seedNumber
        : null,
    status: mapped ?? 'error',
    error:
      error === null || error === undefined
        ? mapped === undefined && status !== undefined
          ? `Unknown status "${String(status)}" in the imported file`
          : null
        : String(error).slice(0, 10_000),
    image,
    rotate,
    startTime: start,
    endTime: end,
    duration: num(duration) !== null && num(duration)! >= 0 ? num(duration) : null,
    createdAt: created,
    groupId: typeof groupId === 'string' && groupId.length <= 128 ? groupId : null,
    // Deterministic, so loading the same file twice gives the same versions.
    updatedAt: Math.max(created, start ?? 0, end ?? 0, time(updatedAt) ?? 0) || now,
    deleted: false,
  });
}

/**
 * The organising fields a seed file or client carries (its own, or ours given back), kept when they are valid;
 * tags are normalized first. A value that is not ours (a `rating` of "good" from some other tool) is kept
 * under `seed_<name>`, so nothing the file held is dropped.
 */
function takeOrganising(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const key of ORGANISING_KEYS) {
    if (!(key in out)) continue;
    let value = out[key];
    delete out[key];
    if (value === undefined) continue;
    if (key === 'tags' && Array.isArray(value) && value.every((t) => typeof t === 'string')) {
      value = [...new Set(value.map(normalizeTag).filter((t) => t !== ''))];
    }
    if (organisingFieldsShape[key].safeParse(value).success) out[key] = value;
    else out[`seed_${key}`] = value;
  }
  return out;
}

/** The seed client's view of a job: `result` as a data URL (or the object it wrote), rotations as it wrote them. */
export function toSeedJob(job: Job, getImage: GetImage): Record<string, unknown> {
  const { deleted: _deleted, seq: _seq, ...fields } = job as Job & { seq?: number };
  const out: Record<string, unknown> = { ...fields };
  const bytes = job.image ? getImage(job.image) : null;
  const dataUrl = bytes ? bytesToPngDataUrl(bytes) : null;
  const meta = (job as Record<string, unknown>).result;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    out.result = dataUrl ? { ...(meta as object), image_data_url: dataUrl } : meta;
  } else {
    out.result = dataUrl ?? (meta === undefined ? null : meta);
  }
  if (job.rotate) {
    const source = getImage(job.rotate.sourceImage);
    const rotationMeta = (job as Record<string, unknown>).rotationData;
    out.isRotation = true;
    out.rotationData = {
      ...(rotationMeta && typeof rotationMeta === 'object' ? rotationMeta : {}),
      sourceJobId: job.rotate.sourceJobId,
      imageDataUrl: source ? bytesToPngDataUrl(source) : null,
      toDirection: job.rotate.toDirection,
      fromDirection: job.rotate.fromDirection,
    };
  }
  // Another tool's value under a name that is now an organising field goes back under its own name.
  for (const key of ORGANISING_KEYS) {
    const kept = `seed_${key}`;
    if (!(kept in out)) continue;
    if (out[key] === undefined) out[key] = out[kept];
    delete out[kept];
  }
  if (typeof (job as Record<string, unknown>).seedStatus === 'string') {
    out.status = (job as Record<string, unknown>).seedStatus;
    delete out.seedStatus;
  }
  return out;
}

/**
 * The seed's `lastJobId`: the highest N of any `job-N` id, so its client keeps minting fresh ids. Only safe
 * integers count: `job-99999999999999999999` once made the counter 1e20, which the file schema refuses, so
 * the next start set the whole history aside.
 */
export function lastSeedJobId(jobs: Iterable<Pick<Job, 'id'>>, floor = 0): number {
  let max = floor;
  for (const { id } of jobs) {
    // Not job-N unless it ends in a digit: most minted ids (job-<time>-<random>) skip the regex (100,000 at a start).
    const last = id.charCodeAt(id.length - 1);
    if (last < 48 || last > 57) continue;
    const m = /^job-(\d{1,16})$/.exec(id);
    const n = m ? Number(m[1]) : 0;
    if (Number.isSafeInteger(n) && n < Number.MAX_SAFE_INTEGER) max = Math.max(max, n);
  }
  return max;
}
