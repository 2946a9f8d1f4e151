import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  base64ToBytes,
  createJobRequestSchema,
  type ImageBatchResponse,
  imageBatchQuerySchema,
  imageHashSchema,
  isPng,
  type Job,
  MAX_IMAGE_BATCH_CHARS,
  newJobId,
  type RetryJobRequest,
  retryJobRequestSchema,
  type SyncedJob,
} from '../../utils/domain';
import { readJson } from '../body';
import type { CompanionDeps } from '../deps';
import { eachLimited } from '../each-limited';
import { fromZodError, HttpError } from '../http-error';

const createBodySchema = z.intersection(
  createJobRequestSchema,
  z.object({ sourceImageData: z.string().max(8_000_000).optional() }),
);
const configSchema = z.object({ parallelLimit: z.number().int().min(1).max(10) });
/** Image files read at once for one batch answer. */
const IMAGE_READS = 8;

/** Jobs the companion runs for the extension: submit, retry, read, and their images. */
export function jobRoutes(deps: CompanionDeps) {
  const { store, runner, config } = deps;
  const now = deps.now ?? Date.now;

  async function queue(job: Job) {
    const stored = await store.put(job);
    runner.enqueue(stored.id);
    return stored;
  }

  /**
   * A job already queued or running, answered to a client whose own (idle) version is `clientUpdatedAt`:
   * stamped above that version when it is not already, so the client adopts it rather than pushing its
   * idle version over it (which would leave the job idle, with nobody to run it).
   */
  async function above(job: SyncedJob, clientUpdatedAt: number | undefined): Promise<SyncedJob> {
    const active = !job.deleted && (job.status === 'queued' || job.status === 'running');
    if (!active || clientUpdatedAt === undefined || job.updatedAt > clientUpdatedAt) return job;
    const { seq: _seq, ...rest } = job;
    return store.put({ ...rest, updatedAt: Math.max(now(), clientUpdatedAt + 1) });
  }

  /** The retry body is optional: a bare POST is `{}`; a body must be JSON. */
  async function readRetryBody(c: Context): Promise<RetryJobRequest> {
    const sent =
      c.req.header('content-type') !== undefined ||
      c.req.header('transfer-encoding') !== undefined ||
      Number(c.req.header('content-length') ?? 0) > 0;
    return sent ? readJson(c, retryJobRequestSchema, config.limits.json) : {};
  }

  function liveJob(id: string) {
    const job = store.get(id);
    if (!job || job.deleted) throw new HttpError(404, 'not_found', `No job ${id}`);
    return job;
  }

  return new Hono()
    .post('/api/v1/jobs', async (c) => {
      const body = await readJson(c, createBodySchema, config.limits.push);
      const existing = body.id ? store.get(body.id) : undefined;
      // Idempotent: a resubmitted id is answered with what the companion has.
      if (existing && !(existing.status === 'idle' && !existing.deleted))
        return c.json({ job: await above(existing, body.clientUpdatedAt) }, 200);
      if (body.rotate) {
        const hash = body.rotate.sourceImage;
        if (body.sourceImageData && !store.hasImage(hash)) {
          let bytes: Uint8Array;
          try {
            bytes = base64ToBytes(body.sourceImageData);
          } catch {
            throw new HttpError(400, 'invalid_body', 'sourceImageData: is not base64', 'sourceImageData');
          }
          if (!isPng(bytes) || createHash('sha256').update(bytes).digest('hex') !== hash) {
            throw new HttpError(
              400,
              'invalid_body',
              'sourceImageData: is not the PNG named by rotate.sourceImage',
              'sourceImageData',
            );
          }
          await store.putImage(bytes);
        }
        if (!store.hasImage(hash)) {
          throw new HttpError(
            409,
            'image_required',
            'rotate.sourceImage: the companion does not have this image; send it as sourceImageData',
            'rotate.sourceImage',
          );
        }
      }
      const at = now();
      const job = await queue({
        ...(existing ?? {}),
        id: body.id ?? newJobId(at),
        kind: body.kind,
        prompt: body.prompt,
        width: body.width,
        height: body.height,
        seed: body.seed,
        status: 'queued',
        error: null,
        image: null,
        rotate: body.rotate,
        groupId: body.groupId,
        startTime: null,
        endTime: null,
        duration: null,
        createdAt: existing?.createdAt ?? body.createdAt ?? at,
        // Above the client's idle version too, so the queued one wins everywhere.
        updatedAt: Math.max(at, (existing?.updatedAt ?? 0) + 1, (body.clientUpdatedAt ?? 0) + 1),
        deleted: false,
      });
      return c.json({ job }, 202);
    })
    .post('/api/v1/jobs/:id/retry', async (c) => {
      const body = await readRetryBody(c);
      const job = liveJob(c.req.param('id'));
      if (job.status === 'queued' || job.status === 'running') {
        // A client that says which version it holds gets the active one to adopt; others get the refusal.
        if (body.clientUpdatedAt !== undefined) return c.json({ job: await above(job, body.clientUpdatedAt) }, 200);
        throw new HttpError(409, 'already_active', `Job ${job.id} is already ${job.status}`);
      }
      const at = now();
      const queued = await queue({
        ...job,
        status: 'queued',
        error: null,
        image: null,
        startTime: null,
        endTime: null,
        duration: null,
        updatedAt: Math.max(at, job.updatedAt + 1, (body.clientUpdatedAt ?? 0) + 1),
      });
      return c.json({ job: queued }, 202);
    })
    .get('/api/v1/jobs/:id', (c) => {
      const job = store.get(c.req.param('id'));
      if (!job) throw new HttpError(404, 'not_found', `No job ${c.req.param('id')}`);
      return c.json({ job });
    })
    .get('/api/v1/images', async (c) => {
      // Many images in one answer: a first sync of thousands of jobs would otherwise spend most of its
      // time on one round trip per image.
      const query = imageBatchQuerySchema.safeParse(c.req.query());
      if (!query.success) throw fromZodError(query.error);
      const hashes = [...new Set(query.data.hashes)];
      const read = new Map<string, Uint8Array | null>();
      await eachLimited(hashes, IMAGE_READS, async (hash) => void read.set(hash, await store.readImage(hash)));
      const answer: ImageBatchResponse = { images: {}, missing: [], deferred: [] };
      let chars = 0;
      for (const hash of hashes) {
        const bytes = read.get(hash);
        if (!bytes) {
          answer.missing.push(hash);
          continue;
        }
        const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
        // Always at least one image, so a client asking again for the rest makes progress.
        if (chars > 0 && chars + base64.length > MAX_IMAGE_BATCH_CHARS) answer.deferred.push(hash);
        else {
          answer.images[hash] = base64;
          chars += base64.length;
        }
      }
      return c.json(answer);
    })
    .get('/api/v1/images/:hash', async (c) => {
      const hash = c.req.param('hash').replace(/\.png$/, '');
      if (!imageHashSchema.safeParse(hash).success)
        throw new HttpError(400, 'invalid_hash', 'hash: must be a sha-256 hex digest', 'hash');
      const bytes = await store.readImage(hash);
      if (!bytes) throw new HttpError(404, 'not_found', `No image ${hash}`);
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': 'image/png',
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
    })
    .get('/api/v1/config', (c) => c.json({ parallelLimit: runner.limit }))
    .put('/api/v1/config', async (c) => {
      const body = await readJson(c, configSchema, config.limits.json);
      runner.setLimit(body.parallelLimit);
      return c.json({ parallelLimit: runner.limit });
    });
}
