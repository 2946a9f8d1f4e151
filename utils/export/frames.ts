/**
 * Frames of a picture: cut from a strip, laid into a strip, scaled up by whole numbers. A result of several images
 * (an animation, a v2 turnaround) is kept as one strip PNG, so each job still has exactly one image to sync.
 */
import { blankPixels, type Pixels } from './png';

/** Copies a w x h rectangle of `from` at (sx, sy) into `to` at (dx, dy). */
export function blit(from: Pixels, to: Pixels, sx: number, sy: number, dx: number, dy: number, w: number, h: number) {
  for (let y = 0; y < h; y++) {
    const src = ((sy + y) * from.width + sx) * 4;
    const dst = ((dy + y) * to.width + dx) * 4;
    to.data.set(from.data.subarray(src, src + w * 4), dst);
  }
}

/** Frames side by side, left to right (all the same size). */
export function joinStrip(frames: readonly Pixels[]): Pixels {
  const [first] = frames;
  if (!first) throw new Error('A strip needs at least one frame');
  const strip = blankPixels(first.width * frames.length, first.height);
  frames.forEach((frame, i) => {
    if (frame.width !== first.width || frame.height !== first.height)
      throw new Error('Every frame of a strip must be the same size');
    blit(frame, strip, 0, 0, i * first.width, 0, first.width, first.height);
  });
  return strip;
}

/** The `count` frames of a strip, left to right. */
export function splitStrip(strip: Pixels, count: number): Pixels[] {
  if (!Number.isInteger(count) || count < 1 || strip.width % count !== 0)
    throw new Error(`A strip ${strip.width} wide cannot hold ${count} equal frames`);
  const width = strip.width / count;
  return Array.from({ length: count }, (_, i) => {
    const frame = blankPixels(width, strip.height);
    blit(strip, frame, i * width, 0, 0, 0, width, strip.height);
    return frame;
  });
}

/** Nearest-neighbour upscale by a whole factor: each pixel becomes a factor x factor block, never blurred. */
export function scaleNearest(pixels: Pixels, factor: number): Pixels {
  if (!Number.isInteger(factor) || factor < 1 || factor > 64) throw new Error('Scale by a whole number from 1 to 64');
  if (factor === 1) return pixels;
  const out = blankPixels(pixels.width * factor, pixels.height * factor);
  const data = pixels.data.byteOffset % 4 === 0 ? pixels.data : pixels.data.slice();
  const src32 = new Uint32Array(data.buffer, data.byteOffset, pixels.width * pixels.height);
  const dst32 = new Uint32Array(out.data.buffer);
  for (let y = 0; y < pixels.height; y++) {
    const row = new Uint32Array(out.width);
    for (let x = 0; x < pixels.width; x++) row.fill(src32[y * pixels.width + x]!, x * factor, (x + 1) * factor);
    for (let k = 0; k < factor; k++) dst32.set(row, (y * factor + k) * out.width);
  }
  return out;
}
