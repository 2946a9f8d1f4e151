import { Hono } from 'hono';
import { z } from 'zod';
import {
  base64ToBytes,
  compareHlc,
  createJobRequestSchema,
  genOf,
  type ImageBatchResponse,
  imageBatchQuerySchema,
  imageHashSchema,
  isPng,
  type Job,
  MAX_IMAGE_BATCH_CHARS,
  modeOfRequest,
  newJobId,
  optionImages,
  retryJobRequestSchema,
  type SyncedJob,
  tierSchema,
  type Version,
  versionFields,
  versionOf,
} from '../../utils/domain';
import { sha256Hex } from '../lib/hash';

/** Whether `job` is later than the client's version: by generation, then by the clock. */
function isAbove(job: Job, client: Version): boolean {
  const gen = genOf(job);
  return gen !== client.gen ? gen > client.gen : compareHlc(versionOf(job), client) > 0;
}

import type { CompanionDeps } from '../deps';
import { httpError } from '../http/http-error';
import { jsonBody, validQuery } from '../http/validate';
import { eachLimited } from '../lib/each-limited';

const createBodySchema = z.intersection(
  createJobRequestSchema,
  z.object({
    sourceImageData: z.string().max(8_000_000).optional(),
    /** Base64 PNGs by sha-256, for images the job names that the companion does not hold. */
    imageData: z.record(imageHashSchema, z.string().max(8_000_000)).optional(),
  }),
);
const configSchema = z.object({
  parallelLimit: z.number().int().min(1).max(10).optional(),
  /** The user's PixelLab plan; null: unknown (PixelLab decides, and its refusals teach it). */
  tier: tierSchema.nullable().optional(),
});
/** Image files read at once for one batch answer. */
const IMAGE_READS = 8;

/** Jobs the companion runs for the extension: submit, retry, read, and their images. */
export function jobRoutes(deps: CompanionDeps) {
  const { store, runner, config } = deps;
  const now = deps.now ?? Date.now;

  async function queue(job: Job) {
    // The device that accepts a job is the one that runs it (issue 22); its --author is who made it.
    const stamped = config.author ? { ...job, author: config.author } : job;
    const stored = await store.put(store.device ? { ...stamped, device: store.device } : stamped);
    runner.enqueue(stored.id);
    return stored;
  }

  /**
   * A job already queued or running, answered to a client whose own (idle) version is `clientUpdatedAt`:
   * stamped above that version when it is not already, so the client adopts it rather than pushing its
   * idle version over it (which would leave the job idle, with nobody to run it).
   */
  async function above(job: SyncedJob, client: Version | null): Promise<SyncedJob> {
    const active = !job.deleted && (job.status === 'queued' || job.status === 'running');
    if (!active || client === null || isAbove(job, client)) return job;
    const { seq: _seq, ...rest } = job;
    const gen = Math.max(genOf(job), client.gen);
    return store.put({ ...rest, ...versionFields(store.clock.next(versionOf(job), client), gen) });
  }

  /** The client's own (idle) version of the job, as it sent it: whole, or as a bare `clientUpdatedAt` (older panels). */
  function clientVersion(body: { clientVersion?: Version; clientUpdatedAt?: number }): Version | null {
    if (body.clientVersion) return body.clientVersion;
    return body.clientUpdatedAt === undefined ? null : { ms: body.clientUpdatedAt, c: 0, node: '', gen: 0 };
  }

  /**
   * Stores an image a client sent along with a job, once it is the PNG the job names. A refusal names the body
   * field that carried the bytes (`dataField`: sourceImageData or imageData), the one the client must fix.
   */
  async function keepSentImage(hash: string, base64: string, field: string, dataField: string): Promise<void> {
    const where = dataField === 'sourceImageData' ? dataField : `imageData.${hash.slice(0, 12)}…`;
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(base64);
    } catch {
      throw httpError(400, 'invalid_body', `${where}: is not base64`, dataField);
    }
    if (!isPng(bytes) || sha256Hex(bytes) !== hash) {
      throw httpError(400, 'invalid_body', `${where}: is not the PNG named by ${field}`, dataField);
    }
    await store.putImage(bytes);
  }

  function currentConfig() {
    return { parallelLimit: runner.limit, tier: deps.plan?.tier ?? null, tierSource: deps.plan?.source ?? null };
  }

  function liveJob(id: string) {
    const job = store.get(id);
    if (!job || job.deleted) throw httpError(404, 'not_found', `No job ${id}`);
    return job;
  }

  return (
    new Hono()
      .post('/api/v1/jobs', jsonBody(createBodySchema, config.limits.push), async (c) => {
        const body = c.req.valid('json');
        const existing = body.id ? store.get(body.id) : undefined;
        // Idempotent: a resubmitted id is answered with what the companion has.
        if (existing && !(existing.status === 'idle' && !existing.deleted))
          return c.json({ job: await above(existing, clientVersion(body)) }, 200);
        // Refused now, before anything is queued or paid: a size the user's PixelLab plan does not allow.
        const overPlan = deps.plan?.problem(modeOfRequest(body), body.width, body.height) ?? null;
        if (overPlan) throw httpError(422, 'over_plan', `width: ${overPlan}`, 'width');
        const sent: Record<string, string> = { ...(body.imageData ?? {}) };
        if (body.rotate && body.sourceImageData) sent[body.rotate.sourceImage] ??= body.sourceImageData;
        const named = [
          ...(body.rotate ? [{ field: 'rotate.sourceImage', hash: body.rotate.sourceImage }] : []),
          ...optionImages(body.options).map((i) => ({ field: `options.${i.field}`, hash: i.hash })),
        ];
        for (const { field, hash } of named) {
          if (store.hasImage(hash)) continue;
          const base64 = sent[hash];
          if (base64 !== undefined) {
            const dataField = body.imageData?.[hash] !== undefined ? 'imageData' : 'sourceImageData';
            await keepSentImage(hash, base64, field, dataField);
            continue;
          }
          throw httpError(
            409,
            'image_required',
            `${field}: the companion does not have this image; send it in imageData`,
            field,
          );
        }
        const at = now();
        const client = clientVersion(body);
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
          options: body.options,
          frames: null,
          startTime: null,
          endTime: null,
          duration: null,
          createdAt: existing?.createdAt ?? body.createdAt ?? at,
          // Above the client's idle version too, so the queued one wins everywhere.
          ...versionFields(
            store.clock.next(existing ? versionOf(existing) : null, client),
            Math.max(existing ? genOf(existing) : 0, client?.gen ?? 0),
          ),
          deleted: false,
        });
        return c.json({ job }, 202);
      })
      // The retry body is optional: a bare POST is `{}`; a body must be JSON.
      .post(
        '/api/v1/jobs/:id/retry',
        jsonBody(retryJobRequestSchema, config.limits.json, { optional: true }),
        async (c) => {
          const body = c.req.valid('json');
          const job = liveJob(c.req.param('id'));
          const client = clientVersion(body);
          if (job.status === 'queued' || job.status === 'running') {
            // A client that says which version it holds gets the active one to adopt; others get the refusal.
            if (client !== null) return c.json({ job: await above(job, client) }, 200);
            throw httpError(409, 'already_active', `Job ${job.id} is already ${job.status}`);
          }
          // This retry was already carried out (its answer was lost, or another browser asked for the same one):
          // the job is at the generation the client's retry asked for. Answer it rather than pay again.
          if (client && client.gen > 0 && genOf(job) >= client.gen) return c.json({ job }, 200);
          // A deliberate restart of the finished version: the next generation wins over it, result or not (merge.ts).
          const { seq: _seq, ...rest } = job;
          const queued = await queue({
            ...rest,
            status: 'queued',
            error: null,
            image: null,
            usd: null,
            startTime: null,
            endTime: null,
            duration: null,
            ...versionFields(store.clock.next(versionOf(job), client), Math.max(genOf(job) + 1, client?.gen ?? 0)),
          });
          return c.json({ job: queued }, 202);
        },
      )
      .get('/api/v1/jobs/:id', (c) => {
        const job = store.get(c.req.param('id'));
        if (!job) throw httpError(404, 'not_found', `No job ${c.req.param('id')}`);
        return c.json({ job });
      })
      .get('/api/v1/images', validQuery(imageBatchQuerySchema), async (c) => {
        // Many images in one answer: a first sync of thousands of jobs would otherwise spend most of its
        // time on one round trip per image.
        const hashes = [...new Set(c.req.valid('query').hashes)];
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
          throw httpError(400, 'invalid_hash', 'hash: must be a sha-256 hex digest', 'hash');
        const bytes = await store.readImage(hash);
        if (!bytes) throw httpError(404, 'not_found', `No image ${hash}`);
        return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
          'Content-Type': 'image/png',
          'Cache-Control': 'public, max-age=31536000, immutable',
        });
      })
      .get('/api/v1/config', (c) => c.json(currentConfig()))
      .put('/api/v1/config', jsonBody(configSchema, config.limits.json), async (c) => {
        const body = c.req.valid('json');
        if (body.parallelLimit !== undefined) runner.setLimit(body.parallelLimit);
        if (body.tier !== undefined) {
          if (!deps.plan) throw httpError(404, 'not_found', 'This companion keeps no PixelLab plan');
          await deps.plan.set(body.tier);
        }
        return c.json(currentConfig());
      })
  );
}
