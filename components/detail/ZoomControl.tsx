import { ZOOMS } from '@/components/detail/zoom';

/** 1x-8x as a group of toggle buttons: one press, and the current zoom is announced as pressed. */
export function ZoomControl({ zoom, onZoom }: { zoom: number; onZoom(zoom: number): void }) {
  return (
    <fieldset class="zoom-control">
      <legend class="visually-hidden">Zoom</legend>
      {ZOOMS.map((z) => (
        <button
          key={z}
          type="button"
          class="zoom-btn"
          aria-pressed={zoom === z ? 'true' : 'false'}
          aria-label={`Zoom ${z}×`}
          title={`Zoom ${z}× (+ and − step)`}
          onClick={() => onZoom(z)}
        >
          {z}×
        </button>
      ))}
    </fieldset>
  );
}
