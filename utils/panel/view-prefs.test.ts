import { describe, expect, it } from 'vitest';
import { defaultViewPrefs, gridColumns, isGridLayout, viewPrefsSchema } from '@/utils/panel/view-prefs';

describe('view preferences', () => {
  it('reads a bad value as the defaults', () => {
    expect(viewPrefsSchema.parse({ layout: 'mosaic', thumb: 9000 })).toEqual(defaultViewPrefs);
    expect(viewPrefsSchema.parse({ layout: 'grid', thumb: 128 })).toEqual({ layout: 'grid', thumb: 128 });
  });

  it('is a grid when asked, or by itself from 700 px', () => {
    expect(isGridLayout({ layout: 'auto', thumb: 96 }, 400)).toBe(false);
    expect(isGridLayout({ layout: 'auto', thumb: 96 }, 700)).toBe(true);
    expect(isGridLayout({ layout: 'list', thumb: 96 }, 1280)).toBe(false);
    expect(isGridLayout({ layout: 'grid', thumb: 96 }, 300)).toBe(true);
  });

  it('fits as many tiles as the width holds, at least one', () => {
    expect(gridColumns(400, 96)).toBe(3);
    expect(gridColumns(1280, 96)).toBe(12);
    expect(gridColumns(100, 256)).toBe(1);
  });
});
