import { useState } from 'preact/hooks';
import { DEFAULT_ROTATE, RotateOptions, rotateSettingsOf, seedProblem } from '@/components/detail/RotateOptions';
import { type DetailActions, USE_AS } from '@/components/detail/types';
import { ZOOMS } from '@/components/detail/zoom';
import { type Direction, directions, type Job } from '@/utils/domain/job';

export interface DetailActionBarProps {
  id: string;
  job?: Job;
  hasImage: boolean;
  /** The view's zoom: the copy and download scale follows it until one is picked. */
  zoom: number;
  actions: DetailActions;
  /** Opens the mask painter (absent: inpaint is not offered for this job). */
  onPaintMask?(): void;
}

/** Reuse, copy, download at N×, rotate, retry, delete: each a labelled button. */
export function DetailActionBar({ id, job, hasImage, zoom, actions, onPaintMask }: DetailActionBarProps) {
  const [picked, setPicked] = useState<number | null>(null);
  const [direction, setDirection] = useState<Direction>('east');
  const [rotation, setRotation] = useState(DEFAULT_ROTATE);
  const scale = picked ?? zoom;
  const status = job?.status;
  const canRotateAtAll = status === 'success' && !!job?.image;
  const canRotate = canRotateAtAll && seedProblem(rotation.seed) === null;
  const canRetry = status === 'error' || status === 'idle' || status === 'cancelled';
  return (
    <div class="detail-actions">
      <div class="action-line">
        <button
          type="button"
          class="btn small"
          onClick={() => actions.onReuse(id)}
          title="Fill the form with these settings"
        >
          Reuse settings
        </button>
        <button type="button" class="btn small" onClick={() => actions.onCopyPrompt(id)}>
          Copy prompt
        </button>
        {onPaintMask && (
          <button
            type="button"
            class="btn small"
            disabled={!canRotate || !hasImage}
            onClick={onPaintMask}
            title="Paint a mask over the part to redraw, then queue an inpaint"
          >
            Inpaint…
          </button>
        )}
      </div>
      {actions.onUseAs && (
        <div class="action-line" role="group" aria-label="Use this image in the form">
          {USE_AS.map(([field, label]) => (
            <button
              key={field}
              type="button"
              class="btn small"
              disabled={!canRotate}
              onClick={() => actions.onUseAs?.(id, field)}
            >
              {label}
            </button>
          ))}
        </div>
      )}
      <div class="action-line">
        <label class="inline-field" for="detail-scale">
          Scale
        </label>
        <select id="detail-scale" value={String(scale)} onChange={(e) => setPicked(Number(e.currentTarget.value))}>
          {ZOOMS.map((z) => (
            <option key={z} value={z}>
              {z}×
            </option>
          ))}
        </select>
        <button
          type="button"
          class="btn small"
          disabled={!hasImage}
          onClick={() => actions.onCopyImage(id, scale)}
          title="Copy the image, scaled with nearest neighbour"
        >
          Copy image
        </button>
        <button
          type="button"
          class="btn small"
          disabled={!hasImage}
          onClick={() => actions.onDownload(id, scale)}
          title="Download a PNG, scaled with nearest neighbour"
        >
          Download {scale}×
        </button>
      </div>
      <div class="action-line">
        <label class="inline-field" for="detail-direction">
          Direction
        </label>
        <select
          id="detail-direction"
          value={direction}
          disabled={!canRotate}
          onChange={(e) => setDirection(e.currentTarget.value as Direction)}
        >
          {directions.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="btn small"
          disabled={!canRotate}
          onClick={() => actions.onRotate(id, direction, rotateSettingsOf(rotation))}
        >
          Rotate
        </button>
        <button
          type="button"
          class="btn small"
          disabled={!canRotate}
          onClick={() => actions.onRotate8(id, rotateSettingsOf(rotation))}
        >
          8 directions
        </button>
      </div>
      {canRotateAtAll && <RotateOptions value={rotation} onChange={setRotation} />}
      <div class="action-line">
        {canRetry && (
          <button type="button" class="btn small" onClick={() => actions.onRetry(id)}>
            Retry
          </button>
        )}
        <button type="button" class="btn small danger" onClick={() => actions.onDelete(id)} title="Delete (Del)">
          Delete
        </button>
      </div>
    </div>
  );
}
