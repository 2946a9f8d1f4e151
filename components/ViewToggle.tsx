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
        aria-label="Show as list"
        title={prefs.layout === 'list' ? 'Show as list (press again: automatic)' : 'Show as list'}
        aria-pressed={!grid ? 'true' : 'false'}
        onClick={() => pick('list')}
      >
        <ListIcon />
      </button>
      <button
        type="button"
        class="icon-btn"
        aria-label="Show as grid"
        title={prefs.layout === 'grid' ? 'Show as grid (press again: automatic)' : 'Show as grid'}
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
