import { describe, expect, it } from 'vitest';
import { formatCount } from '@/components/format';

describe('formatCount', () => {
  it('writes counts as toLocaleString("en-US") does', () => {
    for (const v of [
      0, 1, 12, 999, 1000, 1001, 9999, 10_000, 12_345, 100_000, 999_999, 1_000_000, 1_234_567_890, -1, -1000,
      -12_345_678,
    ]) {
      expect(formatCount(v)).toBe(v.toLocaleString('en-US'));
    }
  });

  it('leaves what is not a safe integer to Intl', () => {
    for (const v of [1.5, 1234.5, Number.MAX_SAFE_INTEGER * 4, Number.NaN, Infinity])
      expect(formatCount(v)).toBe(v.toLocaleString('en-US'));
  });
});
