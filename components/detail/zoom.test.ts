import { describe, expect, it } from 'vitest';
import { clampZoom, fitZoom, zoomedSize } from '@/components/detail/zoom';
import { thumbSize } from '@/components/thumb-size';

describe('integer zoom', () => {
  it('clamps to 1..8 and never gives a fraction', () => {
    expect([0, 1, 2.7, 8, 9, Number.NaN].map(clampZoom)).toEqual([1, 1, 2, 8, 8, 1]);
  });

  it('picks the largest whole zoom that fits the box, at least 1x', () => {
    expect(fitZoom(64, 64, 360, 360)).toBe(5);
    expect(fitZoom(32, 16, 360, 360)).toBe(8);
    expect(fitZoom(400, 400, 360, 360)).toBe(1);
    expect(fitZoom(48, 40, 200, 100)).toBe(2);
  });

  it('sizes the image to exact multiples of its pixels', () => {
    expect(zoomedSize(48, 40, 4)).toEqual({ width: 192, height: 160 });
    expect(zoomedSize(48, 40, 3.9)).toEqual({ width: 144, height: 120 });
  });

  it('fits thumbnails by whole factors up, and whole divisors down', () => {
    expect(thumbSize(48, 40, 64)).toEqual({ width: 48, height: 40 });
    expect(thumbSize(32, 32, 96)).toEqual({ width: 96, height: 96 });
    expect(thumbSize(16, 64, 96)).toEqual({ width: 16, height: 64 });
    expect(thumbSize(256, 128, 96)).toEqual({ width: 85, height: 42 });
    expect(thumbSize(128, 128, 64)).toEqual({ width: 64, height: 64 });
  });
});
