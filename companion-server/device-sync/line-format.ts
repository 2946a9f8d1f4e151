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
