import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COLOUR_BUCKETS,
  codeColour,
  codesHold,
  colourBucketOf,
  colourCode,
  colourCodes,
  decodeBucket,
  decodeColourEntry,
  encodeBucket,
  encodeColourEntry,
  hexOfColour,
  parseHexColour,
} from '@/utils/storage/colours';

const rgb = fc.integer({ min: 0, max: 0xffffff });
/** RGBA pixels drawn from a small random palette, some fully transparent, some half. */
const pixelsArb = fc
  .tuple(fc.array(rgb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 300 }))
  .chain(([palette, n]) =>
    fc.array(fc.tuple(fc.constantFrom(...palette), fc.constantFrom(0, 0, 128, 255, 255)), {
      minLength: n,
      maxLength: n,
    }),
  )
  .map((pixels) => {
    const data = new Uint8Array(pixels.length * 4);
    for (const [i, [c, a]] of pixels.entries()) data.set([c >> 16, (c >> 8) & 255, c & 255, a], i * 4);
    return data;
  });

/** The brute force: every pixel with alpha > 0, its RGB. */
function bruteColours(data: Uint8Array): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < data.length; i += 4)
    if (data[i + 3]! > 0) out.add(data[i]! * 65536 + data[i + 1]! * 256 + data[i + 2]!);
  return out;
}

describe('the colour index of one image', () => {
  it('codes round-trip every colour, and hex names round-trip', () => {
    fc.assert(
      fc.property(rgb, (c) => {
        expect(colourCode(c)).toHaveLength(4);
        expect(codeColour(colourCode(c))).toBe(c);
        expect(parseHexColour(hexOfColour(c))).toBe(c);
        expect(parseHexColour(hexOfColour(c).toUpperCase().slice(1))).toBe(c);
      }),
    );
    expect(parseHexColour('#12345')).toBeNull();
    expect(parseHexColour('red')).toBeNull();
  });

  it('holds exactly the opaque colours of the pixels, as brute force finds them, sorted and once each', () => {
    fc.assert(
      fc.property(pixelsArb, fc.array(rgb, { maxLength: 20 }), (data, probes) => {
        const codes = colourCodes(data);
        const expected = bruteColours(data);
        const cells = codes.match(/.{4}/g) ?? [];
        expect(cells.length).toBe(expected.size);
        expect(new Set(cells.map(codeColour))).toEqual(expected);
        expect([...cells].sort()).toEqual(cells);
        for (const c of [...expected, ...probes]) expect(codesHold(codes, colourCode(c))).toBe(expected.has(c));
      }),
    );
  });

  it('a fully transparent image has no colours', () => {
    expect(colourCodes(new Uint8Array([1, 2, 3, 0, 4, 5, 6, 0]))).toBe('');
    expect(codesHold('', colourCode(0x010203))).toBe(false);
  });
});

describe('colour buckets', () => {
  it('spread job ids over every bucket, stably', () => {
    const counts = new Array(COLOUR_BUCKETS).fill(0);
    for (let i = 0; i < 25_600; i++) counts[colourBucketOf(`job-${i}`)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(160);
    expect(colourBucketOf('job-1')).toBe(colourBucketOf('job-1'));
  });

  it('round-trip, and an unreadable bucket reads as null (absent: empty)', () => {
    const entry = { hash8: 'deadbeef', codes: colourCode(0xff0000) + colourCode(0x00ff00) };
    const bucket = new Map([['a', encodeColourEntry(entry)]]);
    const decoded = decodeBucket(encodeBucket(bucket))!;
    expect(decoded).toEqual(bucket);
    expect(decodeColourEntry(decoded.get('a')!)).toEqual(entry);
    expect(decodeBucket(undefined)).toEqual(new Map());
    expect(decodeBucket('{not json')).toBeNull();
    expect(decodeBucket(JSON.stringify({ a: 'nothex:AAAA' }))).toBeNull();
    expect(decodeBucket(JSON.stringify({ a: 'deadbeef:AAA' }))).toBeNull();
    expect(decodeBucket(JSON.stringify({ a: 'deadbeefAAAAA' }))).toBeNull();
    expect(decodeBucket(JSON.stringify({ a: 7 }))).toBeNull();
    expect(decodeBucket(42)).toBeNull();
  });
});
