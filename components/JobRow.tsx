import { useState } from 'preact/hooks';
import {
  DIRECTION_SHORT,
  formatAge,
  formatCost,
  formatDuration,
  formatTimer,
  STATUS_LABELS,
} from '@/components/format';
import { CopyIcon, DeleteIcon, DownloadIcon, EightIcon, RetryIcon, ReuseIcon, RotateIcon } from '@/components/icons';
import { type Direction, directions, type Job } from '@/utils/domain/job';
import type { IndexEntry } from '@/utils/storage/layout';

/** Fixed: the list is virtualized by row index. Keep in step with `--row-h` in entrypoints/sidepanel/styles/tokens.css. */
export const ROW_HEIGHT = 92;

/** Events a row sends up; the row itself does nothing but render. */
export interface JobActions {
  onRetry(id: string): void;
  onRotate(id: string, direction: Direction): void;
  onRotate8(id: string): void;
  onDownload(id: string): void;
  onCopy(id: string): void;
  onReuse(id: string): void;
  onDelete(id: string): void;
}

export interface JobRowProps {
  entry: IndexEntry;
  /** The full record once read; until then the row shows its index entry. */
  job?: Job;
  /** PNG data URL of the result, once read. */
  image?: string;
  /** The result's image was read and is not stored in this browser (the companion has not sent it). */
  imageAbsent?: boolean;
  now: number;
  top: number;
  /** 1-based position and list size, for assistive tech (the list is virtualized). */
  position: number;
  setSize: number;
  actions: JobActions;
}

export function JobRow({ entry, job, image, imageAbsent = false, now, top, position, setSize, actions }: JobRowProps) {
  const [direction, setDirection] = useState<Direction>('east');
  const id = entry.id;
  const status = job?.status ?? entry.status;
  const prompt = job?.prompt ?? entry.prompt;
  const label = STATUS_LABELS[status] ?? status;
  const canRetry = status === 'error' || status === 'idle';
  const canRotate = status === 'success' && !!job?.image;
  // Finished, and no image to show: none was recorded, or it is not in this browser (yet).
  const absent = status === 'success' && !image && !!job && (job.image === null || imageAbsent);
  const absentWhy =
    job?.image === null
      ? 'This job finished without an image.'
      : 'The image is not in this browser yet. It is fetched from the companion at each sync.';
  const started = job?.startTime ?? job?.updatedAt ?? entry.createdAt;
  const rotated = job?.kind === 'rotate' && job.rotate ? `Rotated to ${job.rotate.toDirection}` : '';

  const size = job ? `${job.width}×${job.height}` : '';
  const seed = job ? (job.seed === null ? 'random seed' : `seed ${job.seed}`) : '';
  const error = job ? (job.error ?? 'No reason was given.') : '';
  const age = (
    <time class="job-age" dateTime={new Date(entry.createdAt).toISOString()}>
      {formatAge(job?.createdAt ?? entry.createdAt, now)}
    </time>
  );

  return (
    <li
      class="job-row"
      data-job-id={id}
      data-status={status}
      aria-posinset={position}
      aria-setsize={setSize}
      style={{ top: `${top}px`, height: `${ROW_HEIGHT}px` }}
    >
      <div
        class="job-thumb"
        data-empty={image ? undefined : absent ? 'absent' : status}
        title={absent ? absentWhy : undefined}
      >
        {image ? (
          <img src={image} alt={prompt} width={64} height={64} decoding="async" draggable={false} />
        ) : absent ? (
          // Not a loading shimmer: nothing is loading until the companion has the image to send.
          <>
            <span class="thumb-placeholder" aria-hidden="true">
              {size}
              <span class="thumb-seed">no image</span>
            </span>
            <span class="visually-hidden">{absentWhy}</span>
          </>
        ) : (
          <span class="thumb-placeholder" aria-hidden="true">
            {size}
            {/* A failed row gives its lines to the error: its seed waits here, with the size. */}
            {status === 'error' && seed && <span class="thumb-seed">{job?.seed === null ? 'random' : seed}</span>}
          </span>
        )}
      </div>
      <div class="job-body">
        <p class="job-head">
          <span class="job-prompt" title={prompt}>
            {prompt || <em>(no prompt)</em>}
          </span>
          {age}
        </p>
        {status === 'error' ? (
          // Up to three lines of the reason; the whole of it on hover.
          <p class="job-error" title={job?.error ?? undefined}>
            <span class={`badge badge-${status}`}>{label}</span> {error}
            {job && <span class="visually-hidden">{` (${size}, ${seed})`}</span>}
          </p>
        ) : (
          <div class="job-info">
            <p class="job-meta">
              <span class={`badge badge-${status}`}>
                {label}
                {status === 'running' && <span class="timer"> {formatTimer(now - started)}</span>}
              </span>
              {job && <span>{size}</span>}
              {job && <span>{seed}</span>}
              {job?.duration != null && <span>{formatDuration(job.duration)}</span>}
              {job?.usd != null && (
                <span class="job-cost" title="What PixelLab charged for this image">
                  {formatCost(job.usd)}
                </span>
              )}
            </p>
            {rotated && <p class="job-note">{rotated}</p>}
          </div>
        )}
        <div class="job-actions" role="group" aria-label={`Actions for ${id}`}>
          <button
            type="button"
            class="icon-btn"
            aria-label={`Retry ${id}`}
            title="Retry"
            disabled={!canRetry}
            onClick={() => actions.onRetry(id)}
          >
            <RetryIcon />
          </button>
          <span class="rotate-group">
            <select
              class="dir-select"
              aria-label={`Direction for ${id}`}
              title="Direction to rotate to"
              value={direction}
              disabled={!canRotate}
              onChange={(e) => setDirection(e.currentTarget.value as Direction)}
            >
              {directions.map((d) => (
                <option key={d} value={d}>
                  {DIRECTION_SHORT[d]}
                </option>
              ))}
            </select>
            <button
              type="button"
              class="icon-btn"
              aria-label={`Rotate ${id}`}
              title="Rotate to the chosen direction"
              disabled={!canRotate}
              onClick={() => actions.onRotate(id, direction)}
            >
              <RotateIcon />
            </button>
          </span>
          <button
            type="button"
            class="icon-btn"
            aria-label={`Make 8 directions of ${id}`}
            title="Make an 8-direction set"
            disabled={!canRotate}
            onClick={() => actions.onRotate8(id)}
          >
            <EightIcon />
          </button>
          <button
            type="button"
            class="icon-btn"
            aria-label={`Download PNG of ${id}`}
            title="Download PNG"
            disabled={!image}
            onClick={() => actions.onDownload(id)}
          >
            <DownloadIcon />
          </button>
          <button
            type="button"
            class="icon-btn"
            aria-label={`Copy prompt of ${id}`}
            title="Copy prompt"
            onClick={() => actions.onCopy(id)}
          >
            <CopyIcon />
          </button>
          <button
            type="button"
            class="icon-btn"
            aria-label={`Reuse ${id} in the form`}
            title="Reuse in the form"
            onClick={() => actions.onReuse(id)}
          >
            <ReuseIcon />
          </button>
          <button
            type="button"
            class="icon-btn danger"
            aria-label={`Delete ${id}`}
            title="Delete"
            onClick={() => actions.onDelete(id)}
          >
            <DeleteIcon />
          </button>
        </div>
      </div>
    </li>
  );
}
