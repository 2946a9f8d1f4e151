import { STATUS_LABELS } from '@/components/format';
import { MoreIcon } from '@/components/icons';
import { type JobActions, Marks, StackToggle } from '@/components/JobRow';
import { OverflowMenu } from '@/components/OverflowMenu';
import { rowMenuItems } from '@/components/row-menu';
import { thumbSize } from '@/components/thumb-size';
import type { Job } from '@/utils/domain/job';
import { madeByLabel, useDevices } from '@/utils/panel/devices';
import type { StackInfo } from '@/utils/panel/stacks';
import type { IndexEntry } from '@/utils/storage/layout';

export interface JobTileProps {
  entry: IndexEntry;
  job?: Job;
  image?: string;
  /** The square the thumbnail gets, in px. */
  thumb: number;
  actions: JobActions;
  stack?: StackInfo;
  onToggleStack?(groupId: string): void;
}

/** A grid cell: the sprite at a whole-number scale, its prompt on one line, and every action in a menu. */
export function JobTile({ entry, job, image, thumb, actions, stack, onToggleStack }: JobTileProps) {
  const id = entry.id;
  const status = job?.status ?? entry.status;
  const prompt = job?.prompt ?? entry.prompt;
  const width = (job?.width ?? entry.width ?? 64) * (job?.frames?.count ?? 1);
  const height = job?.height ?? entry.height ?? 64;
  const shown = thumbSize(width, height, thumb);
  const facts = { id, status, hasImage: !!image, canRotate: status === 'success' && !!job?.image };
  // Who made it, in the tooltip: a tile has no line to spare (issue 22).
  const devices = useDevices();
  const madeBy = devices.several ? madeByLabel(entry, devices) : null;
  const named = madeBy ? `${prompt}\nMade by ${madeBy}` : prompt;
  return (
    <div
      class={stack && !stack.member && !stack.expanded ? 'job-tile stacked' : 'job-tile'}
      data-job-id={id}
      data-status={status}
      style={{ width: `${thumb}px` }}
    >
      <button
        type="button"
        class="tile-thumb job-open"
        style={{ width: `${thumb}px`, height: `${thumb}px` }}
        aria-label={`Open details of ${id}`}
        title={`${named}\nOpen details (Enter)`}
        onClick={() => actions.onOpen(id)}
      >
        {image ? (
          <img src={image} alt={prompt} width={shown.width} height={shown.height} decoding="async" draggable={false} />
        ) : (
          <span class="thumb-placeholder" aria-hidden="true">
            {STATUS_LABELS[status] ?? status}
          </span>
        )}
      </button>
      <div class="tile-foot">
        <span class="tile-prompt" title={named}>
          {status !== 'success' && <span class={`badge badge-${status}`}>{STATUS_LABELS[status] ?? status}</span>}{' '}
          {prompt || <em>(no prompt)</em>}
        </span>
        {stack && <StackToggle stack={stack} onToggle={onToggleStack} />}
        <Marks starred={job?.starred ?? entry.starred} rating={job?.rating ?? entry.rating} />
        <OverflowMenu
          label={`More actions for ${id}`}
          items={rowMenuItems(facts, actions, true)}
          class="icon-btn tile-menu"
        >
          <MoreIcon />
        </OverflowMenu>
      </div>
    </div>
  );
}
