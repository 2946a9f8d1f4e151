import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from './printable';

describe('printable', () => {
  it('drops newlines, terminal escapes, C1 controls and bidi overrides', () => {
    expect(printable('/x\nPairing request from "evil"\u001b[2K\u202e\u0085\u009b31m')).toBe(
      "/xPairing request from 'evil'[2K31m",
    );
  });

  it('keeps ordinary text, including non-Latin letters and emoji', () => {
    expect(printable('PixelLab Side Panel (Chrome) — 像素 🟢')).toBe('PixelLab Side Panel (Chrome) — 像素 🟢');
  });

  it('bounds the length and names an empty result', () => {
    expect(printable('a'.repeat(300), 10)).toBe(`${'a'.repeat(10)}…`);
    expect(printable('\u0000\u001b', 10, 'unnamed client')).toBe('unnamed client');
  });

  it('never lets any string start a new line or carry an escape or a double quote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const out = printable(s);
        expect(out).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029"]/u);
        expect(out.length).toBeLessThanOrEqual(201);
      }),
    );
  });
});
