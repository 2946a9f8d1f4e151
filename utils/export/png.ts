/**
 * PNG in and out, as RGBA pixels: UPNG.js (photopea's PNG/APNG codec, on pako) reads; png-encode.ts writes. Pure:
 * no Node or browser API, so the panel, the companion and the tests share it. Loaded only when an export or a
 * multi-frame result needs it, never on the panel's first paint.
 */
import UPNG from 'upng-js';
import { writeApng, writePng } from './png-encode';

/** Straight (not premultiplied) RGBA, 4 bytes a pixel, rows top to bottom. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array;
}

export function blankPixels(width: number, height: number): Pixels {
  return { width, height, data: new Uint8Array(width * height * 4) };
}

/** The first frame of a PNG (an APNG's default image) as RGBA. */
export function decodePng(png: Uint8Array): Pixels {
  const image = UPNG.decode(toArrayBuffer(png));
  const [rgba] = UPNG.toRGBA8(image);
  if (!rgba) throw new Error('The PNG holds no image');
  return { width: image.width, height: image.height, data: new Uint8Array(rgba) };
}

/** Every frame of an (A)PNG, composited, with its delay in ms (a still PNG is one frame with delay 0). */
export function decodeFrames(png: Uint8Array): {
  width: number;
  height: number;
  frames: Uint8Array[];
  delays: number[];
} {
  const image = UPNG.decode(toArrayBuffer(png));
  const frames = UPNG.toRGBA8(image).map((buffer) => new Uint8Array(buffer));
  const delays = image.frames.length > 0 ? image.frames.map((f) => f.delay) : [0];
  return { width: image.width, height: image.height, frames, delays };
}

/** A lossless RGBA PNG. */
export function encodePng(pixels: Pixels): Uint8Array {
  return writePng(pixels.data, pixels.width, pixels.height);
}

/** An animated PNG: every frame the same size, each shown for its delay in ms; it loops forever. */
export function encodeApng(frames: readonly Pixels[], delaysMs: readonly number[]): Uint8Array {
  const [first] = frames;
  if (!first) throw new Error('An animation needs at least one frame');
  if (frames.some((f) => f.width !== first.width || f.height !== first.height))
    throw new Error('Every frame of an animation must be the same size');
  if (delaysMs.length !== frames.length) throw new Error('Give one delay per frame');
  return writeApng(
    frames.map((f) => f.data),
    first.width,
    first.height,
    delaysMs,
  );
}

/** The bytes as their own ArrayBuffer (UPNG reads and writes whole buffers). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;
}
