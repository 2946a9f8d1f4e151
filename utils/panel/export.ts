import { browser } from 'wxt/browser';
import { pngDataUrlToBytes } from '@/utils/domain/data-url';
import type { Job } from '@/utils/domain/job';
import { lastSeedJobId, toSeedJob } from '@/utils/domain/seed';
import { readIndexEntries } from '@/utils/panel/index-view';
import type { ReadableStorage } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import { storedJobSchema } from '@/utils/storage/layout';

/** The history as files, read in the panel page itself (read-only): the seed's job_history.json, and CSV. */

const CHUNK = 400;

/** The ids of every live job, newest first: the index, or the head when there is no index. */
async function listIds(storage: ReadableStorage): Promise<string[]> {
  const index = await readIndexEntries(storage);
  if (index) return index.map((e) => e.id);
  const head = (await storage.get(keys.head))[keys.head];
  return Array.isArray(head) ? head.filter((id): id is string => typeof id === 'string') : [];
}

/** Walks every live job (or those of `only`) in chunks, so a 10,000-job history never sits in memory twice. */
export async function* eachJobChunk(storage: ReadableStorage, only?: readonly string[]): AsyncGenerator<Job[]> {
  const ids = only ?? (await listIds(storage));
  for (let i = 0; i < ids.length; i += CHUNK) {
    const slice = ids.slice(i, i + CHUNK);
    const got = await storage.get(slice.map(keys.job));
    const jobs: Job[] = [];
    for (const id of slice) {
      const parsed = storedJobSchema.safeParse(got[keys.job(id)]);
      if (parsed.success && !parsed.data.deleted) jobs.push(parsed.data);
    }
    yield jobs;
  }
}

/**
 * The history as the seed's job_history.json: `{ jobs, lastJobId, savedAt, version: '1.0' }`,
 * `result` as PNG data URLs. Built as text parts so large histories are not stringified twice.
 */
export async function exportJsonParts(
  storage: ReadableStorage = browser.storage.local as unknown as ReadableStorage,
  now: Date = new Date(),
  /** Only these jobs (a selection), in this order; every live job when absent. */
  only?: readonly string[],
): Promise<string[]> {
  const parts: string[] = ['{"jobs":['];
  const seen: Pick<Job, 'id'>[] = [];
  let first = true;
  for await (const jobs of eachJobChunk(storage, only)) {
    const hashes = new Set<string>();
    for (const job of jobs) {
      if (job.image) hashes.add(job.image);
      if (job.rotate) hashes.add(job.rotate.sourceImage);
    }
    const imageKeys = [...hashes].map(keys.image);
    const images = imageKeys.length ? await storage.get(imageKeys) : {};
    const getImage = (hash: string) => {
      const url = images[keys.image(hash)];
      return typeof url === 'string' ? pngDataUrlToBytes(url) : null;
    };
    for (const job of jobs) {
      parts.push((first ? '' : ',') + JSON.stringify(toSeedJob(job, getImage)));
      first = false;
      seen.push({ id: job.id });
    }
  }
  parts.push(`],"lastJobId":${lastSeedJobId(seen)},"savedAt":${JSON.stringify(now.toISOString())},"version":"1.0"}`);
  return parts;
}

export async function exportJson(storage?: ReadableStorage, now?: Date): Promise<string> {
  return (await exportJsonParts(storage, now)).join('');
}

export const CSV_COLUMNS = [
  'id',
  'status',
  'prompt',
  'width',
  'height',
  'seed',
  'duration_s',
  'created_at',
  'started_at',
  'ended_at',
  'error',
  'kind',
  'group_id',
  'image_sha256',
] as const;

/** One CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Spreadsheets run text that starts like a formula; a leading apostrophe keeps it text.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function iso(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

export function csvRow(job: Job): string {
  return [
    job.id,
    job.status,
    job.prompt,
    job.width,
    job.height,
    job.seed,
    job.duration,
    iso(job.createdAt),
    iso(job.startTime),
    iso(job.endTime),
    job.error,
    job.kind,
    job.groupId,
    job.image,
  ]
    .map(csvField)
    .join(',');
}

/** The history as CSV, a header row first, CRLF line ends; no images. */
export async function exportCsv(
  storage: ReadableStorage = browser.storage.local as unknown as ReadableStorage,
): Promise<string> {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for await (const jobs of eachJobChunk(storage)) for (const job of jobs) lines.push(csvRow(job));
  return lines.join('\r\n') + '\r\n';
}
