import { describe, expect, it } from 'vitest';
import { formatCost, formatCount } from '@/components/format';

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

describe('formatCost', () => {
  it("keeps a sprite's cost visible: up to four places under a dime, cents above", () => {
    expect(formatCost(0.012)).toBe('$0.012');
    expect(formatCost(0.0125)).toBe('$0.0125');
    expect(formatCost(0.05)).toBe('$0.05');
    expect(formatCost(0.25)).toBe('$0.25');
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(0.0004)).toBe('$0.0004');
    expect(formatCost(0.00004)).toBe('<$0.0001');
    expect(formatCost(1.234)).toBe('$1.23');
  });
});
