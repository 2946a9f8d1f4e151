import { bytesToPngDataUrl, pngDataUrlToBytes, sha256Hex } from '@/utils/domain';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';

/**
 * `putImage`: a PNG only the browser has (a dropped reference, a painted mask) joins the history store's images,
 * content-addressed, so a job's options can name it; submit.ts sends it to the companion when a job asks for it.
 */
export function createImageHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'putImage'> {
  return {
    async putImage({ dataUrl }) {
      const bytes = pngDataUrlToBytes(dataUrl);
      if (!bytes) return fail('The image is not a PNG: pick or drop a .png file.');
      const hash = sha256Hex(bytes);
      // Same bytes, same key: a second put of one image changes nothing.
      if (!(await ctx.store.hasImages([hash])).has(hash)) await ctx.store.putImage(hash, bytesToPngDataUrl(bytes));
      return { ok: true, hash };
    },
  };
}
