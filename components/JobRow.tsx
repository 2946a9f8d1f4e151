import type { UseAsField } from '@/components/detail/types';
import { formatAge, formatCost, formatDuration, formatTimer, STATUS_LABELS } from '@/components/format';
import { DownloadIcon, MoreIcon, RetryIcon } from '@/components/icons';
import { OverflowMenu } from '@/components/OverflowMenu';
import { type QueuePlace, QueueRowActions } from '@/components/QueueControls';
import { primaryAction, rowMenuItems } from '@/components/row-menu';
import { thumbSize } from '@/components/thumb-size';
import type { Direction, Job, JobStatus } from '@/utils/domain/job';
import type { RotateSettings } from '@/utils/intents/protocol';
import { madeByLabel, useDevices } from '@/utils/panel/devices';
import type { StackInfo } from '@/utils/panel/stacks';
import type { IndexEntry } from '@/utils/storage/layout';

/** Fixed: the list is virtualized by row index. Keep in step with `--row-h` in entrypoints/sidepanel/styles/tokens.css. */
export const ROW_HEIGHT = 92;

/** Events a row sends up; the row itself does nothing but render. */
export interface JobActions {
  onRetry(id: string): void;
  /** `settings`: the rotation's own options and seed (the detail view's "Rotate options"); absent: defaults. */
  onRotate(id: string, direction: Direction, settings?: RotateSettings): void;
  onRotate8(id: string, settings?: RotateSettings): void;
  onDownload(id: string): void;
  onCopy(id: string): void;
  onReuse(id: string): void;
  onDelete(id: string): void;
  /** Opens the detail view of the job. */
  onOpen(id: string): void;
  /** Puts the job's image in one of the form's image options (absent: not offered). */
  onUseAs?(id: string, field: UseAsField): void;
  /** Queue control of a waiting row (QueueControls.tsx): where it stands, and its moves and cancel. */
  queuePlace?(id: string): QueuePlace | null;
  onMoveUp?(id: string): void;
  onMoveDown?(id: string): void;
  onCancel?(id: string): void;
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
  /** The batch this row heads or belongs to (utils/panel/stacks.ts). */
  stack?: StackInfo;
  onToggleStack?(groupId: string): void;
  /** In the selection (bulk actions); shown by the row's look and said to assistive tech. */
  selected?: boolean;
}

/** ★ and a 1-5 rating as a row shows them; nothing when neither is set. */
export function Marks({ starred, rating }: { starred?: boolean; rating?: number | null }) {
  if (!starred && !rating) return null;
  return (
    <span class="job-marks">
      {starred && (
        <span class="job-star" title="Starred">
          ★<span class="visually-hidden"> starred</span>
        </span>
      )}
      {rating ? (
        <span class="job-rating" title={`Rated ${rating} of 5`}>
          {rating}/5<span class="visually-hidden"> rating</span>
        </span>
      ) : null}
    </span>
  );
}

/** The row's visible action (retry or download) and the overflow menu with the rest. */
export function RowActions({
  id,
  name,
  status,
  hasImage,
  canRotate,
  queuePlace = null,
  actions,
}: {
  id: string;
  /** How the queue buttons name the job ("Move up “knight”"). */
  name: string;
  status: JobStatus;
  hasImage: boolean;
  canRotate: boolean;
  queuePlace?: QueuePlace | null;
  actions: JobActions;
}) {
  const facts = { id, status, hasImage, canRotate };
  const primary = primaryAction(facts);
  return (
    <div class="job-actions" role="group" aria-label={`Actions for ${id}`}>
      {queuePlace && actions.onMoveUp && actions.onMoveDown && actions.onCancel && (
        <QueueRowActions
          id={id}
          name={name}
          place={queuePlace}
          onMoveUp={actions.onMoveUp}
          onMoveDown={actions.onMoveDown}
          onCancel={actions.onCancel}
        />
      )}
      {primary === 'retry' && (
        <button
          type="button"
          class="icon-btn"
          aria-label={`Retry ${id}`}
          title="Retry"
          onClick={() => actions.onRetry(id)}
        >
          <RetryIcon />
        </button>
      )}
      {primary === 'download' && (
        <button
          type="button"
          class="icon-btn"
          aria-label={`Download PNG of ${id}`}
          title="Download PNG"
          disabled={!hasImage}
          onClick={() => actions.onDownload(id)}
        >
          <DownloadIcon />
        </button>
      )}
      <OverflowMenu label={`More actions for ${id}`} items={rowMenuItems(facts, actions)}>
        <MoreIcon />
      </OverflowMenu>
    </div>
  );
}

/** A stack's count on its head row: shows or folds the batch in place. */
export function StackToggle({ stack, onToggle }: { stack: StackInfo; onToggle?(groupId: string): void }) {
  if (stack.member) return null;
  return (
    <button
      type="button"
      class="stack-toggle"
      aria-expanded={stack.expanded ? 'true' : 'false'}
      aria-label={stack.expanded ? `Fold the batch of ${stack.count}` : `Show the ${stack.count} jobs of this batch`}
      title={stack.expanded ? 'Fold the batch' : 'Show every job of the batch'}
      onClick={() => onToggle?.(stack.groupId)}
    >
      ▣ {stack.count}
    </button>
  );
}

export function JobRow({
  entry,
  job,
  image,
  imageAbsent = false,
  now,
  top,
  position,
  setSize,
  actions,
  stack,
  onToggleStack,
  selected = false,
}: JobRowProps) {
  const id = entry.id;
  const status = job?.status ?? entry.status;
  const prompt = job?.prompt ?? entry.prompt;
  const label = STATUS_LABELS[status] ?? status;
  const canRotate = status === 'success' && !!job?.image;
  // Finished, and no image to show: none was recorded, or it is not in this browser (yet).
  const absent = status === 'success' && !image && !!job && (job.image === null || imageAbsent);
  const absentWhy =
    job?.image === null
      ? 'This job finished without an image.'
      : 'The image is not in this browser yet. It is fetched from the companion at each sync.';
  const started = job?.startTime ?? job?.updatedAt ?? entry.createdAt;
  const rotated = job?.kind === 'rotate' && job.rotate ? `Rotated to ${job.rotate.toDirection}` : '';
  const queuePlace = status === 'idle' || status === 'queued' ? (actions.queuePlace?.(id) ?? null) : null;
  // Who made it, once more than one device writes this history (issue 22).
  const devices = useDevices();
  const madeBy = devices.several ? madeByLabel(entry, devices) : null;

  const size = job ? `${job.width}×${job.height}` : '';
  // Whole-number scaling only: a 48x40 sprite shows at 1x in 64 px, never stretched to a blurred 1.33x.
  const shown = thumbSize((job?.width ?? 64) * (job?.frames?.count ?? 1), job?.height ?? 64, 64);
  const seed = job ? (job.seed === null ? 'random seed' : `seed ${job.seed}`) : '';
  const error = job ? (job.error ?? 'No reason was given.') : '';
  const age = (
    <time class="job-age" dateTime={new Date(entry.createdAt).toISOString()}>
      {formatAge(job?.createdAt ?? entry.createdAt, now)}
    </time>
  );

  return (
    <li
      class={['job-row', stack?.member ? 'in-stack' : '', selected ? 'selected' : ''].filter(Boolean).join(' ')}
      data-selected={selected ? 'true' : undefined}
      data-job-id={id}
      data-status={status}
      aria-posinset={position}
      aria-setsize={setSize}
      style={{ top: `${top}px`, height: `${ROW_HEIGHT}px` }}
    >
      <button
        type="button"
        class="job-thumb job-open"
        data-empty={image ? undefined : absent ? 'absent' : status}
        aria-label={`Open details of ${id}`}
        title={absent ? absentWhy : 'Open details (Enter)'}
        onClick={() => actions.onOpen(id)}
      >
        {image ? (
          <img src={image} alt={prompt} width={shown.width} height={shown.height} decoding="async" draggable={false} />
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
      </button>
      <div class="job-body">
        <p class="job-head">
          {stack && <StackToggle stack={stack} onToggle={onToggleStack} />}
          <span class="job-prompt" title={prompt}>
            {selected && <span class="visually-hidden">Selected: </span>}
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
              <Marks starred={job?.starred ?? entry.starred} rating={job?.rating ?? entry.rating} />
              {job && <span>{size}</span>}
              {job && <span>{seed}</span>}
              {job?.duration != null && <span>{formatDuration(job.duration)}</span>}
              {job?.usd != null && (
                <span class="job-cost" title="What PixelLab charged for this image">
                  {formatCost(job.usd)}
                </span>
              )}
            </p>
            {(rotated || madeBy) && (
              <p class="job-note">
                {rotated}
                {rotated && madeBy && ' · '}
                {madeBy && (
                  <span class="job-author" title={`Made by ${madeBy}`}>
                    <span class="visually-hidden">Made </span>by {madeBy}
                  </span>
                )}
              </p>
            )}
          </div>
        )}
        <RowActions
          id={id}
          name={prompt.trim() ? `“${prompt.slice(0, 40)}”` : id}
          status={status}
          hasImage={!!image}
          canRotate={canRotate}
          queuePlace={queuePlace}
          actions={actions}
        />
      </div>
    </li>
  );
}
