import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { base64ToBytes, isPng, pullQuerySchema, pushRequestSchema, type Job, type PushResponse } from '../../utils/domain';
import { readJson } from '../body';
import type { CompanionDeps } from '../deps';
import { fromZodError, HttpError } from '../http-error';

/** Answers kept for retried pushes: a retry with the same request id applies once. */
const REMEMBERED_PUSHES = 1000;

/** The extension's incremental sync: pull changes since a checkpoint, push changed jobs. */
export function syncRoutes(deps: CompanionDeps) {
  const { store, config } = deps;
  const answered = new Map<string, Promise<PushResponse>>();

  /** Checks every image first, so a push refused for one bad image stores none of them. */
  async function storeImages(images: Record<string, string>) {
    const checked: Uint8Array[] = [];
    for (const [hash, base64] of Object.entries(images)) {
      let bytes: Uint8Array;
      try {
        bytes = base64ToBytes(base64);
      } catch {
        throw new HttpError(400, 'invalid_body', `images.${hash}: is not base64`, `images.${hash}`);
      }
      if (!isPng(bytes)) throw new HttpError(400, 'invalid_body', `images.${hash}: is not a PNG`, `images.${hash}`);
      if (createHash('sha256').update(bytes).digest('hex') !== hash) {
        throw new HttpError(400, 'image_hash_mismatch', `images.${hash}: the bytes do not match their sha-256`, `images.${hash}`);
      }
      if (!store.hasImage(hash)) checked.push(bytes);
    }
    for (const bytes of checked) await store.putImage(bytes);
  }

  function missingImages(jobs: Job[]): string[] {
    const missing = new Set<string>();
    for (const job of jobs) {
      if (job.image && !store.hasImage(job.image)) missing.add(job.image);
      if (job.rotate && !store.hasImage(job.rotate.sourceImage)) missing.add(job.rotate.sourceImage);
    }
    return [...missing];
  }

  return new Hono()
    .get('/api/v1/changes', (c) => {
      const query = pullQuerySchema.safeParse(c.req.query());
      if (!query.success) throw fromZodError(query.error);
      const page = store.changesSince(query.data.since, query.data.limit);
      return c.json({ serverId: store.serverId, ...page });
    })
    .post('/api/v1/push', async (c) => {
      const body = await readJson(c, pushRequestSchema, config.limits.push);
      const key = `${body.clientId}\u0000${body.requestId}`;
      let answer = answered.get(key);
      if (!answer) {
        answer = (async () => {
          await storeImages(body.images);
          const results = await store.merge(body.changes);
          return { serverId: store.serverId, results, lastSeq: store.lastSeq, needImages: missingImages(body.changes) };
        })();
        answered.set(key, answer);
        // A failed push is not remembered: its retry must be tried again.
        answer.catch(() => answered.delete(key));
        if (answered.size > REMEMBERED_PUSHES) answered.delete(answered.keys().next().value!);
      }
      return c.json(await answer);
    });
}
