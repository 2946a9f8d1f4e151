import { browser } from 'wxt/browser';
import { z } from 'zod';
import { INTENT_CHANNEL, type IntentInput, type IntentReply, intentSchema } from '@/utils/intents/protocol';
import { keys } from '@/utils/storage/keys';
import { storedJobSchema } from '@/utils/storage/layout';
import { pngDataUrlToBytes } from './domain/data-url';
import { errorMessage } from './domain/error-message';
import type { Job } from './domain/job';
import { lastSeedJobId, toSeedJob } from './domain/seed';

/**
 * What the panel does besides reading storage: send intents to the background, and the
 * exports, downloads and clipboard copies that run in the panel page itself (read-only).
 */

export interface IntentRuntime {
  sendMessage(message: unknown): Promise<unknown>;
}

const replySchema = z.union([
  z.object({
    ok: z.literal(true),
    ids: z.array(z.string()).optional(),
    imported: z.number().optional(),
    skipped: z.number().optional(),
    message: z.string().optional(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Sends one intent to the background; never throws: failures come back as `{ ok: false, error }`. */
export async function sendIntent(
  intent: IntentInput,
  runtime: IntentRuntime = browser.runtime as unknown as IntentRuntime,
): Promise<IntentReply> {
  const parsed = intentSchema.safeParse(intent);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return { ok: false, error: `Invalid ${intent.type} request${where}: ${issue?.message ?? 'bad input'}` };
  }
  let raw: unknown;
  try {
    raw = await runtime.sendMessage({ channel: INTENT_CHANNEL, intent: parsed.data });
  } catch (error) {
    return { ok: false, error: `The extension background did not answer: ${errorMessage(error)}` };
  }
  const reply = replySchema.safeParse(raw);
  if (!reply.success) {
    return {
      ok: false,
      error:
        raw === undefined
          ? 'The extension background did not answer.'
          : 'The extension background sent an unreadable answer.',
    };
  }
  return reply.data;
}

/** The read half of a StorageArea. */
export interface ReadableStorage {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
}

const CHUNK = 400;

/** The ids of every live job, newest first: the index, or the head when there is no index. */
async function listIds(storage: ReadableStorage): Promise<string[]> {
  const got = await storage.get([keys.index, keys.head]);
  const index = got[keys.index];
  if (Array.isArray(index)) {
    return index.flatMap((e: unknown) =>
      e && typeof e === 'object' && typeof (e as { id?: unknown }).id === 'string' ? [(e as { id: string }).id] : [],
    );
  }
  const head = got[keys.head];
  return Array.isArray(head) ? head.filter((id): id is string => typeof id === 'string') : [];
}

/** Walks every live job in chunks, so a 10,000-job history never sits in memory twice. */
async function* eachJobChunk(storage: ReadableStorage): AsyncGenerator<Job[]> {
  const ids = await listIds(storage);
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
): Promise<string[]> {
  const parts: string[] = ['{"jobs":['];
  const seen: Pick<Job, 'id'>[] = [];
  let first = true;
  for await (const jobs of eachJobChunk(storage)) {
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

/** `pixellab-history-2025-01-31T10-00-00.json` */
export function exportFilename(ext: 'json' | 'csv', now: Date = new Date()): string {
  return `pixellab-history-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.${ext}`;
}

/** `pixellab-job-123-heroic-knight-with-glowing.png` */
export function pngFilename(job: Pick<Job, 'id' | 'prompt'>): string {
  const slug = job.prompt
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `pixellab-${job.id.replace(/[^A-Za-z0-9._-]/g, '_')}${slug ? `-${slug}` : ''}.png`;
}

/** Saves a URL (data: or blob:) as a file through a temporary link. */
export function downloadUrl(url: string, filename: string, doc: Document = document): void {
  const link = doc.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.style.display = 'none';
  doc.body.append(link);
  link.click();
  link.remove();
}

export function downloadBlob(blob: Blob, filename: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  downloadUrl(url, filename, doc);
  // The download has started by the next task; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads a job's PNG; false when its image is not loaded. */
export function downloadJobPng(
  job: Pick<Job, 'id' | 'prompt'>,
  dataUrl: string | undefined,
  doc: Document = document,
): boolean {
  if (!dataUrl) return false;
  downloadUrl(dataUrl, pngFilename(job), doc);
  return true;
}

export interface ClipboardLike {
  writeText(text: string): Promise<void>;
}

/** Copies text; rejects with a readable message when the clipboard refuses. */
export async function copyText(
  text: string,
  clipboard: ClipboardLike | undefined = globalThis.navigator?.clipboard,
): Promise<void> {
  if (!clipboard) throw new Error('The clipboard is not available here.');
  try {
    await clipboard.writeText(text);
  } catch (error) {
    throw new Error(`Could not copy to the clipboard: ${errorMessage(error)}`);
  }
}
