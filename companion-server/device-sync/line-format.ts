import { crc32 } from 'node:zlib';
import { z } from 'zod';
import {
  boardRecordSchema,
  imageHashSchema,
  type Job,
  type JobOptions,
  jobSchema,
  optionImages,
} from '../../utils/domain';
import { deviceIdSchema } from '../../utils/domain/device';

/**
 * One line of a device's log on the sync target (issue 22): the versions one publish pass found changed, as the
 * journal holds them (journal.ts) but without the local seq, which means nothing to another device:
 *   {"v":1,"dev":"<device id>","n":7,"jobs":[<job>,...],"records":[<board>,...],"sum":"<crc32>"}
 * `n` counts this device's lines; `sum` is the crc32 of the line without it, so a torn or damaged line is known.
 * The target is untrusted storage: every line read is bounded in size and crosses this schema.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Versions per line: a first publish of a long history is cut into lines of this many. */
export const JOBS_PER_LINE = 100;
const SUM_MARK = ',"sum":"';

/**
 * A snapshot part (compact.ts): every version this device published up to its line `n`, cut into `count` parts
 * (each under the reader's file bound); conflict copies a sync client made keep the name's start.
 */
export const SNAPSHOT_FILE = /^snapshot-(\d{9})-(\d{4})of(\d{4})[^/\\]*\.jsonl$/;
export const snapshotPartName = (n: number, part: number, count: number) =>
  `snapshot-${String(n).padStart(9, '0')}-${String(part).padStart(4, '0')}of${String(count).padStart(4, '0')}.jsonl`;
export function snapshotPart(name: string): { n: number; part: number; count: number } | null {
  const m = SNAPSHOT_FILE.exec(name);
  if (!m) return null;
  const [n, part, count] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return part >= 1 && part <= count ? { n, part, count } : null;
}

/** A device's head.json: its name, its last line, and how far it has read each other device (image-sweep.ts). */
export const HEAD_FILE = 'head.json';
export const MAX_HEAD_BYTES = 1024 * 1024;
export const headSchema = z.looseObject({
  v: z.literal(1),
  deviceId: deviceIdSchema,
  name: z.string().max(200),
  n: z.number().int().nonnegative(),
  read: z.record(deviceIdSchema, z.number().int().nonnegative()).optional(),
});
export type Head = z.infer<typeof headSchema>;

export const targetLineSchema = z.object({
  v: z.literal(1),
  dev: deviceIdSchema,
  n: z.number().int().positive(),
  jobs: z.array(jobSchema).max(JOBS_PER_LINE),
  records: z.array(boardRecordSchema).max(JOBS_PER_LINE).optional(),
});
export type TargetLine = z.infer<typeof targetLineSchema>;

const checksum = (text: string) => crc32(text).toString(16).padStart(8, '0');

/** The line for these versions (already JSON: the store's own lines, seq taken out), with its checksum. */
export function formatLine(dev: string, n: number, jobs: readonly string[], records: readonly string[]): string {
  const more = records.length > 0 ? `,"records":[${records.join(',')}]` : '';
  const body = `{"v":1,"dev":${JSON.stringify(dev)},"n":${n},"jobs":[${jobs.join(',')}]${more}`;
  return `${body}${SUM_MARK}${checksum(`${body}}`)}"}\n`;
}

/** A line (without its newline) back to its versions, or why it cannot be used. */
export function parseLine(line: string): TargetLine | string {
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) return `it is longer than ${MAX_LINE_BYTES} bytes`;
  const at = line.lastIndexOf(SUM_MARK);
  if (at < 0 || !line.endsWith('"}')) return 'it is incomplete';
  const body = `${line.slice(0, at)}}`;
  if (checksum(body) !== line.slice(at + SUM_MARK.length, -2)) return 'its checksum does not match';
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'it is not valid JSON';
  }
  const parsed = targetLineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `it fails the schema (${issue?.path.join('.')}: ${issue?.message ?? 'invalid'})`;
  }
  return parsed.data;
}

/**
 * The complete lines of `bytes` from `start`: those ending in a newline. What follows the last newline is a
 * line still being written (or cut short by a sync client) and is left for a later read.
 */
export function completeLines(bytes: Uint8Array, start: number): { lines: string[]; end: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const last = buffer.lastIndexOf(0x0a);
  if (last < start) return { lines: [], end: start };
  const lines = buffer
    .subarray(start, last)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
  return { lines, end: last + 1 };
}

/** Every image a job points at: its result, a rotation's source, and the images its options name. */
export function jobImages(job: Job): string[] {
  const hashes = [
    job.image,
    job.rotate?.sourceImage,
    ...optionImages(job.options as JobOptions | null | undefined).map((i) => i.hash),
  ];
  return [...new Set(hashes.filter((h): h is string => typeof h === 'string' && imageHashSchema.safeParse(h).success))];
}
