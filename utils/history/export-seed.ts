import { type Job, lastSeedJobId, pngDataUrlToBytes, toSeedJob } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import { HISTORY_SCHEMA_VERSION } from '@/utils/storage/layout';

export interface SeedExport {
  jobs: Record<string, unknown>[];
  lastJobId: number;
  savedAt: string;
  version: string;
}

/** The live history in the seed's file format (oldest first, images as data URLs), read in chunks. */
export async function exportSeed(
  store: Pick<HistoryStore, 'getIndex' | 'getJobs' | 'getImages'>,
  now: () => number,
): Promise<SeedExport> {
  const index = await store.getIndex();
  const ids = index.map((e) => e.id).reverse();
  const jobs: Job[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = await store.getJobs(ids.slice(i, i + 500));
    for (const id of ids.slice(i, i + 500)) {
      const job = chunk.get(id);
      if (job && !job.deleted) jobs.push(job);
    }
  }
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < jobs.length; i += 200) {
    const slice = jobs.slice(i, i + 200);
    const hashes = new Set<string>();
    for (const job of slice) {
      if (job.image) hashes.add(job.image);
      if (job.rotate) hashes.add(job.rotate.sourceImage);
    }
    const images = await store.getImages([...hashes]);
    const getImage = (hash: string) => {
      const dataUrl = images.get(hash);
      return dataUrl ? pngDataUrlToBytes(dataUrl) : null;
    };
    for (const job of slice) out.push(toSeedJob(job, getImage));
  }
  return {
    jobs: out,
    lastJobId: lastSeedJobId(jobs),
    savedAt: new Date(now()).toISOString(),
    version: String(HISTORY_SCHEMA_VERSION),
  };
}
