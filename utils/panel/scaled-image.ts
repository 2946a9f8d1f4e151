import { pngDataUrlToBytes } from '@/utils/domain/data-url';
import { errorMessage } from '@/utils/domain/error-message';
import type { Job } from '@/utils/domain/job';
import { pngFilename } from '@/utils/panel/download';

/** The PNG bytes of a data URL (the panel keeps images as data URLs). */
export function dataUrlBytes(dataUrl: string): Uint8Array {
  const bytes = pngDataUrlToBytes(dataUrl);
  if (!bytes) throw new Error('The image is not a PNG data URL');
  return bytes;
}

/**
 * The image as a PNG scaled up by a whole number with nearest neighbour: the exporter's own scalePng (decode,
 * block-copy, encode), imported on first use so the PNG codec stays off the panel's first paint.
 */
export async function scaledPngBlob(dataUrl: string, scale: number): Promise<Blob> {
  const { scalePng } = await import('@/utils/export/sprite-sheet');
  const png = scalePng(dataUrlBytes(dataUrl), scale);
  return new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

/** `pixellab-job-7-knight@4x.png`; 1x keeps the plain name. */
export function scaledFilename(job: Pick<Job, 'id' | 'prompt'>, scale: number): string {
  const name = pngFilename(job);
  return scale === 1 ? name : name.replace(/\.png$/, `@${scale}x.png`);
}

export interface ImageClipboard {
  write(items: ClipboardItem[]): Promise<void>;
}

/** Puts a PNG on the clipboard; rejects with a readable message when the browser refuses. */
export async function copyPng(
  blob: Blob,
  clipboard: ImageClipboard | undefined = globalThis.navigator?.clipboard,
  Item: typeof ClipboardItem | undefined = globalThis.ClipboardItem,
): Promise<void> {
  if (!clipboard?.write || !Item) throw new Error('Copying images is not available in this browser.');
  try {
    await clipboard.write([new Item({ 'image/png': blob })]);
  } catch (error) {
    throw new Error(`Could not copy the image: ${errorMessage(error)}`);
  }
}
