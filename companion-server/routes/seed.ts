import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { fromSeedJob, type Job, lastSeedJobId, seedJobSchema, toSeedJob } from '../../utils/domain';
import { readJson } from '../body';
import type { CompanionDeps } from '../deps';
import { eachLimited } from '../each-limited';
import { HttpError } from '../http-error';

const saveJobsSchema = z.object({
  jobs: z.array(seedJobSchema),
  lastJobId: z.number().int().nonnegative().optional(),
});
/** Image files written in parallel by a seed save; each is fsynced on its own. */
const IMAGE_WRITES_AT_ONCE = 16;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The old Python server's history routes, with its shapes, so its dashboard and files keep working (its paid routes: seed-generate.ts). */
export function seedRoutes(deps: CompanionDeps) {
  const { store, config } = deps;
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
    });
}
