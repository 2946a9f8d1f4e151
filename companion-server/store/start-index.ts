import { z } from 'zod';
import { type JobStatus, jobStatusSchema } from '../../utils/domain';
import type { HistoryEntry } from './history-state';

/**
 * What the index needs of each job line of job_history.json, kept beside the file's record in
 * `job_history.json.written` (trusted-file.ts) by the rewrite that wrote the file. A start on that same file
 * takes these fields from here instead of parsing 100,000 lines (a third of a start at 100,000 jobs went to
 * those parses and their garbage). Columns, one value per job line in file order (live jobs, then tombstones),
 * so the record is a few arrays and strings, not 100,000 objects. Only a cache, read only when the file is still
 * the one written with it: the lines themselves stay the truth.
 */
export interface StartIndex {
  /** The status names the `status` characters stand for ('a' is the first). */
  statuses: string[];
  seq: number[];
  createdAt: number[];
  /** One character per job: its status, 'a' + its place in `statuses`. */
  status: string;
  /** One character per job: '0' + FLAG bits + its number of images times 8. */
  flags: string;
  /**
   * Where each job's images stand in its own line, in order: the line holds every hash it points at (64 hex
   * characters: job.ts), so the index holds a number, not the hash.
   */
  imageAt: number[];
}

export const startIndexSchema = z.object({
  statuses: z.array(z.string()),
  seq: z.array(z.number()),
  createdAt: z.array(z.number()),
  status: z.string(),
  flags: z.string(),
  imageAt: z.array(z.number()),
});

const DELETED = 1;
const TRASHED = 2;
const MODERN = 4;
const IMAGE_COUNT_SHIFT = 3;
const HASH = /^[0-9a-f]{64}$/;
const STATUSES = jobStatusSchema.options;
const CODE = new Map<string, string>(STATUSES.map((status, i) => [status, String.fromCharCode(97 + i)]));

type IndexedFields = Pick<
  HistoryEntry,
  'seq' | 'deleted' | 'status' | 'createdAt' | 'images' | 'trashed' | 'modern' | 'line'
>;

/** The index of these entries, in the order their lines are in the file; null when one does not fit it. */
export function buildStartIndex(entries: readonly IndexedFields[]): StartIndex | null {
  const seq: number[] = new Array(entries.length);
  const createdAt: number[] = new Array(entries.length);
  const status: string[] = new Array(entries.length);
  const flags: string[] = new Array(entries.length);
  const imageAt: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const code = CODE.get(entry.status);
    const held = entry.images ?? [];
    if (code === undefined || held.length > 2 || !held.every((hash) => HASH.test(hash))) return null;
    for (const hash of held) {
      const at = entry.line.indexOf(`"${hash}"`);
      if (at < 0) return null;
      imageAt.push(at + 1);
    }
    seq[i] = entry.seq;
    createdAt[i] = entry.createdAt;
    status[i] = code;
    const bits =
      (entry.deleted ? DELETED : 0) |
      (entry.trashed ? TRASHED : 0) |
      (entry.modern ? MODERN : 0) |
      (held.length << IMAGE_COUNT_SHIFT);
    flags[i] = String.fromCharCode(48 + bits);
  }
  return {
    statuses: [...STATUSES],
    seq,
    createdAt,
    status: status.join(''),
    flags: flags.join(''),
    imageAt,
  };
}

/**
 * Reads the index against the file's job lines as they come (`entryAt(k, line, deleted)` for the k-th line):
 * null when the line does not agree with it (then the caller parses the lines instead).
 */
export function indexReader(index: StartIndex): {
  entryAt(k: number, line: string, deleted: boolean): HistoryEntry | null;
  /** Every job the index holds was read. */
  complete(count: number): boolean;
} {
  const { seq, createdAt, status, flags, imageAt } = index;
  const n = seq.length;
  const names = index.statuses.map((name) => (STATUSES as readonly string[]).find((s) => s === name) ?? null);
  const fits = createdAt.length === n && status.length === n && flags.length === n;
  let image = 0;
  return {
    entryAt(k, line, deleted) {
      if (!fits || k >= n) return null;
      // Ids are letters, digits and . _ : - (job.ts), and the id is each line's first field.
      const idEnd = line.indexOf('"', 7);
      if (idEnd <= 7 || !line.startsWith('{"id":"') || line.charCodeAt(line.length - 1) !== 125) return null;
      const bits = flags.charCodeAt(k) - 48;
      const name = names[status.charCodeAt(k) - 97];
      if (!name || bits < 0 || ((bits & DELETED) !== 0) !== deleted) return null;
      const count = bits >> IMAGE_COUNT_SHIFT;
      const entry: {
        id: string;
        seq: number;
        line: string;
        deleted: boolean;
        status: JobStatus;
        createdAt: number;
        images?: string[];
        trashed?: true;
        modern?: true;
      } = {
        id: line.slice(7, idEnd),
        seq: seq[k]!,
        line,
        deleted,
        status: name as JobStatus,
        createdAt: createdAt[k]!,
      };
      if (count > 0) {
        const first = hashAt(line, imageAt[image]);
        const second = count === 2 ? hashAt(line, imageAt[image + 1]) : null;
        if (!first || (count === 2 && !second)) return null;
        entry.images = second ? [first, second] : [first];
        image += count;
      }
      if (bits & TRASHED) entry.trashed = true;
      if (bits & MODERN) entry.modern = true;
      return entry;
    },
    complete: (count) => fits && count === n && image === imageAt.length,
  };
}

/** The quoted 64 characters at `at` in the line; null when they are not quoted there. */
function hashAt(line: string, at: number | undefined): string | null {
  if (at === undefined || at < 1 || line.charCodeAt(at - 1) !== 34 || line.charCodeAt(at + 64) !== 34) return null;
  return line.slice(at, at + 64);
}
