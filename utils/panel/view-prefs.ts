import { useCallback, useState } from 'preact/hooks';
import { z } from 'zod';

/**
 * How the history is laid out in this panel: list or grid (or grid by itself when wide) and the grid's
 * thumbnail size. A view preference of this page, kept in its localStorage: the settings record is the
 * companion's connection, and a layout is no reason to write chrome.storage through the background.
 */
export const THUMB_MIN = 48;
export const THUMB_MAX = 256;
export const THUMB_STEP = 16;
/** At this width and up, `auto` shows a grid. */
export const AUTO_GRID_WIDTH = 700;
const KEY = 'pixellab:view';

export const viewPrefsSchema = z.object({
  layout: z.enum(['auto', 'list', 'grid']).catch('auto'),
  thumb: z.number().int().min(THUMB_MIN).max(THUMB_MAX).catch(96),
});
export type ViewPrefs = z.infer<typeof viewPrefsSchema>;
export const defaultViewPrefs: ViewPrefs = { layout: 'auto', thumb: 96 };

export interface PrefsStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadViewPrefs(store: PrefsStore | undefined = globalThis.localStorage): ViewPrefs {
  try {
    const text = store?.getItem(KEY);
    return text ? viewPrefsSchema.parse(JSON.parse(text)) : defaultViewPrefs;
  } catch {
    // A hand-edited or foreign value: the defaults, rather than no panel.
    return defaultViewPrefs;
  }
}

export function saveViewPrefs(prefs: ViewPrefs, store: PrefsStore | undefined = globalThis.localStorage): void {
  try {
    store?.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // Storage refused (private mode, quota): the choice lasts for this visit.
  }
}

/** Whether the list shows as a grid at this width. */
export function isGridLayout(prefs: ViewPrefs, width: number): boolean {
  return prefs.layout === 'grid' || (prefs.layout === 'auto' && width >= AUTO_GRID_WIDTH);
}

/** Tiles a grid row holds: as many `thumb` px tiles (plus gap) as fit, at least one. */
export function gridColumns(width: number, thumb: number, gap = 8): number {
  return Math.max(1, Math.floor((width - gap) / (thumb + gap)));
}

export function useViewPrefs(store?: PrefsStore): [ViewPrefs, (next: Partial<ViewPrefs>) => void] {
  const [prefs, setPrefs] = useState(() => loadViewPrefs(store));
  const update = useCallback(
    (next: Partial<ViewPrefs>) =>
      setPrefs((old) => {
        const merged = viewPrefsSchema.parse({ ...old, ...next });
        saveViewPrefs(merged, store);
        return merged;
      }),
    [store],
  );
  return [prefs, update];
}
