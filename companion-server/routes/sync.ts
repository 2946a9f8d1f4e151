import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import {
  base64ToBytes,
  isPng,
  type Job,
  type PushResponse,
  pullQuerySchema,
  pushRequestSchema,
} from '../../utils/domain';
import { readJson } from '../body';
import type { CompanionDeps } from '../deps';
import { eachLimited } from '../each-limited';
import { fromZodError, HttpError } from '../http-error';
import { INTERRUPTED_WHILE_RUNNING } from '../store/history-file';
import type { MergeResult } from '../store/types';

/** Answers kept for retried pushes: a retry with the same request id applies once. */
const REMEMBERED_PUSHES = 1000;

/** The extension's incremental sync: pull changes since a checkpoint, push changed jobs. */
export function syncRoutes(deps: CompanionDeps) {
  const { store, runner, config } = deps;
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
        throw new HttpError(
          400,
          'image_hash_mismatch',
          `images.${hash}: the bytes do not match their sha-256`,
          `images.${hash}`,
        );
      }
      if (!store.hasImage(hash)) checked.push(bytes);
    }
    await eachLimited(checked, 16, (bytes) => store.putImage(bytes));
  }

  function missingImages(jobs: Job[]): string[] {
    const missing = new Set<string>();
    for (const job of jobs) {
      if (job.image && !store.hasImage(job.image)) missing.add(job.image);
      if (job.rotate && !store.hasImage(job.rotate.sourceImage)) missing.add(job.rotate.sourceImage);
    }
    return [...missing];
  }

  /**
   * Applied versions that wait on a runner. This is how a fresh companion (new serverId) receives the queued
   * and running jobs of the history it replaces, and only the runner moves a job on from there:
   * - `queued` goes to this runner. Enqueueing an id it already has queued or running runs nothing twice
   *   (runner.ts: a queued id is not added again; a running one is looked at once more when it ends, and
   *   runJob skips a job that is no longer `queued`).
   * - `running` was started by another runner: this one's own `running` versions are in the store, and an
   *   applied version is newer than what the store held. Nothing will finish it, so it fails the way a
   *   restart fails the jobs it interrupted, and the answer carries that version.
   */
  async function handOver(results: MergeResult[]): Promise<MergeResult[]> {
    const out: MergeResult[] = [];
    for (const result of results) {
      const { seq: _seq, ...job } = result.job;
      if (result.outcome !== 'applied' || job.deleted) out.push(result);
      else if (job.status === 'queued') {
        runner.enqueue(job.id);
        out.push(result);
      } else if (job.status === 'running') {
        const interrupted = await store.put(
          store.clock.stamp({ ...job, status: 'error', error: INTERRUPTED_WHILE_RUNNING }, job),
        );
        out.push({ ...result, job: interrupted });
      } else out.push(result);
    }
    return out;
  }

  return new Hono()
    .get('/api/v1/changes', (c) => {
      const query = pullQuerySchema.safeParse(c.req.query());
      if (!query.success) throw fromZodError(query.error);
      const page = store.changesSince(query.data.since, query.data.limit);
      return c.json({ serverId: store.serverId, ...page, needImages: store.lostImages(100) });
    })
    .post('/api/v1/push', async (c) => {
      const body = await readJson(c, pushRequestSchema, config.limits.push);
      const key = `${body.clientId}\u0000${body.requestId}`;
      let answer = answered.get(key);
      if (!answer) {
        answer = (async () => {
          await storeImages(body.images);
          const results = await handOver(await store.merge(body.changes));
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
