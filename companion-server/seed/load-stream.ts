import { createHash } from 'node:crypto';
import { isTrashed, type Job, type SyncedJob, toSeedJob } from '../../utils/domain';
import type { JobStore } from '../store/types';

/**
 * `/load-jobs` as a stream: the old API's answer holds every job with its image as a data URL (58 MB at 10,000
 * jobs, 10 times that at 100,000), so it is written out job by job with images read a few at a time, never
 * built whole (it answered 503 at 100,000 jobs). Each job's bytes are kept in a cache bounded by bytes, keyed by
 * its seq, so a second load costs a copy of those bytes (no parse, no encoding) and a change costs that one job.
 */
export interface ServedJob {
  id: string;
  seq: number;
  /** sha-1 of the job's text as served: a client sending it back unchanged is recognised without parsing. */
  fp: string;
  birth: string;
}

/** Jobs' bytes kept between loads: 10,000 jobs with 4.5 KB images fit; past that, the oldest go. */
export const LOAD_CACHE_BYTES = 64 * 1024 * 1024;
/** Jobs whose images are read at once (the store's read pool bounds the files). */
const JOBS_PER_CHUNK = 64;
/** Bytes of the answer handed to the socket at once: a few large writes, not one per 64 jobs, and still bounded. */
const CHUNK_BYTES = 4 * 1024 * 1024;

export function fingerprint(bytes: Uint8Array | string): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** When a job was made: it keeps that for life (its prompt and even its kind can change), another job does not. */
export const birthOf = (job: Pick<Job, 'createdAt'>) => String(job.createdAt);

interface CachedJob {
  seq: number;
  /** The job's text as served, as UTF-8: a load after a change copies these, and encodes only what changed. */
  bytes: Buffer;
  fp: string;
  birth: string;
}

export function createLoadCache(budget = LOAD_CACHE_BYTES) {
  const entries = new Map<string, CachedJob>();
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
    /** As get, without counting as a use. */
    peek(id: string, seq: number) {
      const hit = entries.get(id);
      return hit && hit.seq === seq ? hit : undefined;
    },
    set(id: string, entry: CachedJob) {
      const before = entries.get(id);
      if (before) bytes -= before.bytes.length;
      entries.delete(id);
      if (entry.bytes.length > budget) return;
      entries.set(id, entry);
      bytes += entry.bytes.length;
      for (const [key, old] of entries) {
        if (bytes <= budget) break;
        entries.delete(key);
        bytes -= old.bytes.length;
      }
    },
  };
}
export type LoadCache = ReturnType<typeof createLoadCache>;

/**
 * The fingerprint of a saved job's text when it is byte for byte what the last load served at about its place
 * (a client saves back what it loaded, plus a change or two): a memcmp instead of a sha-1, and no parse.
 */
export function servedTexts(
  cache: LoadCache,
  served: readonly ServedJob[],
): (index: number, text: Buffer) => string | undefined {
  let shift = 0;
  return (index, text) => {
    for (const offset of [shift, shift - 1, shift + 1]) {
      const s = served[index + offset];
      const hit = s && cache.peek(s.id, s.seq);
      if (hit && hit.bytes.length === text.length && hit.bytes.equals(text)) {
        shift = offset;
        return hit.fp;
      }
    }
    return undefined;
  };
}

const COMMA = Buffer.from(',');

/**
 * The answer's bytes in chunks; `served` receives what each job was sent as. A job whose seq the cache holds is
 * neither read nor parsed. `present` rewrites a job before it is sent (the served old dashboard gets its text
 * fields escaped) and bypasses the cache.
 */
export async function* loadJobsChunks(
  store: JobStore,
  cache: LoadCache,
  served: ServedJob[],
  present?: (job: Record<string, unknown>) => Record<string, unknown>,
): AsyncGenerator<Uint8Array> {
  const lastJobId = store.lastJobId;
  const savedAt = store.savedAt;
  // The trash is hidden from the old API: its clients know no trash, and would show (and save back) what the
  // user threw away. A save never removes a job in the trash either (save-plan.ts).
  const index = store.liveIndex().filter((e) => !e.trashed);
  let parts: Buffer[] = [Buffer.from('{"status":"ok","jobs":[')];
  let pending = 0;
  let count = 0;
  for (let i = 0; i < index.length; i += JOBS_PER_CHUNK) {
    const slice = index.slice(i, i + JOBS_PER_CHUNK);
    const hits = slice.map((e) => (present ? undefined : cache.get(e.id, e.seq)));
    const misses = slice
      .filter((_, k) => hits[k] === undefined)
      .map((e) => store.get(e.id))
      .filter((job): job is SyncedJob => job !== undefined && !job.deleted && !isTrashed(job));
    const images = await readImages(store, misses);
    const made = new Map<string, CachedJob>();
    for (const job of misses) {
      const seedJob = toSeedJob(job, (hash) => images.get(hash) ?? null);
      const bytes = Buffer.from(JSON.stringify(present ? present(seedJob) : seedJob));
      const entry = { seq: job.seq, bytes, fp: fingerprint(bytes), birth: birthOf(job) };
      made.set(job.id, entry);
      if (!present) cache.set(job.id, entry);
    }
    slice.forEach((e, k) => {
      const entry = hits[k] ?? made.get(e.id);
      if (!entry) return;
      if (count > 0) parts.push(COMMA);
      parts.push(entry.bytes);
      pending += entry.bytes.length;
      served.push({ id: e.id, seq: entry.seq, fp: entry.fp, birth: entry.birth });
      count++;
    });
    if (pending >= CHUNK_BYTES) {
      yield Buffer.concat(parts);
      parts = [];
      pending = 0;
    }
  }
  parts.push(
    Buffer.from(`],"lastJobId":${lastJobId},"savedAt":${JSON.stringify(savedAt)},"message":"Loaded ${count} jobs"}`),
  );
  yield Buffer.concat(parts);
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

/** A generator of bytes as a stream that waits for its reader (backpressure). */
export function toByteStream(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
