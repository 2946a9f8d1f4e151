import { hash } from 'node:crypto';
import { isTrashed, type Job, type SyncedJob, toSeedJob } from '../../utils/domain';
import type { JobStore } from '../store/types';

/**
 * `/load-jobs` as a stream: the old API's answer holds every job with its image as a data URL (58 MB at 10,000
 * jobs, 10 times that at 100,000), so it is written out job by job with images read a few at a time, never
 * built whole (it answered 503 at 100,000 jobs). Each job's text is kept in a cache bounded by bytes, keyed by
 * its seq, so a second load costs a concatenation and a change costs that one job.
 */
export interface ServedJob {
  id: string;
  seq: number;
  /** sha-1 of the job's text as served: a client sending it back unchanged is recognised without parsing. */
  fp: string;
  birth: string;
}

/** Texts kept between loads, by bytes: 10,000 jobs with 4.5 KB images fit; past that, the oldest go. */
export const LOAD_CACHE_BYTES = 64 * 1024 * 1024;
/** Jobs whose images are read at once for one chunk of the answer (the store's read pool bounds the files). */
const JOBS_PER_CHUNK = 64;

/** One-shot `hash`: a Hash object per job cost more than hashing its 6 KB (10,000 of them in every save). */
export function fingerprint(bytes: Uint8Array | string): string {
  return hash('sha1', bytes, 'hex');
}

/** When a job was made: it keeps that for life (its prompt and even its kind can change), another job does not. */
export const birthOf = (job: Pick<Job, 'createdAt'>) => String(job.createdAt);

export function createLoadCache(budget = LOAD_CACHE_BYTES) {
  const entries = new Map<string, { seq: number; text: string; fp: string }>();
  let bytes = 0;
  return {
    get(id: string, seq: number) {
      const hit = entries.get(id);
      if (!hit || hit.seq !== seq) return undefined;
      // Most recently used last, so the oldest goes first.
      entries.delete(id);
      entries.set(id, hit);
      return hit;
    },
    set(id: string, seq: number, text: string, fp: string) {
      const before = entries.get(id);
      if (before) bytes -= before.text.length;
      entries.delete(id);
      if (text.length > budget) return;
      entries.set(id, { seq, text, fp });
      bytes += text.length;
      for (const [key, entry] of entries) {
        if (bytes <= budget) break;
        entries.delete(key);
        bytes -= entry.text.length;
      }
    },
  };
}
export type LoadCache = ReturnType<typeof createLoadCache>;

/**
 * The answer's text in chunks; `served` receives what each job was sent as. `present` rewrites a job before it
 * is sent (the served old dashboard gets its text fields escaped) and bypasses the cache.
 */
export async function* loadJobsChunks(
  store: JobStore,
  cache: LoadCache,
  served: ServedJob[],
  present?: (job: Record<string, unknown>) => Record<string, unknown>,
): AsyncGenerator<string> {
  const lastJobId = store.lastJobId;
  const savedAt = store.savedAt;
  // The trash is hidden from the old API: its clients know no trash, and would show (and save back) what the
  // user threw away. A save never removes a job in the trash either (save-plan.ts).
  const ids = store
    .liveIndex()
    .filter((e) => !e.trashed)
    .map((e) => e.id);
  yield '{"status":"ok","jobs":[';
  let count = 0;
  for (let i = 0; i < ids.length; i += JOBS_PER_CHUNK) {
    const jobs = ids
      .slice(i, i + JOBS_PER_CHUNK)
      .map((id) => store.get(id))
      .filter((job): job is SyncedJob => job !== undefined && !job.deleted && !isTrashed(job));
    const texts: string[] = [];
    const misses = jobs.filter((job) => present || !cache.get(job.id, job.seq));
    const images = await readImages(store, misses);
    for (const job of jobs) {
      let entry = present ? undefined : cache.get(job.id, job.seq);
      if (!entry) {
        const seedJob = toSeedJob(job, (hash) => images.get(hash) ?? null);
        const text = JSON.stringify(present ? present(seedJob) : seedJob);
        entry = { seq: job.seq, text, fp: fingerprint(text) };
        if (!present) cache.set(job.id, job.seq, text, entry.fp);
      }
      texts.push(entry.text);
      served.push({ id: job.id, seq: job.seq, fp: entry.fp, birth: birthOf(job) });
    }
    if (texts.length === 0) continue;
    yield (count > 0 ? ',' : '') + texts.join(',');
    count += texts.length;
  }
  yield `],"lastJobId":${lastJobId},"savedAt":${JSON.stringify(savedAt)},"message":"Loaded ${count} jobs"}`;
}

async function readImages(store: JobStore, jobs: readonly Job[]): Promise<Map<string, Uint8Array>> {
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
  return images;
}

/** A generator of text as a byte stream that waits for its reader (backpressure). */
export function toByteStream(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
