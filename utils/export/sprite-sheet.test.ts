import { describe, expect, it } from 'vitest';
import { decodePngSize, encodePng as encodeFixturePng, type Rgba } from '../../tests/fixtures/png';
import { atlasArraySchema, atlasHashSchema, hashToArray } from './atlas';
import { joinStrip, splitStrip } from './frames';
import { frameNames, slug } from './names';
import { decodeFrames, decodePng, encodeApng, type Pixels } from './png';
import { buildSpriteSheet, scalePng, sheetLayout } from './sprite-sheet';

/** A frame whose every pixel says which frame and where it is: any misplaced or blurred pixel shows. */
const colourOf = (frame: number, x: number, y: number): Rgba => [frame * 40 + 10, x * 7, y * 7, x === 0 ? 0 : 255];
const framePng = (frame: number, w = 16, h = 16) => encodeFixturePng(w, h, (x, y) => colourOf(frame, x, y));
const at = (p: Pixels, x: number, y: number) => [...p.data.subarray((y * p.width + x) * 4, (y * p.width + x) * 4 + 4)];

describe('sprite sheets', () => {
  it('lays frames on a grid with padding and scale; every rect in the JSON holds exactly its frame, unblurred', () => {
    const names = frameNames(
      ['south', 'east', 'north', 'west', 'south-east'].map((label) => ({ prompt: 'A Knight!', label })),
    );
    const frames = names.map((name, i) => ({ name, png: framePng(i) }));
    const sheet = buildSpriteSheet(frames, {
      columns: 2,
      padding: 3,
      scale: 4,
      imageName: 'knight.png',
      frameMs: 120,
      tag: 'turn',
    });

    // 2 columns x 3 rows of 64 px cells, 3 px between.
    expect(decodePngSize(sheet.png)).toEqual({ width: 2 * 64 + 3, height: 3 * 64 + 2 * 3 });
    const atlas = atlasHashSchema.parse(JSON.parse(JSON.stringify(sheet.atlas)));
    expect(Object.keys(atlas.frames)).toEqual([
      'a_knight_south',
      'a_knight_east',
      'a_knight_north',
      'a_knight_west',
      'a_knight_south_east',
    ]);
    expect(atlas.meta).toMatchObject({
      image: 'knight.png',
      size: { w: 131, h: 198 },
      frameTags: [{ name: 'turn', from: 0, to: 4 }],
    });

    const pixels = decodePng(sheet.png);
    Object.values(atlas.frames).forEach((f, i) => {
      expect(f).toMatchObject({ frame: { x: (i % 2) * 67, y: Math.floor(i / 2) * 67, w: 64, h: 64 }, duration: 120 });
      const wrong: string[] = [];
      for (let y = 0; y < 64; y++)
        for (let x = 0; x < 64; x++) {
          const want = colourOf(i, x >> 2, y >> 2);
          const got = at(pixels, f.frame.x + x, f.frame.y + y);
          // A transparent pixel's colour is not kept by every encoder; its alpha is.
          const same = want[3] === 0 ? got[3] === 0 : got.join() === want.join();
          if (!same) wrong.push(`${x},${y}: ${got} not ${want}`);
        }
      expect(wrong.slice(0, 3), `frame ${i}`).toEqual([]);
    });
    // Padding and the empty sixth cell stay transparent.
    expect(at(pixels, 65, 10)[3]).toBe(0);
    expect(at(pixels, 67 + 10, 2 * 67 + 10)[3]).toBe(0);
  });

  it('writes the same frames in the array layout too', () => {
    const sheet = buildSpriteSheet([
      { name: 'a', png: framePng(0) },
      { name: 'b', png: framePng(1) },
    ]);
    const array = atlasArraySchema.parse(JSON.parse(JSON.stringify(hashToArray(sheet.atlas))));
    expect(array.frames.map((f) => [f.filename, f.frame.x])).toEqual([
      ['a', 0],
      ['b', 16],
    ]);
    expect(array.frames[0]).not.toHaveProperty('duration');
  });

  it('puts a smaller frame at its cell’s top-left, with its own rect', () => {
    const sheet = buildSpriteSheet([
      { name: 'big', png: framePng(0, 32, 24) },
      { name: 'small', png: framePng(1, 8, 8) },
    ]);
    expect([sheet.width, sheet.height]).toEqual([64, 24]);
    expect(sheet.atlas.frames.small!.frame).toEqual({ x: 32, y: 0, w: 8, h: 8 });
  });

  it('refuses what would not load: duplicate names, zoom past 8, a side past 16384 px', () => {
    expect(() =>
      buildSpriteSheet([
        { name: 'a', png: framePng(0) },
        { name: 'a', png: framePng(1) },
      ]),
    ).toThrow(/own name/);
    expect(() => buildSpriteSheet([{ name: 'a', png: framePng(0) }], { scale: 9 })).toThrow(/1 to 8/);
    expect(() => buildSpriteSheet([{ name: 'a', png: framePng(0) }], { scale: 1.5 })).toThrow(/1 to 8/);
    expect(() => sheetLayout(200, 400, 400, { columns: 200 })).toThrow(/16384/);
    expect(() => buildSpriteSheet([])).toThrow(/at least one/);
  });

  it('takes the frames of a strip (an animation, a turnaround) as they are', () => {
    const strip = joinStrip([0, 1, 2, 3].map((i) => decodePng(framePng(i))));
    const frames = splitStrip(strip, 4).map((pixels, i) => ({ name: `f${i}`, pixels }));
    const sheet = buildSpriteSheet(frames, { columns: 2 });
    expect([sheet.width, sheet.height, sheet.rows]).toEqual([32, 32, 2]);
    const pixels = decodePng(sheet.png);
    expect(at(pixels, 16 + 5, 16 + 3)).toEqual([...colourOf(3, 5, 3)]);
  });
});

describe('scaled PNGs and animations', () => {
  it('scales a PNG by a whole number, each pixel a block, nothing smoothed', () => {
    const png = encodeFixturePng(3, 2, (x, y) => [x * 100, y * 100, 50, 255]);
    const big = scalePng(png, 8);
    expect(decodePngSize(big)).toEqual({ width: 24, height: 16 });
    const pixels = decodePng(big);
    const colours = new Set<string>();
    for (let y = 0; y < 16; y++) for (let x = 0; x < 24; x++) colours.add(at(pixels, x, y).join());
    expect(colours.size).toBe(6);
    expect(at(pixels, 23, 15)).toEqual([200, 100, 50, 255]);
    expect(scalePng(png, 1)).toBe(png);
  });

  it('writes an APNG with one delay a frame', () => {
    const frames = [0, 1, 2].map((i) => decodePng(framePng(i)));
    const apng = encodeApng(frames, [100, 150, 200]);
    const back = decodeFrames(apng);
    expect(back.frames).toHaveLength(3);
    expect(back.delays).toEqual([100, 150, 200]);
    expect([...back.frames[2]!.subarray(4, 8)]).toEqual([...colourOf(2, 1, 0)]);
  });
});

describe('frame names', () => {
  it('are short, safe and unique', () => {
    expect(slug('Ça va? A very, very long prompt about a knight in shining armour')).toBe(
      'ca_va_a_very_very_long_prompt_ab',
    );
    expect(slug('!!!')).toBe('sprite');
    expect(
      frameNames([
        { prompt: 'tree' },
        { prompt: 'tree' },
        { prompt: 'tree', label: 'east' },
        { prompt: 'tree', label: 'East' },
      ]),
    ).toEqual(['tree_00', 'tree_01', 'tree_east', 'tree_east_2']);
  });
});
