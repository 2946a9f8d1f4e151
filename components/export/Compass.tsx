import { useEffect, useState } from 'preact/hooks';
import { DIRECTION_SHORT } from '@/components/format';
import type { Direction } from '@/utils/domain';
import { COMPASS_PLACE, type DirectionCell, turnaroundOrder } from '@/utils/panel/direction-set';
import '@/components/export/compass.css';

export interface CompassProps {
  /** The source's prompt, shown in the middle. */
  prompt: string;
  cells: readonly DirectionCell[];
  /** The image of a job (a data or blob URL), when the panel holds it. */
  imageOf(cell: DirectionCell): string | undefined;
  /** Rotates the source to this direction again (or for the first time). */
  onRerun(direction: Direction): void;
  /** Opens a cell's job (the detail view). */
  onOpen?(id: string): void;
  /** Exports the set's images in turnaround order. */
  onExport?(cells: DirectionCell[]): void;
  /** Integer zoom of each cell (its sprite's own pixels times this). */
  zoom?: number;
  /** The sprites' size, so each cell is an exact multiple of it. */
  width: number;
  height: number;
}

/** A turnaround frame's time: slow enough to read each direction, quick enough to see it turn. */
const TURN_MS = 180;

/**
 * A direction set as a compass: eight cells around the source, each its newest rotation at integer zoom; any
 * cell can be run again. "Play" turns the sprite around in place (off when the user asks for reduced motion).
 */
export function Compass(props: CompassProps) {
  const { cells, zoom = 2, width, height } = props;
  const frames = turnaroundOrder(cells);
  const [playing, setPlaying] = useState(false);
  const [frame, setFrame] = useState(0);
  const reduced = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

  useEffect(() => {
    if (!playing || frames.length < 2) return;
    const timer = setInterval(() => setFrame((f) => (f + 1) % frames.length), TURN_MS);
    return () => clearInterval(timer);
  }, [playing, frames.length]);

  const size = { width: width * zoom, height: height * zoom };
  const turning = playing ? frames[frame % Math.max(1, frames.length)] : undefined;
  const done = cells.filter((c) => c.job?.image).length;

  return (
    <section class="compass" aria-label={`Directions of ${props.prompt}: ${done} of 8`}>
      <div class="compass-grid">
        {cells.map((cell) => {
          const url = cell.job?.image ? props.imageOf(cell) : undefined;
          const place = COMPASS_PLACE[cell.direction];
          const busy = cell.job && (cell.job.status === 'queued' || cell.job.status === 'running');
          return (
            <div
              key={cell.direction}
              class="compass-cell"
              style={{ gridRow: place.row, gridColumn: place.column }}
              data-direction={cell.direction}
            >
              {url ? (
                <button
                  type="button"
                  class="compass-image checkerboard"
                  title={`Open ${cell.direction}`}
                  aria-label={`Open ${cell.direction}${cell.isSource ? ' (the source)' : ''}`}
                  onClick={() => cell.job && props.onOpen?.(cell.job.id)}
                >
                  <img src={url} alt="" {...size} />
                </button>
              ) : (
                <span class="compass-empty" style={size}>
                  {busy ? 'Working…' : cell.job?.status === 'error' ? 'Failed' : 'None'}
                </span>
              )}
              <span class="compass-label">
                {DIRECTION_SHORT[cell.direction]}
                {!cell.isSource && (
                  <button
                    type="button"
                    class="btn icon-btn compass-rerun"
                    disabled={!!busy}
                    title={`${cell.job ? 'Run again' : 'Rotate'} to ${cell.direction}`}
                    aria-label={`${cell.job ? 'Run again' : 'Rotate'} to ${cell.direction}`}
                    onClick={() => props.onRerun(cell.direction)}
                  >
                    ↻
                  </button>
                )}
              </span>
            </div>
          );
        })}
        <div class="compass-middle" style={{ gridRow: 2, gridColumn: 2 }}>
          {turning ? (
            <img
              src={props.imageOf(turning)}
              alt={`Facing ${turning.direction}`}
              class="checkerboard"
              {...size}
              data-testid="turnaround"
            />
          ) : (
            <span class="compass-prompt">{props.prompt}</span>
          )}
        </div>
      </div>
      <div class="compass-actions">
        <button
          type="button"
          class="btn"
          aria-pressed={playing ? 'true' : 'false'}
          disabled={frames.length < 2 || reduced}
          title={reduced ? 'Animation is off: your system asks for reduced motion' : undefined}
          onClick={() => {
            setFrame(0);
            setPlaying((p) => !p);
          }}
        >
          {playing ? 'Stop turnaround' : 'Play turnaround'}
        </button>
        {props.onExport && (
          <button type="button" class="btn" disabled={frames.length === 0} onClick={() => props.onExport?.(frames)}>
            Export set…
          </button>
        )}
      </div>
    </section>
  );
}
