import { fromSeedJob, type Job, type SeedJob, seedJobSchema } from '../../utils/domain';
import { fromZodError, httpError } from '../http/http-error';
import { sha256Hex } from '../lib/hash';
import { uniqueId } from '../store/history-file';
import { type ClientRecord, isOlderText } from './clients';
import { birthOf, fingerprint } from './load-stream';
import type { SavedCopy } from './save-plan';
import { parseSlice, type ScannedBody } from './scan-body';

/** Keys the body rules refuse, as they appear unescaped; a job holding one is parsed at once (and refused). */
const FORBIDDEN_TEXTS = ['"__proto__"', '"constructor"', '"prototype"'].map((k) => Buffer.from(k));

/** The fingerprint of a job's text when it is byte for byte a text already known (one /load-jobs served). */
export type KnownText = (index: number, text: Buffer) => string | undefined;

/** One job of a save, read only as far as needed: an unchanged one (known text) is never parsed. */
export interface SaveSlice {
  index: number;
  fp: string;
  start: number;
  end: number;
}

export interface ReadCopy {
  rawKey: string;
  fp: string;
  birth: string;
  copy: SavedCopy;
}

/**
 * Turns a scanned `/save-jobs` body into the copies a save plan takes, for one client record: slices the record
 * has seen before are unchanged (their ids come from the record); the rest are parsed, converted (images out to
 * `images`), and mapped to the id the companion uses for them, stable across this client's saves. Two jobs of
 * one save under one id (`sprite 1` and `sprite_1`, or the same id twice) are both kept.
 */
export class SaveReader {
  readonly slices: SaveSlice[];
  private readonly parsed = new Map<number, { raw: SeedJob; rawId: string; job: Job }>();
  /** PNGs found in the copies' data URLs, by hash, to write before the save is committed. */
  readonly images = new Map<string, Uint8Array>();

  private constructor(
    private readonly bytes: Uint8Array,
    slices: SaveSlice[],
    private readonly now: number,
    private readonly fromDashboard?: (job: Record<string, unknown>) => Record<string, unknown>,
  ) {
    this.slices = slices;
  }

  /**
   * Fingerprints every job's text, giving the event loop back now and then (a save can hold 10,000 jobs): a text
   * equal to one `known` holds (a memcmp) takes its fingerprint, the others are hashed. A text that is not known
   * and holds a polluting key is parsed here, so the key refuses the whole save before any other field is judged
   * (a memmem per job; a known text was checked when it was first parsed or made).
   */
  static async open(
    bytes: Uint8Array,
    scanned: ScannedBody,
    now: number,
    fromDashboard?: (job: Record<string, unknown>) => Record<string, unknown>,
    known?: KnownText,
  ): Promise<SaveReader> {
    const pause = pauser();
    const slices: SaveSlice[] = [];
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const [index, s] of (scanned.jobs ?? []).entries()) {
      const text = body.subarray(s.start, s.end);
      const knownFp = known?.(index, text);
      if (knownFp === undefined && FORBIDDEN_TEXTS.some((k) => text.includes(k))) parseSlice(bytes, s.start, s.end);
      slices.push({ index, ...s, fp: knownFp ?? fingerprint(text) });
      await pause();
    }
    return new SaveReader(bytes, slices, now, fromDashboard);
  }

  /** The job at `index`, parsed and converted; 400 naming it when it cannot be. */
  read(index: number): { raw: SeedJob; rawId: string; job: Job } {
    const done = this.parsed.get(index);
    if (done) return done;
    const slice = this.slices[index]!;
    let value = parseSlice(this.bytes, slice.start, slice.end);
    if (this.fromDashboard && value && typeof value === 'object' && !Array.isArray(value)) {
      value = this.fromDashboard(value as Record<string, unknown>);
    }
    const raw = seedJobSchema.safeParse(value);
    if (!raw.success) throw fromZodError(raw.error, `jobs.${index}`);
    let job: Job;
    try {
      job = fromSeedJob(
        raw.data,
        (png) => {
          const hash = sha256Hex(png);
          this.images.set(hash, png);
          return hash;
        },
        this.now,
      );
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw httpError(400, 'invalid_body', `jobs.${index}: ${detail}`, `jobs.${index}`);
    }
    const done2 = { raw: raw.data, rawId: String(raw.data.id), job };
    this.parsed.set(index, done2);
    return done2;
  }

  /**
   * The save as seen by one client record: each job's id for that client (stable across its saves; two jobs of
   * one save under one id are both kept), which ones it sent unchanged, how well the save fits the record (jobs
   * it holds, same id and birth) and whether it lists another job under an id the record holds.
   */
  async mapFor(record: ClientRecord): Promise<SaveMapping> {
    const pause = pauser();
    const copies: ReadCopy[] = [];
    const unchanged: { id: string; rawKey: string; text: string }[] = [];
    const used = new Set<string>();
    const occurrences = new Map<string, number>();
    let score = 0;
    let conflict = false;
    const count = (rawId: string) => {
      const n = occurrences.get(rawId) ?? 0;
      occurrences.set(rawId, n + 1);
      return n;
    };
    for (const slice of this.slices) {
      const seen = record.textOf(slice.fp);
      if (seen !== undefined && !used.has(seen.id)) {
        used.add(seen.id);
        count(seen.rawKey.slice(0, seen.rawKey.lastIndexOf('#')));
        unchanged.push({ id: seen.id, rawKey: seen.rawKey, text: slice.fp });
        score++;
        continue;
      }
      await pause();
      const { raw, rawId, job } = this.read(slice.index);
      // A job's own id in the client (its second `job-5`, or `sprite 1`), mapped once and kept for its saves.
      const rawKey = `${rawId}#${count(rawId)}`;
      const id = uniqueId(record.byRawKey.get(rawKey) ?? job.id, used);
      used.add(id);
      const birth = birthOf(job);
      const known = record.knownOf(id);
      if (known && known.birth === birth) score++;
      else if (known) conflict = true;
      copies.push({
        rawKey,
        fp: slice.fp,
        birth,
        copy: {
          id,
          job: { ...job, id },
          sent: new Set(Object.keys(raw)),
          noImage: job.image === null,
          stale: isOlderText(record, id, slice.fp),
        },
      });
    }
    // A tab saves one change at a time: a save that is the record's last save plus one change going back to an
    // earlier text is that change (the old dashboard's "Run" again). Any more, and the copies repeating earlier
    // texts come from a tab opened from old localStorage: stale, never based on what the record holds now.
    const listed = new Set([...unchanged.map((u) => u.id), ...copies.map((c) => c.copy.id)]);
    const differences = copies.length + record.unlisted(listed);
    if (differences <= 1) for (const c of copies) c.copy.stale = false;
    return { copies, unchanged, score, conflict };
  }
}

export interface SaveMapping {
  copies: ReadCopy[];
  unchanged: { id: string; rawKey: string; text: string }[];
  score: number;
  conflict: boolean;
}

/** Gives the event loop back once `everyMs` of work has passed, so /health answers during a large save. */
function pauser(everyMs = 20): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}
