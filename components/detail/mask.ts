import { writePng } from '@/utils/export/png-encode';

/**
 * An inpaint mask: one byte per pixel of the job's image, 1 where PixelLab repaints. Pure, so the painter's
 * strokes and the PNG it sends are tested without a canvas.
 */
export interface Mask {
  width: number;
  height: number;
  cells: Uint8Array;
}

export function emptyMask(width: number, height: number): Mask {
  return { width, height, cells: new Uint8Array(width * height) };
}

/** A square brush of `size` pixels, centred on (x, y) (left and up of centre for even sizes). */
export function paintBrush(mask: Mask, x: number, y: number, size: number, value: 0 | 1): Mask {
  const half = Math.floor((size - 1) / 2);
  return paintRect(mask, x - half, y - half, x - half + size - 1, y - half + size - 1, value);
}

/** Every pixel between two corners (inclusive, in any order), clipped to the image. */
export function paintRect(mask: Mask, x0: number, y0: number, x1: number, y1: number, value: 0 | 1): Mask {
  const cells = mask.cells.slice();
  const [left, right] = [Math.max(0, Math.min(x0, x1)), Math.min(mask.width - 1, Math.max(x0, x1))];
  const [top, bottom] = [Math.max(0, Math.min(y0, y1)), Math.min(mask.height - 1, Math.max(y0, y1))];
  for (let y = top; y <= bottom; y++) cells.fill(value, y * mask.width + left, y * mask.width + right + 1);
  return { ...mask, cells };
}

/** The pixels along a stroke from one pointer position to the next, so a fast drag leaves no gaps. */
export function paintLine(
  mask: Mask,
  from: { x: number; y: number },
  to: { x: number; y: number },
  size: number,
  value: 0 | 1,
): Mask {
  const steps = Math.max(Math.abs(to.x - from.x), Math.abs(to.y - from.y), 1);
  let out = mask;
  for (let i = 0; i <= steps; i++) {
    const x = Math.round(from.x + ((to.x - from.x) * i) / steps);
    const y = Math.round(from.y + ((to.y - from.y) * i) / steps);
    out = paintBrush(out, x, y, size, value);
  }
  return out;
}

export function invertMask(mask: Mask): Mask {
  return { ...mask, cells: mask.cells.map((c) => 1 - c) };
}

export function paintedCount(mask: Mask): number {
  let n = 0;
  for (const c of mask.cells) n += c;
  return n;
}

/** PixelLab's mask: opaque white where it repaints, opaque black where it keeps the image. */
export function maskPng(mask: Mask): Uint8Array {
  const rgba = new Uint8Array(mask.width * mask.height * 4);
  for (let i = 0; i < mask.cells.length; i++) {
    const v = mask.cells[i] ? 255 : 0;
    rgba.set([v, v, v, 255], i * 4);
  }
  return writePng(rgba, mask.width, mask.height);
}

/** The painted part as a translucent overlay (RGBA) for the painter's canvas. */
export function overlayPixels(mask: Mask): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(mask.width * mask.height * 4);
  for (let i = 0; i < mask.cells.length; i++) if (mask.cells[i]) rgba.set([255, 0, 96, 150], i * 4);
  return rgba;
}
