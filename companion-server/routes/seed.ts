import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  bytesToPngDataUrl,
  directionSchema,
  fromSeedJob,
  type Job,
  lastSeedJobId,
  MAX_PROMPT_LENGTH,
  MAX_SIZE,
  MIN_SIZE,
  pngDataUrlToBytes,
  seedJobSchema,
  toSeedJob,
} from '../../utils/domain';
import { readJson } from '../body';
import type { CompanionDeps } from '../deps';
import { eachLimited } from '../each-limited';
import { HttpError } from '../http-error';
import { toUpstreamError } from '../upstream-error';

const size = z.number().int().min(MIN_SIZE).max(MAX_SIZE).default(64);
/** The seed dashboard sends the seed as typed: a number, a digit string, or nothing. */
const looseSeed = z
  .union([
    z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32 - 1),
    z.string().trim().regex(/^\d*$/, 'must be a whole number'),
  ])
  .nullable()
  .optional()
  .transform((v) => (v === '' || v === null || v === undefined ? null : Number(v)));

const saveJobsSchema = z.object({
  jobs: z.array(seedJobSchema),
  lastJobId: z.number().int().nonnegative().optional(),
});
const generateSchema = z.object({
  prompt: z.string().trim().min(1, 'is required').max(MAX_PROMPT_LENGTH),
  width: size,
  height: size,
  seed: looseSeed,
});
const rotateSchema = z.object({
  image_data_url: z.string().startsWith('data:image/png;base64,', 'must be a PNG data URL'),
  to_direction: directionSchema,
  from_direction: directionSchema.nullable().optional(),
  width: size,
  height: size,
});

/** Image files written in parallel by a seed save; each is fsynced on its own. */
const IMAGE_WRITES_AT_ONCE = 16;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The old Python server's routes, with its shapes, so its dashboard and files keep working. */
export function seedRoutes(deps: CompanionDeps) {
  const { store, pixellab, config } = deps;
  const now = deps.now ?? Date.now;

  async function loadImages(jobs: Job[]) {
    const hashes = new Set<string>();
    for (const job of jobs) {
      if (job.image) hashes.add(job.image);
      if (job.rotate) hashes.add(job.rotate.sourceImage);
    }
    const images = new Map<string, Uint8Array>();
    await Promise.all(
      [...hashes].map(async (hash) => {
        const bytes = await store.readImage(hash);
        if (bytes) images.set(hash, bytes);
      }),
    );
    return (hash: string) => images.get(hash) ?? null;
  }

  return new Hono()
    .get('/load-jobs', async (c) => {
      const jobs = store.list();
      const getImage = await loadImages(jobs);
      return c.json({
        status: 'ok' as const,
        jobs: jobs.map((job) => toSeedJob(job, getImage)),
        lastJobId: store.lastJobId,
        savedAt: store.savedAt,
        message: `Loaded ${jobs.length} jobs`,
      });
    })
    .post('/save-jobs', async (c) => {
      const body = await readJson(c, saveJobsSchema, config.limits.saveJobs);
      const pending = new Map<string, Uint8Array>();
      const at = now();
      const byId = new Map<string, Job>();
      body.jobs.forEach((raw, i) => {
        try {
          const job = fromSeedJob(
            raw,
            (bytes) => {
              const hash = sha256(bytes);
              pending.set(hash, bytes);
              return hash;
            },
            at,
          );
          byId.set(job.id, job);
        } catch (err) {
          throw new HttpError(400, 'invalid_body', `jobs.${i}: ${(err as Error).message.split('\n')[0]}`, `jobs.${i}`);
        }
      });
      await eachLimited(pending.values(), IMAGE_WRITES_AT_ONCE, (bytes) => store.putImage(bytes));
      const jobs = [...byId.values()];
      const { fileSize } = await store.replaceAll(jobs, Math.max(body.lastJobId ?? 0, lastSeedJobId(jobs)));
      return c.json({ status: 'ok' as const, message: `Saved ${jobs.length} jobs`, savedAt: store.savedAt, fileSize });
    })
    .post('/clear-history', async (c) => {
      const cleared = await store.clear();
      return c.json({
        status: 'ok' as const,
        message: `Cleared ${cleared} jobs; the previous history is in job_history.json.backup`,
        cleared,
        savedAt: store.savedAt,
      });
    })
    .post('/generate-character', async (c) => {
      const body = await readJson(c, generateSchema, config.limits.json);
      const started = performance.now();
      try {
        const result = await pixellab.generate({
          prompt: body.prompt,
          width: body.width,
          height: body.height,
          seed: body.seed,
        });
        // A paid result is kept on disk even though seed clients save history themselves.
        await store.putImage(result.png);
        return c.json({
          status: 'success' as const,
          prompt: body.prompt,
          width: body.width,
          height: body.height,
          duration: (performance.now() - started) / 1000,
          timestamp: new Date(now()).toISOString(),
          image_data_url: bytesToPngDataUrl(result.png),
          seed: result.seed ?? body.seed,
          error_message: null,
        });
      } catch (err) {
        return failed(c, err, body, (performance.now() - started) / 1000, body.seed);
      }
    })
    .post('/rotate-character', async (c) => {
      const body = await readJson(c, rotateSchema, config.limits.push);
      const source = pngDataUrlToBytes(body.image_data_url);
      if (!source) throw new HttpError(400, 'invalid_body', 'image_data_url: is not a valid PNG', 'image_data_url');
      const started = performance.now();
      const prompt = `rotate to ${body.to_direction}`;
      try {
        const result = await pixellab.rotate({
          png: source,
          width: body.width,
          height: body.height,
          fromDirection: body.from_direction ?? null,
          toDirection: body.to_direction,
        });
        await store.putImage(result.png);
        return c.json({
          status: 'success' as const,
          prompt,
          width: body.width,
          height: body.height,
          duration: (performance.now() - started) / 1000,
          timestamp: new Date(now()).toISOString(),
          image_data_url: bytesToPngDataUrl(result.png),
          seed: null,
          error_message: null,
        });
      } catch (err) {
        return failed(
          c,
          err,
          { prompt, width: body.width, height: body.height },
          (performance.now() - started) / 1000,
          null,
        );
      }
    });

  function failed(
    c: Context,
    err: unknown,
    body: { prompt: string; width: number; height: number },
    duration: number,
    seed: number | null,
  ) {
    const upstream = toUpstreamError(err);
    return c.json(
      {
        status: 'fail' as const,
        error: upstream.code,
        prompt: body.prompt,
        width: body.width,
        height: body.height,
        duration,
        timestamp: new Date(now()).toISOString(),
        image_data_url: null,
        seed,
        error_message: upstream.message,
        message: upstream.message,
      },
      upstream.status,
    );
  }
}
