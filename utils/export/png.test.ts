import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../tests/helpers/seeded-random';
import { decodeFrames, decodePng, encodeApng, encodePng, type Pixels } from './png';

const noise = (w: number, h: number, seed: number): Pixels => {
  const rand = seededRandom(seed);
  return { width: w, height: h, data: Uint8Array.from({ length: w * h * 4 }, () => Math.floor(rand() * 256)) };
};

/** The IDAT, inflated by Node's zlib and unfiltered by hand: a reader that shares no code with the writer. */
function readByHand(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  let at = 8;
  const idat: Uint8Array[] = [];
  while (at < png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      out[y * stride + x] = filter === 2 && y > 0 ? (value + out[(y - 1) * stride + x]!) & 0xff : value;
    }
  }
  return out;
}

describe('PNG writing', () => {
  it('keeps every pixel of tiny, tall and noisy pictures, and ends with IEND', () => {
    for (const [w, h, seed] of [
      [1, 1, 1],
      [2, 1, 2],
      [1, 40, 3],
      [64, 64, 4],
    ] as const) {
      const pixels = noise(w, h, seed);
      const png = encodePng(pixels);
      expect(String.fromCharCode(...png.subarray(png.length - 8, png.length - 4)), `${w}x${h}`).toBe('IEND');
      expect(readByHand(png)).toEqual(pixels.data);
      expect(decodePng(png).data).toEqual(pixels.data);
    }
  });

  it('writes an APNG whose frames and delays read back', () => {
    const frames = [noise(5, 3, 1), noise(5, 3, 2)];
    const back = decodeFrames(encodeApng(frames, [40, 1000]));
    expect(back.delays).toEqual([40, 1000]);
    expect(back.frames).toEqual(frames.map((f) => f.data));
  });
});
