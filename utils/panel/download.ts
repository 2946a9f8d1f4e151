import { errorMessage } from '@/utils/domain/error-message';
import type { Job } from '@/utils/domain/job';

/** Downloads and clipboard copies, done by the panel page itself. */

/** `pixellab-history-2025-01-31T10-00-00.json` */
export function exportFilename(
  ext: 'json' | 'csv',
  what: 'history' | 'ledger' = 'history',
  now: Date = new Date(),
): string {
  return `pixellab-${what}-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.${ext}`;
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
