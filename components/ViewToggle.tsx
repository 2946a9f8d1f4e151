import { GridIcon, ListIcon } from '@/components/icons';
import { THUMB_MAX, THUMB_MIN, THUMB_STEP, type ViewPrefs } from '@/utils/panel/view-prefs';

export interface ViewToggleProps {
  prefs: ViewPrefs;
  /** What `auto` shows at the current width. */
  grid: boolean;
  onPrefs(next: Partial<ViewPrefs>): void;
}

/** List or grid (pressing the shown one again goes back to automatic), and the grid's thumbnail size. */
export function ViewToggle({ prefs, grid, onPrefs }: ViewToggleProps) {
  const pick = (layout: 'list' | 'grid') => onPrefs({ layout: prefs.layout === layout ? 'auto' : layout });
  return (
    <div class="view-toggle">
      <button
        type="button"
        class="icon-btn"
        aria-label="List view"
        title={prefs.layout === 'list' ? 'List view (press again: automatic)' : 'List view'}
        aria-pressed={!grid ? 'true' : 'false'}
        onClick={() => pick('list')}
      >
        <ListIcon />
      </button>
      <button
        type="button"
        class="icon-btn"
        aria-label="Grid view"
        title={prefs.layout === 'grid' ? 'Grid view (press again: automatic)' : 'Grid view'}
        aria-pressed={grid ? 'true' : 'false'}
        onClick={() => pick('grid')}
      >
        <GridIcon />
      </button>
      {grid && (
        <input
          type="range"
          class="thumb-size"
          aria-label="Thumbnail size"
          title={`Thumbnails ${prefs.thumb} px`}
          min={THUMB_MIN}
          max={THUMB_MAX}
          step={THUMB_STEP}
          value={prefs.thumb}
          onInput={(e) => onPrefs({ thumb: Number(e.currentTarget.value) })}
        />
      )}
    </div>
  );
}
