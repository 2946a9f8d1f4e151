import { hash } from 'node:crypto';
import { isTrashed, type Job, toSeedJob } from '../../utils/domain';
import { collectGarbage } from '../store/start-garbage';
import type { JobStore } from '../store/types';

/**
 * `/load-jobs` as a stream: the old API's answer holds every job with its image as a data URL (58 MB at 10,000
 * jobs, 10 times that at 100,000), so it is written out job by job with images read a few at a time, never
 * built whole (it answered 503 at 100,000 jobs). Each job's text is kept, as UTF-8 bytes, in a cache bounded by
 * bytes, keyed by its seq, so a second load costs a copy of bytes (no encoding, and nothing on the JS heap for
 * the collector to walk) and a change costs that one job.
 */
export interface ServedJob {
  id: string;
  seq: number;
  /** sha-1 of the job's text as served: a client sending it back unchanged is recognised without parsing. */
  fp: string;
  birth: string;
}

/**
 * Texts kept between loads, by bytes: 10,000 jobs with 4.5 KB images fit. A history whose answer does not fit
 * is not cached at all: a load walks the jobs in order, so the oldest texts would go before their next use
 * (no load ever hit), and the 64 MiB filled with them was all a /load-jobs at 100,000 jobs added for nothing.
 */
export const LOAD_CACHE_BYTES = 64 * 1024 * 1024;
/** Jobs whose images are read at once for one chunk of the answer (the store's read pool bounds the files). */
const JOBS_PER_CHUNK = 64;
/**
 * Bytes of the answer handed to the socket at once: fewer writes than one per 64 jobs, and small enough that
 * the socket takes a chunk whole, so it dies young (4 MiB chunks waited for a drain, outlived the young
 * generation and piled up outside the heap until a full collection: +67 MB during a load at 100,000 jobs).
 */
const CHUNK_BYTES = 512 * 1024;
const COMMA = Buffer.from(',');
/**
 * A load this long collects its garbage as it goes: the old generation grew by 120 MB during a /load-jobs at
 * 100,000 jobs (618 MB sent) with no full collection, past the +64 MB a load may add. A 10,000-job answer
 * (58 MB) never reaches it.
 */
const COLLECT_EVERY_BYTES = 96 * 1024 * 1024;

/** One-shot `hash`: a Hash object per job cost more than hashing its 6 KB (10,000 of them in every save). */
export function fingerprint(bytes: Uint8Array | string): string {
  return hash('sha1', bytes, 'hex');
}

/** When a job was made: it keeps that for life (its prompt and even its kind can change), another job does not. */
export const birthOf = (job: Pick<Job, 'createdAt'>) => String(job.createdAt);

export function createLoadCache(budget = LOAD_CACHE_BYTES) {
  const entries = new Map<string, { seq: number; text: Buffer; fp: string }>();
  let bytes = 0;
  return {
    budget,
    clear() {
      entries.clear();
      bytes = 0;
    },
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
    set(id: string, seq: number, text: Buffer, fp: string) {
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
      if (hit && hit.text.length === text.length && hit.text.equals(text)) {
        shift = offset;
        return hit.fp;
      }
    }
    return undefined;
  };
}

/**
 * The answer's text in chunks; `served` receives what each job was sent as. `present` rewrites a job before it
 * is sent (the served old dashboard gets its text fields escaped) and bypasses the cache.
 */
export async function* loadJobsChunks(
  store: JobStore,
  cache: LoadCache,
  served: ServedJob[],
  present?: (job: Record<string, unknown>) => Record<string, unknown>,
): AsyncGenerator<Buffer> {
  const lastJobId = store.lastJobId;
  const savedAt = store.savedAt;
  // The trash is hidden from the old API: its clients know no trash, and would show (and save back) what the
  // user threw away. A save never removes a job in the trash either (save-plan.ts).
  const entries = store.liveIndex().filter((e) => !e.trashed);
  let parts: Buffer[] = [Buffer.from('{"status":"ok","jobs":[')];
  let pending = 0;
  let count = 0;
  let caching = !present;
  let sentBytes = 0;
  let collected = 0;
  for (let i = 0; i < entries.length; i += JOBS_PER_CHUNK) {
    const chunk = entries.slice(i, i + JOBS_PER_CHUNK);
    // Images first, by the index: nothing parsed waits on the disk, so a chunk's jobs, seed jobs and texts are
    // made and dropped in one go and die young (parsed before the reads, they outlived the young generation
    // and the heap grew by 120 MB during a load at 100,000 jobs).
    const uncached = present ? chunk : chunk.filter((e) => !cache.peek(e.id, e.seq));
    const images = await readImages(
      store,
      uncached.flatMap((e) => e.images),
    );
    // A job whose text is cached at its seq is sent as it is, unparsed; the others are read as they are now.
    const slots = chunk.map((e) => {
      const hit = present ? undefined : cache.get(e.id, e.seq);
      if (hit) return { id: e.id, seq: e.seq, birth: birthOf(e), hit, job: undefined };
      const job = store.get(e.id);
      const live = job && !job.deleted && !isTrashed(job) ? job : undefined;
      return { id: e.id, seq: job?.seq ?? e.seq, birth: birthOf(job ?? e), hit: undefined, job: live };
    });
    // One changed during the reads, with an image not read yet.
    const late = slots.flatMap((s) => (s.job ? imagesOf(s.job).filter((hash) => !images.has(hash)) : []));
    if (late.length) for (const [hash, bytes] of await readImages(store, late)) images.set(hash, bytes);
    const texts: Buffer[] = [];
    for (const slot of slots) {
      let entry = slot.hit;
      if (!entry && slot.job) {
        const seedJob = toSeedJob(slot.job, (hash) => images.get(hash) ?? null);
        const text = Buffer.from(JSON.stringify(present ? present(seedJob) : seedJob));
        entry = { seq: slot.seq, text, fp: fingerprint(text) };
        if (caching) cache.set(slot.id, slot.seq, text, entry.fp);
      }
      if (!entry) continue;
      texts.push(entry.text);
      served.push({ id: slot.id, seq: slot.seq, fp: entry.fp, birth: slot.birth });
    }
    for (const text of texts) {
      if (count > 0) parts.push(COMMA);
      parts.push(text);
      pending += text.length;
      sentBytes += text.length;
      count++;
    }
    // After the first chunk: an answer that will not fit is not cached (see LOAD_CACHE_BYTES).
    if (caching && i === 0 && count > 0 && (sentBytes / count) * entries.length > cache.budget) {
      caching = false;
      cache.clear();
    }
    if (pending >= CHUNK_BYTES) {
      yield Buffer.concat(parts);
      parts = [];
      pending = 0;
    }
    if (Math.floor(sentBytes / COLLECT_EVERY_BYTES) > collected) {
      collected++;
      collectGarbage();
    }
  }
  parts.push(
    Buffer.from(`],"lastJobId":${lastJobId},"savedAt":${JSON.stringify(savedAt)},"message":"Loaded ${count} jobs"}`),
  );
  yield Buffer.concat(parts);
}

function imagesOf(job: Job): string[] {
  return [job.image, job.rotate?.sourceImage].filter((hash): hash is string => typeof hash === 'string' && hash !== '');
}

async function readImages(store: JobStore, wanted: Iterable<string>): Promise<Map<string, Uint8Array>> {
  const images = new Map<string, Uint8Array>();
  await Promise.all(
    [...new Set(wanted)].map(async (hash) => {
      const bytes = await store.readImage(hash);
      if (bytes) images.set(hash, bytes);
    }),
  );
  return images;
}

/** A generator of bytes as a byte stream that waits for its reader (backpressure). */
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
