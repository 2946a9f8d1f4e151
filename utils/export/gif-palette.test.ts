import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { encodeGif } from './gif';
import { extractPalette, parseGpl, toGpl, toHex, toSwatchPng } from './palette';
import { decodePng, type Pixels } from './png';

/** Decoded by omggif, an independent GIF reader: frame count, delays (in 1/100 s) and every pixel. */
function readGif(bytes: Uint8Array) {
  const reader = new GifReader(bytes);
  return Array.from({ length: reader.numFrames() }, (_, i) => {
    const rgba = new Uint8Array(reader.width * reader.height * 4);
    reader.decodeAndBlitFrameRGBA(i, rgba);
    return { delay: reader.frameInfo(i).delay, rgba, loops: reader.loopCount() };
  });
}

const fill = (w: number, h: number, colour: (x: number, y: number) => number[]): Pixels => {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(colour(x, y), (y * w + x) * 4);
  return { width: w, height: h, data };
};

describe('animated GIF', () => {
  it('has one frame a frame, each with its delay, looping forever, colours kept exactly', () => {
    const frames = ['a', 'b', 'c', 'd'].map((t) => decodePng(makeSprite(32, 32, t, true)));
    const gif = readGif(encodeGif(frames, [100, 100, 250, 80]));
    expect(gif.map((f) => f.delay)).toEqual([10, 10, 25, 8]);
    expect(gif[0]!.loops).toBe(0);
    frames.forEach((frame, i) => {
      const got = gif[i]!.rgba;
      let wrong = 0;
      for (let p = 0; p < frame.data.length; p += 4) {
        const transparent = frame.data[p + 3]! < 128;
        if (transparent ? got[p + 3] !== 0 : got.subarray(p, p + 3).join() !== frame.data.subarray(p, p + 3).join())
          wrong++;
      }
      expect(wrong, `frame ${i}`).toBe(0);
    });
  });

  it('quantizes a picture of more than 255 colours, and still writes every frame', () => {
    const busy = fill(32, 32, (x, y) => [x * 8, y * 8, (x ^ y) * 8, 255]);
    const gif = readGif(encodeGif([busy, busy], [50, 50]));
    expect(gif).toHaveLength(2);
    expect(Math.abs(gif[1]!.rgba[31 * 4]! - 248)).toBeLessThan(40);
  });

  it('refuses frames of different sizes', () => {
    expect(() => encodeGif([fill(2, 2, () => [0, 0, 0, 255]), fill(3, 2, () => [0, 0, 0, 255])], [1, 1])).toThrow(
      /same size/,
    );
  });
});

describe('palettes', () => {
  const picture = fill(4, 2, (x) => (x === 0 ? [0, 0, 0, 0] : x === 1 ? [255, 0, 16, 255] : [18, 52, 86, 255]));

  it('lists the exact colours with counts, most used first; transparent is no colour', () => {
    expect(extractPalette(picture)).toEqual([
      { hex: '#123456', r: 18, g: 52, b: 86, count: 4 },
      { hex: '#ff0010', r: 255, g: 0, b: 16, count: 2 },
    ]);
  });

  it('writes a .gpl that parses back, a .hex, and a 1xN swatch PNG', () => {
    const swatches = extractPalette(picture);
    const gpl = toGpl(swatches, 'knight\nsouth');
    expect(parseGpl(gpl)).toEqual({ name: 'knight south', colours: ['#123456', '#ff0010'] });
    expect(toHex(swatches)).toBe('123456\nff0010\n');
    const strip = decodePng(toSwatchPng(swatches));
    expect([strip.width, strip.height, ...strip.data]).toEqual([2, 1, 18, 52, 86, 255, 255, 0, 16, 255]);
    expect(() => parseGpl('not a palette')).toThrow(/GIMP Palette/);
  });
});
