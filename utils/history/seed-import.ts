import { z } from 'zod';
import {
  bytesToPngDataUrl,
  errorMessage,
  fromSeedJob,
  type Job,
  pickWinner,
  seedFileSchema,
  sha256Hex,
} from '@/utils/domain';

/** A seed file whose jobs are checked one by one (seedJobSchema), so one bad job does not sink the file. */
export const lenientSeedFileSchema = seedFileSchema.extend({ jobs: z.array(z.unknown()) });

export interface SeedConversion {
  jobs: Job[];
  /** hash -> PNG data URL */
  images: Record<string, string>;
  /** Raw seed jobs that could not be converted, with the reason. */
  failed: { job: unknown; reason: string }[];
}

/**
 * A parsed seed file's jobs as canonical jobs plus their images (for the import intent and the
 * version 0 migration). Jobs the file says are queued or running are not running anywhere now: they
 * become errors, as the companion does with jobs its own restart interrupted. Duplicate ids keep the
 * winning version.
 */
export function convertSeedJobs(seedJobs: readonly unknown[], now: number): SeedConversion {
  const images: Record<string, string> = {};
  const putImage = (bytes: Uint8Array) => {
    const hash = sha256Hex(bytes);
    images[hash] ??= bytesToPngDataUrl(bytes);
    return hash;
  };
  const byId = new Map<string, Job>();
  const failed: SeedConversion['failed'] = [];
  const parsed = seedFileSchema.shape.jobs.element;
  for (const raw of seedJobs) {
    try {
      let job = fromSeedJob(parsed.parse(raw), putImage, now);
      if (job.status === 'queued' || job.status === 'running') {
        job = { ...job, status: 'error', error: 'Interrupted: the job was still running when this history was saved' };
      }
      const winner = pickWinner(byId.get(job.id), job);
      if (winner) byId.set(job.id, winner);
    } catch (err) {
      failed.push({ job: raw, reason: errorMessage(err) });
    }
  }
  return { jobs: [...byId.values()], images, failed };
}
