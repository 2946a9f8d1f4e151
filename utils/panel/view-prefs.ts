import { useCallback, useState } from 'preact/hooks';
import { z } from 'zod';

/**
 * How the history is laid out in this panel: list or grid (or grid by itself when wide) and the grid's
 * thumbnail size. Kept for the visit: saveSettings (the only way to store it) forces a sync and talks to the
 * companion, too heavy for a slider, and the panel writes no storage of its own.
 */
export const THUMB_MIN = 48;
export const THUMB_MAX = 256;
export const THUMB_STEP = 16;
/** At this width and up, `auto` shows a grid. */
export const AUTO_GRID_WIDTH = 700;

export const viewPrefsSchema = z.object({
  layout: z.enum(['auto', 'list', 'grid']).catch('auto'),
  thumb: z.number().int().min(THUMB_MIN).max(THUMB_MAX).catch(96),
});
export type ViewPrefs = z.infer<typeof viewPrefsSchema>;
export const defaultViewPrefs: ViewPrefs = { layout: 'auto', thumb: 96 };

/** Whether the list shows as a grid at this width. */
export function isGridLayout(prefs: ViewPrefs, width: number): boolean {
  return prefs.layout === 'grid' || (prefs.layout === 'auto' && width >= AUTO_GRID_WIDTH);
}

/** Tiles a grid row holds: as many `thumb` px tiles (plus gap) as fit, at least one. */
export function gridColumns(width: number, thumb: number, gap = 8): number {
  return Math.max(1, Math.floor((width - gap) / (thumb + gap)));
}

/** The layout for this visit: the panel writes no storage itself, and settings are the companion's connection. */
export function useViewPrefs(initial: ViewPrefs = defaultViewPrefs): [ViewPrefs, (next: Partial<ViewPrefs>) => void] {
  const [prefs, setPrefs] = useState(initial);
  const update = useCallback(
    (next: Partial<ViewPrefs>) => setPrefs((old) => viewPrefsSchema.parse({ ...old, ...next })),
    [],
  );
  return [prefs, update];
}
