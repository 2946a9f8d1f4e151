import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from './data-url';

/** The portable way, as bytesToBase64 falls back to where the platform has no native encoder. */
const viaBtoa = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));

describe('bytesToBase64', () => {
  it('gives what btoa gives, for every length and for views into a larger buffer', () => {
    const whole = new Uint8Array(70_000).map((_, i) => (i * 7919 + (i >> 3)) & 0xff);
    for (const [start, end] of [
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [5, 6_004],
      [1, 70_000],
    ] as const) {
      const view = whole.subarray(start, end);
      expect(bytesToBase64(view)).toBe(viaBtoa(view));
      expect(base64ToBytes(bytesToBase64(view))).toEqual(view);
    }
  });
});
