import { errorMessage } from '@/utils/domain/error-message';
import type { Job } from '@/utils/domain/job';
import { pngFilename } from '@/utils/panel/download';

/** The bytes of a base64 `data:` URL (the panel keeps images as data URLs). */
export function dataUrlBytes(dataUrl: string): Uint8Array {
  const comma = dataUrl.indexOf(',');
  if (!dataUrl.startsWith('data:') || comma < 0 || !dataUrl.slice(0, comma).endsWith(';base64'))
    throw new Error('The image is not a base64 data URL');
  const text = atob(dataUrl.slice(comma + 1));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
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
