import { describe, expect, it } from 'vitest';
import {
  defaultViewPrefs,
  gridColumns,
  isGridLayout,
  loadViewPrefs,
  type PrefsStore,
  saveViewPrefs,
} from '@/utils/panel/view-prefs';

function memoryStore(): PrefsStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('view preferences', () => {
  it('round-trips through the page storage, and reads a bad value as the defaults', () => {
    const store = memoryStore();
    expect(loadViewPrefs(store)).toEqual(defaultViewPrefs);
    saveViewPrefs({ layout: 'grid', thumb: 128 }, store);
    expect(loadViewPrefs(store)).toEqual({ layout: 'grid', thumb: 128 });
    store.data.set('pixellab:view', '{"layout":"mosaic","thumb":9000}');
    expect(loadViewPrefs(store)).toEqual({ layout: 'auto', thumb: 96 });
    store.data.set('pixellab:view', 'not json');
    expect(loadViewPrefs(store)).toEqual(defaultViewPrefs);
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
