import { zipSync } from 'fflate';
import { pngDataUrlToBytes } from '@/utils/domain/data-url';
import type { Job } from '@/utils/domain/job';
import { slug } from '@/utils/export/names';
import { scalePng } from '@/utils/export/sprite-sheet';
import { csvField, eachJobChunk, exportJsonParts } from '@/utils/panel/export';
import type { ReadableStorage } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';

/**
 * A selection as files, read from storage by the panel page (read-only): a ZIP of its PNGs, its jobs as the
 * seed's job_history.json (the import takes it back), or CSV. Imported only when the user asks for one.
 */

export const SELECTION_CSV_COLUMNS = [
  'id',
  'created',
  'prompt',
  'size',
  'status',
  'rating',
  'tags',
  'boards',
  'cost_usd',
] as const;

/** One row of the selection's CSV; lists joined with `; ` (a tag never holds one: normalizeTag). */
export function selectionCsvRow(job: Job, boardName: (id: string) => string): string {
  return [
    job.id,
    new Date(job.createdAt).toISOString(),
    job.prompt,
    `${job.width}x${job.height}`,
    job.status,
    job.rating ?? null,
    (job.tags ?? []).join('; '),
    (job.boards ?? []).map(boardName).join('; '),
    job.usd ?? null,
  ]
    .map(csvField)
    .join(',');
}

/** The selection as CSV, a header first, CRLF line ends, in the order given. */
export async function selectionCsv(
  storage: ReadableStorage,
  ids: readonly string[],
  boardName: (id: string) => string = (id) => id,
): Promise<string> {
  const lines: string[] = [SELECTION_CSV_COLUMNS.join(',')];
  for await (const jobs of eachJobChunk(storage, ids))
    for (const job of jobs) lines.push(selectionCsvRow(job, boardName));
  return `${lines.join('\r\n')}\r\n`;
}

/** The selection in the seed's job_history.json format, images inside as data URLs. */
export async function selectionJson(
  storage: ReadableStorage,
  ids: readonly string[],
  now = new Date(),
): Promise<string> {
  return (await exportJsonParts(storage, now, ids)).join('');
}

/** `heroic_knight_job-12.png`, `…@4x.png`: the prompt to find it by, the id to keep two apart. */
export function zipEntryName(job: Pick<Job, 'id' | 'prompt'>, scale: number): string {
  const id = job.id.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${slug(job.prompt)}_${id}${scale > 1 ? `@${scale}x` : ''}.png`;
}

export interface SelectionZip {
  bytes: Uint8Array;
  /** PNGs in the ZIP. */
  files: number;
  /** Selected jobs without an image in this browser (failed, waiting, or not fetched yet). */
  without: number;
}

/** The selection's PNGs at a whole-number zoom (nearest neighbour), stored uncompressed (PNG is deflated already). */
export async function selectionZip(storage: ReadableStorage, ids: readonly string[], scale = 1): Promise<SelectionZip> {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  let count = 0;
  let without = 0;
  for await (const jobs of eachJobChunk(storage, ids)) {
    const withImage = jobs.filter((j) => j.image);
    without += jobs.length - withImage.length;
    const got = withImage.length ? await storage.get(withImage.map((j) => keys.image(j.image!))) : {};
    for (const job of withImage) {
      const url = got[keys.image(job.image!)];
      const png = typeof url === 'string' ? pngDataUrlToBytes(url) : null;
      if (!png) {
        without++;
        continue;
      }
      files[zipEntryName(job, scale)] = [scale === 1 ? png : scalePng(png, scale), { level: 0 }];
      count++;
    }
  }
  return { bytes: zipSync(files), files: count, without };
}

/** A selection as the file `kind` asks for (what the bulk bar downloads). */
export async function exportSelection(
  storage: ReadableStorage,
  kind: 'zip' | 'json' | 'csv',
  ids: readonly string[],
  options: { scale: number; boardName(id: string): string },
): Promise<{ blob: Blob; files?: number; without?: number }> {
  if (kind === 'csv')
    return {
      blob: new Blob([await selectionCsv(storage, ids, options.boardName)], { type: 'text/csv;charset=utf-8' }),
    };
  if (kind === 'json') return { blob: new Blob([await selectionJson(storage, ids)], { type: 'application/json' }) };
  const zip = await selectionZip(storage, ids, options.scale);
  return {
    blob: new Blob([zip.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
    files: zip.files,
    without: zip.without,
  };
}
