import { hash } from 'node:crypto';
import { isTrashed, type Job, toSeedJob } from '../../utils/domain';
import { collectGarbage } from '../store/start-garbage';
import type { JobStore } from '../store/types';
import { ServedList } from './served-list';

/**
 * `/load-jobs`: the old API's answer holds every job with its image as a data URL (58 MB at 10,000 jobs, 10 times
 * that at 100,000). Each job's text is kept, as UTF-8 bytes, in a cache bounded by bytes, keyed by its seq, so a
 * load of a history that fits is the cached buffers handed to the socket as they are (no encoding, no copy, and
 * nothing on the JS heap for the collector to walk), and a change costs that one job. A history that does not fit
 * is streamed, job by job, with images read a few at a time, never built whole (it answered 503 at 100,000 jobs).
 */

/**
 * Texts kept between loads, by bytes: 10,000 jobs with 4.5 KB images fit. A history whose answer does not fit
 * is not cached at all: a load walks the jobs in order, so the oldest texts would go before their next use
 * (no load ever hit), and the 64 MiB filled with them was all a /load-jobs at 100,000 jobs added for nothing.
 */
export const LOAD_CACHE_BYTES = 64 * 1024 * 1024;
/** Jobs whose images are read at once for one chunk of the answer (the store's read pool bounds the files). */
const JOBS_PER_CHUNK = 64;
/**
 * Bytes of a streamed answer handed to the socket at once: small enough that the socket takes them whole, so
 * they die young (4 MiB chunks waited for a drain, outlived the young generation and piled up outside the heap
 * until a full collection: +67 MB during a load at 100,000 jobs).
 */
const STREAM_GROUP_BYTES = 512 * 1024;
const HEAD = Buffer.from('{"status":"ok","jobs":[');
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

/** A job's text as served: `framed` is `,` and the text, so the answer is the texts one after the other. */
export interface ServedText {
  seq: number;
  framed: Buffer;
  /** The text alone (a view into `framed`). */
  text: Buffer;
  /** sha-1 of the text: a client sending it back unchanged is recognised without parsing. */
  fp: string;
}

export function createLoadCache(budget = LOAD_CACHE_BYTES) {
  const entries = new Map<string, ServedText>();
  let bytes = 0;
  return {
    budget,
    clear() {
      entries.clear();
      bytes = 0;
    },
    /**
     * The text of this version of the job. No use is counted: the cache is used only while the whole answer fits,
     * so no order of eviction would save a load any work (the oldest set goes first).
     */
    peek(id: string, seq: number) {
      const hit = entries.get(id);
      return hit && hit.seq === seq ? hit : undefined;
    },
    set(id: string, entry: ServedText) {
      const before = entries.get(id);
      if (before) bytes -= before.framed.length;
      entries.delete(id);
      if (entry.framed.length > budget) return;
      entries.set(id, entry);
      bytes += entry.framed.length;
      for (const [key, old] of entries) {
        if (bytes <= budget) break;
        entries.delete(key);
        bytes -= old.framed.length;
      }
    },
  };
}
export type LoadCache = ReturnType<typeof createLoadCache>;

/**
 * The fingerprint of a saved job's text when it is byte for byte what the last load served at about its place
 * (a client saves back what it loaded, plus a change or two): a memcmp instead of a sha-1, and no parse.
 */
export function servedTexts(cache: LoadCache, served: ServedList): (index: number, text: Buffer) => string | undefined {
  let shift = 0;
  return (index, text) => {
    for (const offset of [shift, shift - 1, shift + 1]) {
      const row = index + offset;
      if (row < 0 || row >= served.length) continue;
      const hit = cache.peek(served.idAt(row), served.seqAt(row));
      if (hit && hit.text.length === text.length && hit.text.equals(text)) {
        shift = offset;
        return hit.fp;
      }
    }
    return undefined;
  };
}

/**
 * A load's answer: `whole` when every text is in hand (the history fits the cache), with its length; else
 * `stream`, groups of buffers made as they are sent. `served` holds what each job was sent as, complete once the
 * answer is.
 */
export type LoadAnswer =
  | { kind: 'whole'; parts: Buffer[]; length: number; served: ServedList }
  | { kind: 'stream'; groups: AsyncGenerator<Buffer[]>; served: ServedList };

type Entries = ReturnType<JobStore['liveIndex']>;
/** What the answer says around its jobs, as the load began. */
type Frame = { lastJobId: number; savedAt: string | null };

/**
 * Makes (or finds in the cache) every job's text of the answer. `present` rewrites a job before it is sent (the
 * served old dashboard gets its text fields escaped), bypasses the cache and always streams.
 */
export async function prepareLoad(
  store: JobStore,
  cache: LoadCache,
  present?: (job: Record<string, unknown>) => Record<string, unknown>,
): Promise<LoadAnswer> {
  const frame: Frame = { lastJobId: store.lastJobId, savedAt: store.savedAt };
  // The trash is hidden from the old API: its clients know no trash, and would show (and save back) what the
  // user threw away. A save never removes a job in the trash either (save-plan.ts).
  const entries = store.liveIndex().filter((e) => !e.trashed);
  if (present) return streamAnswer(store, entries, frame, present);
  const whole = await wholeAnswer(store, cache, entries, frame);
  if (whole.kind === 'whole') return whole;
  cache.clear();
  return streamAnswer(store, entries, frame, undefined, whole);
}

/** Texts made or found before a load turned out not to fit, by row, to be sent rather than made again. */
interface InHand {
  kind: 'in-hand';
  texts: (ServedText | undefined)[];
  births: Float64Array;
}

const tailOf = (frame: Frame, count: number) =>
  Buffer.from(
    `],"lastJobId":${frame.lastJobId},"savedAt":${JSON.stringify(frame.savedAt)},"message":"Loaded ${count} jobs"}`,
  );

/**
 * The answer from the cache, with the texts it lacks made and cached; what is in hand when it would not fit (see
 * LOAD_CACHE_BYTES: judged on the texts in hand, first after one chunk was made).
 */
async function wholeAnswer(
  store: JobStore,
  cache: LoadCache,
  entries: Entries,
  frame: Frame,
): Promise<Extract<LoadAnswer, { kind: 'whole' }> | InHand> {
  const texts: (ServedText | undefined)[] = new Array(entries.length);
  const births = new Float64Array(entries.length);
  const misses: number[] = [];
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    births[i] = entry.createdAt;
    const hit = cache.peek(entry.id, entry.seq);
    if (hit) {
      texts[i] = hit;
      bytes += hit.framed.length;
    } else misses.push(i);
  }
  let inHand = entries.length - misses.length;
  for (let m = 0; m < misses.length; m += JOBS_PER_CHUNK) {
    const rows = misses.slice(m, m + JOBS_PER_CHUNK);
    const made = await makeTexts(
      store,
      rows.map((row) => entries[row]!),
    );
    for (const [k, row] of rows.entries()) {
      const text = made[k];
      inHand++;
      if (!text) continue;
      texts[row] = text;
      births[row] = text.createdAt;
      bytes += text.framed.length;
      cache.set(text.id, text);
    }
    if ((bytes / inHand) * entries.length > cache.budget) return { kind: 'in-hand', texts, births };
  }
  const served = new ServedList(entries.length);
  const parts: Buffer[] = [HEAD];
  let length = HEAD.length;
  for (let i = 0; i < entries.length; i++) {
    const text = texts[i];
    if (!text) continue;
    const bytes = served.length === 0 ? text.text : text.framed;
    parts.push(bytes);
    length += bytes.length;
    served.push(entries[i]!.id, text.seq, births[i]!, text.fp);
  }
  const tail = tailOf(frame, served.length);
  parts.push(tail);
  return { kind: 'whole', parts, length: length + tail.length, served };
}

/**
 * The answer made job by job as it is sent, in groups of about STREAM_GROUP_BYTES; nothing is cached. A text in
 * `inHand` is sent as it is (and let go).
 */
function streamAnswer(
  store: JobStore,
  entries: Entries,
  frame: Frame,
  present?: (job: Record<string, unknown>) => Record<string, unknown>,
  inHand?: InHand,
): LoadAnswer {
  const served = new ServedList(entries.length);
  async function* groups(): AsyncGenerator<Buffer[]> {
    let parts: Buffer[] = [HEAD];
    let pending = 0;
    let sent = 0;
    let collected = 0;
    for (let i = 0; i < entries.length; i += JOBS_PER_CHUNK) {
      for (const [row, text, createdAt] of await chunkTexts(store, entries, i, present, inHand)) {
        const bytes = served.length === 0 ? text.text : text.framed;
        parts.push(bytes);
        pending += bytes.length;
        served.push(entries[row]!.id, text.seq, createdAt, text.fp);
      }
      if (pending < STREAM_GROUP_BYTES) continue;
      const group = parts;
      sent += pending;
      parts = [];
      pending = 0;
      yield group;
      if (Math.floor(sent / COLLECT_EVERY_BYTES) > collected) {
        collected++;
        collectGarbage();
      }
    }
    parts.push(tailOf(frame, served.length));
    yield parts;
  }
  return { kind: 'stream', served, groups: groups() };
}

/** The texts of the chunk of rows from `from`, in order: those in hand, and the others made now. */
async function chunkTexts(
  store: JobStore,
  entries: Entries,
  from: number,
  present?: (job: Record<string, unknown>) => Record<string, unknown>,
  inHand?: InHand,
): Promise<[row: number, text: ServedText, createdAt: number][]> {
  const rows: number[] = [];
  for (let row = from; row < Math.min(from + JOBS_PER_CHUNK, entries.length); row++) rows.push(row);
  const missing = rows.filter((row) => !inHand?.texts[row]);
  const made = await makeTexts(
    store,
    missing.map((row) => entries[row]!),
    present,
  );
  const out: [number, ServedText, number][] = [];
  let k = 0;
  for (const row of rows) {
    const held = inHand?.texts[row];
    if (held && inHand) {
      inHand.texts[row] = undefined;
      out.push([row, held, inHand.births[row]!]);
      continue;
    }
    const text = made[k++];
    if (text) out.push([row, text, text.createdAt]);
  }
  return out;
}

interface ServedJobText extends ServedText {
  id: string;
  createdAt: number;
}

/** The texts of a few jobs as they are now, in order (none for a job gone meanwhile). */
async function makeTexts(
  store: JobStore,
  chunk: Entries,
  present?: (job: Record<string, unknown>) => Record<string, unknown>,
): Promise<(ServedJobText | undefined)[]> {
  // Images first, by the index: nothing parsed waits on the disk, so a chunk's jobs, seed jobs and texts are
  // made and dropped in one go and die young (parsed before the reads, they outlived the young generation
  // and the heap grew by 120 MB during a load at 100,000 jobs).
  const images = await readImages(
    store,
    chunk.flatMap((e) => e.images),
  );
  const jobs = chunk.map((e) => {
    const job = store.get(e.id);
    return job && !job.deleted && !isTrashed(job) ? job : undefined;
  });
  // One changed during the reads, with an image not read yet.
  const late = jobs.flatMap((job) => (job ? imagesOf(job).filter((hash) => !images.has(hash)) : []));
  if (late.length) for (const [hash, bytes] of await readImages(store, late)) images.set(hash, bytes);
  return jobs.map((job) => {
    if (!job) return undefined;
    const seedJob = toSeedJob(job, (hash) => images.get(hash) ?? null);
    const framed = Buffer.from(`,${JSON.stringify(present ? present(seedJob) : seedJob)}`);
    const text = framed.subarray(1);
    return { id: job.id, createdAt: job.createdAt, seq: job.seq, framed, text, fp: fingerprint(text) };
  });
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
