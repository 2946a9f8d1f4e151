import { pngDataUrlToBytes } from '@/utils/domain/data-url';
import { decodePng } from '@/utils/export/png';
import { colourCodes } from '@/utils/storage/colours';

/** The sorted colour codes (utils/storage/colours.ts) of a stored image, a PNG data URL. */
export function colourCodesOfPng(dataUrl: string): string {
  const bytes = pngDataUrlToBytes(dataUrl);
  if (!bytes) throw new Error('Not a PNG data URL');
  return colourCodes(decodePng(bytes).data);
}
