/**
 * Animated GIF of equal-sized frames, by gifenc (maintained, small, pure JS). Pixel art usually has far fewer than
 * 256 colours, so they are kept exactly; only a picture with more is quantized. GIF transparency is one bit: a
 * pixel under half alpha is transparent. Delays are in ms; GIF stores hundredths of a second.
 */
import { applyPalette, GIFEncoder, type Palette, quantize } from 'gifenc';
import type { Pixels } from './png';

/** Index 0 is the transparent colour; 255 more are left for the picture. */
const MAX_EXACT = 255;

export function encodeGif(frames: readonly Pixels[], delaysMs: readonly number[]): Uint8Array {
  const [first] = frames;
  if (!first) throw new Error('An animation needs at least one frame');
  if (frames.some((f) => f.width !== first.width || f.height !== first.height))
    throw new Error('Every frame of an animation must be the same size');
  if (delaysMs.length !== frames.length) throw new Error('Give one delay per frame');

  const exact = exactPalette(frames);
  const gif = GIFEncoder();
  const palette: Palette = exact ? [[0, 0, 0], ...exact.colours] : quantizeAll(frames);
  frames.forEach((frame, i) => {
    const index = exact ? indexExactly(frame, exact.lookup) : indexNearest(frame, palette);
    gif.writeFrame(index, first.width, first.height, {
      palette: i === 0 ? palette : undefined,
      transparent: true,
      transparentIndex: 0,
      delay: delaysMs[i],
      repeat: 0,
    });
  });
  gif.finish();
  return gif.bytes();
}

const rgbAt = (d: Uint8Array, i: number) => (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;

/** The frames' opaque colours, when there are few enough to keep them all. */
function exactPalette(frames: readonly Pixels[]): { colours: number[][]; lookup: Map<number, number> } | null {
  const lookup = new Map<number, number>();
  for (const { data } of frames)
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! < 128) continue;
      const rgb = rgbAt(data, i);
      if (!lookup.has(rgb)) {
        if (lookup.size === MAX_EXACT) return null;
        lookup.set(rgb, lookup.size + 1);
      }
    }
  const colours = [...lookup.keys()].map((rgb) => [rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff]);
  return { colours, lookup };
}

function indexExactly({ data }: Pixels, lookup: Map<number, number>): Uint8Array {
  const index = new Uint8Array(data.length / 4);
  for (let p = 0; p < index.length; p++) index[p] = data[p * 4 + 3]! < 128 ? 0 : lookup.get(rgbAt(data, p * 4))!;
  return index;
}

/** More than 255 colours: one palette for every frame, from all of them (index 0 kept transparent). */
function quantizeAll(frames: readonly Pixels[]): Palette {
  const all = new Uint8Array(frames.reduce((n, f) => n + f.data.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f.data, at);
    at += f.data.length;
  }
  return [[0, 0, 0], ...quantize(all, MAX_EXACT)];
}

function indexNearest({ data }: Pixels, palette: Palette): Uint8Array {
  const index = applyPalette(data, palette.slice(1));
  for (let p = 0; p < index.length; p++) index[p] = data[p * 4 + 3]! < 128 ? 0 : index[p]! + 1;
  return index;
}
