import { z } from 'zod';

/**
 * The colour index: which exact colours each job's image holds, so "jobs with this colour" is answered in memory.
 * Stored in COLOUR_BUCKETS keys `colours:<bb>` (bb: two hex digits of a hash of the job id), each a JSON string
 * (cheaper to write and to pass to the panel, like the index pages) of `{ [jobId]: "<hash8>:<codes>" }`:
 *   - hash8: the first 8 hex digits of the image's sha-256, so a job whose image changed is indexed again;
 *   - codes: the image's colours, 4 base64 characters each (3 bytes: r, g, b), sorted as strings, no repeats.
 * A colour is its RGB: every pixel with a non-zero alpha counts, as the detail view's palette counts it
 * (utils/export/palette.ts), so a swatch shown there always finds its own job. Pure.
 *
 * Why this shape (measured on the bench's 10,000 images, see README "Performance"): per-job sorted lists cost
 * 4 characters a colour and are answered by one binary search per job; an inverted index (colour -> ids) would
 * repeat every job id once per colour (about 10x the bytes for 40-colour images) and be rewritten for every
 * colour of every new image, and a bitset over a global colour table grows with every distinct colour ever seen.
 */

export const COLOUR_BUCKETS = 256;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The 4-character code of a 0xRRGGBB colour. */
export function colourCode(rgb: number): string {
  const r = (rgb >> 16) & 0xff;
  const g = (rgb >> 8) & 0xff;
  const b = rgb & 0xff;
  return B64[r >> 2]! + B64[((r & 3) << 4) | (g >> 4)]! + B64[((g & 15) << 2) | (b >> 6)]! + B64[b & 63]!;
}

/** The 0xRRGGBB colour of a 4-character code. */
export function codeColour(code: string): number {
  const v = (i: number) => B64.indexOf(code[i]!);
  return (v(0) << 18) | (v(1) << 12) | (v(2) << 6) | v(3);
}

/** `#rrggbb` (any case, with or without `#`) as 0xRRGGBB; null for anything else. */
export function parseHexColour(text: string): number | null {
  const m = /^#?([0-9a-f]{6})$/i.exec(text.trim());
  return m ? Number.parseInt(m[1]!, 16) : null;
}

/** `#rrggbb`, lower case: how a colour is named in a filter and a chip. */
export const hexOfColour = (rgb: number): string => `#${rgb.toString(16).padStart(6, '0')}`;

/** The colour codes of RGBA pixels (alpha 0 is no colour), sorted, each once. */
export function colourCodes(rgba: Uint8Array): string {
  const seen = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] === 0) continue;
    seen.add((rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!);
  }
  return [...seen].map(colourCode).sort().join('');
}

/** Whether sorted `codes` hold `code`: a binary search over 4-character cells (compared in place, no copies). */
export function codesHold(codes: string, code: string): boolean {
  let lo = 0;
  let hi = codes.length / 4 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = mid * 4;
    let order = 0;
    for (let i = 0; i < 4 && order === 0; i++) order = codes.charCodeAt(at + i) - code.charCodeAt(i);
    if (order === 0) return true;
    if (order < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The bucket (0..COLOUR_BUCKETS-1) of a job id: FNV-1a, so it is stable and spread evenly. */
export function colourBucketOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % COLOUR_BUCKETS;
}

/** One job's stored value: the image it was computed from and its colours. */
export interface ColourEntry {
  hash8: string;
  codes: string;
}

export const hash8Of = (imageHash: string): string => imageHash.slice(0, 8);

const hash8Pattern = /^[0-9a-f]{8}:/;
// The shape only (hash8, then whole 4-character cells): a regex over every code cost 50 ms of a 10,000-job read,
// and a stray character in a code only makes that code match no colour.
const entrySchema = z.string().refine((s) => hash8Pattern.test(s) && (s.length - 9) % 4 === 0, 'Not a colour entry');
const bucketSchema = z.record(z.string(), entrySchema);

export function encodeColourEntry(entry: ColourEntry): string {
  return `${entry.hash8}:${entry.codes}`;
}

export function decodeColourEntry(value: string): ColourEntry {
  return { hash8: value.slice(0, 8), codes: value.slice(9) };
}

export function encodeBucket(entries: ReadonlyMap<string, string>): string {
  return JSON.stringify(Object.fromEntries(entries));
}

/** A stored bucket (job id -> encoded entry); empty when absent, null when unreadable (it is then rebuilt). */
export function decodeBucket(value: unknown): Map<string, string> | null {
  if (value === undefined) return new Map();
  if (typeof value !== 'string') return null;
  try {
    const parsed = bucketSchema.safeParse(JSON.parse(value));
    return parsed.success ? new Map(Object.entries(parsed.data)) : null;
  } catch {
    return null;
  }
}
