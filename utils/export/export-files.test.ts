import { describe, expect, it } from 'vitest';
import { atlasArraySchema, atlasHashSchema } from './atlas';
import { exportFiles, exportRequestSchema, paletteOf } from './export-files';
import { parseGpl } from './palette';
import { decodeFrames, decodePng, encodePng, type Pixels } from './png';

/** A w x h picture of `colours` in vertical bands, with a transparent first column. */
function picture(w: number, h: number, colours: [number, number, number][]): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = colours[x % colours.length]!;
      data.set([r, g, b, x === 0 ? 0 : 255], (y * w + x) * 4);
    }
  return encodePng({ width: w, height: h, data } as Pixels);
}

const RED: [number, number, number] = [200, 30, 30];
const BLUE: [number, number, number] = [20, 40, 220];
const directions = ['south', 'west', 'north', 'east'];
const turnaround = directions.map((label, i) => ({
  prompt: 'Armoured knight',
  label,
  png: picture(16, 24, i % 2 ? [RED, BLUE] : [BLUE, RED, RED]),
}));
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

describe('exportFiles', () => {
  it('a sprite sheet: a PNG and its atlas, both named from the prompt, the atlas rects inside the sheet', () => {
    const request = { kind: 'sheet', columns: 2, padding: 1, scale: 2, layout: 'array', frameMs: 100 } as const;
    expect(exportRequestSchema.parse(request)).toEqual(request);
    const [png, json] = exportFiles(request, turnaround);
    expect(png!.name).toBe('armoured_knight_sheet.png');
    expect(json!.name).toBe('armoured_knight_sheet.json');
    const atlas = atlasArraySchema.parse(decode(json!.bytes));
    const sheet = decodePng(png!.bytes);
    expect(atlas.meta).toMatchObject({ image: png!.name, size: { w: sheet.width, h: sheet.height } });
    expect({ w: sheet.width, h: sheet.height }).toEqual({ w: 2 * 32 + 1, h: 2 * 48 + 1 });
    expect(atlas.frames.map((f) => f.filename)).toEqual(directions.map((d) => `armoured_knight_${d}`));
    for (const f of atlas.frames) {
      expect(f.frame.x + f.frame.w).toBeLessThanOrEqual(sheet.width);
      expect(f.frame.y + f.frame.h).toBeLessThanOrEqual(sheet.height);
      expect(f.duration).toBe(100);
    }
    const hash = exportFiles({ ...request, layout: 'hash' }, turnaround)[1]!;
    expect(Object.keys(atlasHashSchema.parse(decode(hash.bytes)).frames)).toHaveLength(4);
  });

  it('an APNG and a GIF of a direction set: one frame each, at the chosen time and zoom', () => {
    const [apng] = exportFiles({ kind: 'apng', scale: 3, frameMs: 150 }, turnaround);
    expect(apng!.name).toBe('armoured_knight.apng');
    const back = decodeFrames(apng!.bytes);
    expect(back).toMatchObject({ width: 48, height: 72 });
    expect(back.frames).toHaveLength(4);
    expect(back.delays).toEqual([150, 150, 150, 150]);

    const [gif] = exportFiles({ kind: 'gif', scale: 1, frameMs: 200 }, turnaround);
    const bytes = gif!.bytes;
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a');
    // One graphic control extension (21 F9 04) per frame, each with 20 hundredths of a second.
    const delays: number[] = [];
    for (let i = 0; i + 5 < bytes.length; i++)
      if (bytes[i] === 0x21 && bytes[i + 1] === 0xf9 && bytes[i + 2] === 0x04)
        delays.push(bytes[i + 4]! | (bytes[i + 5]! << 8));
    expect(delays).toEqual([20, 20, 20, 20]);
  });

  it('an animation of frames of different sizes is refused by name', () => {
    const mixed = [turnaround[0]!, { prompt: 'Other', label: null, png: picture(32, 32, [RED]) }];
    expect(() => exportFiles({ kind: 'gif', scale: 1, frameMs: 100 }, mixed)).toThrow(/16x24 and 32x32 differ/);
  });

  it('a palette: the exact colours of all frames with counts, as .gpl that parses back, .hex and a swatch strip', () => {
    const swatches = paletteOf(turnaround);
    expect(swatches.map((s) => s.hex).sort()).toEqual(['#1428dc', '#c81e1e']);
    // 15 opaque columns of 24 rows per frame; the transparent first column is no colour.
    expect(swatches.reduce((n, s) => n + s.count, 0)).toBe(4 * 15 * 24);
    const gpl = exportFiles({ kind: 'palette', format: 'gpl' }, turnaround)[0]!;
    expect(gpl.name).toBe('armoured_knight.gpl');
    expect(parseGpl(new TextDecoder().decode(gpl.bytes)).colours.sort()).toEqual(['#1428dc', '#c81e1e']);
    const hex = exportFiles({ kind: 'palette', format: 'hex' }, turnaround)[0]!;
    expect(new TextDecoder().decode(hex.bytes).trim().split('\n')).toEqual(swatches.map((s) => s.hex.slice(1)));
    const strip = decodePng(exportFiles({ kind: 'palette', format: 'png' }, turnaround)[0]!.bytes);
    expect(strip).toMatchObject({ width: 2, height: 1 });
  });

  it('a request outside the ranges is refused before anything is made', () => {
    expect(exportRequestSchema.safeParse({ kind: 'gif', scale: 9, frameMs: 100 }).success).toBe(false);
    expect(exportRequestSchema.safeParse({ kind: 'apng', scale: 1, frameMs: 5 }).success).toBe(false);
    expect(() => exportFiles({ kind: 'palette', format: 'hex' }, [])).toThrow(/at least one image/);
  });
});
