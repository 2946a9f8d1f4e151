import { USE_AS } from '@/components/detail/types';
import type { JobActions } from '@/components/JobRow';
import type { MenuItem } from '@/components/OverflowMenu';
import type { JobStatus } from '@/utils/domain/job';

export interface RowFacts {
  id: string;
  status: JobStatus;
  /** The result's image is loaded (download needs it). */
  hasImage: boolean;
  /** A result to rotate is recorded. */
  canRotate: boolean;
}

export const canRetryStatus = (status: JobStatus) => status === 'error' || status === 'idle';

/** The one action a row keeps visible: retry what failed, download what succeeded. */
export function primaryAction(facts: RowFacts): 'retry' | 'download' | null {
  if (canRetryStatus(facts.status)) return 'retry';
  if (facts.status === 'success') return 'download';
  return null;
}

/** Everything else a row can do, in its overflow menu; each item named with the job's id for assistive tech. */
export function rowMenuItems(facts: RowFacts, actions: JobActions, withPrimary = false): MenuItem[] {
  const { id, status, hasImage, canRotate } = facts;
  const primary = withPrimary ? null : primaryAction(facts);
  const items: MenuItem[] = [
    { label: 'Open details', name: `Open details of ${id}`, onSelect: () => actions.onOpen(id) },
  ];
  if (primary !== 'retry' && canRetryStatus(status))
    items.push({ label: 'Retry', name: `Retry ${id}`, onSelect: () => actions.onRetry(id) });
  items.push(
    { label: 'Rotate…', name: `Rotate ${id}…`, onSelect: () => actions.onOpen(id), disabled: !canRotate },
    {
      label: 'Make 8 directions',
      name: `Make 8 directions of ${id}`,
      onSelect: () => actions.onRotate8(id),
      disabled: !canRotate,
    },
  );
  if (primary !== 'download')
    items.push({
      label: 'Download PNG',
      name: `Download PNG of ${id}`,
      onSelect: () => actions.onDownload(id),
      disabled: !hasImage,
    });
  items.push(
    { label: 'Copy prompt', name: `Copy prompt of ${id}`, onSelect: () => actions.onCopy(id) },
    { label: 'Reuse in the form', name: `Reuse ${id} in the form`, onSelect: () => actions.onReuse(id) },
  );
  // The image as a reference in the form: a style sprite, a start image, a palette, a sprite to animate.
  const { onUseAs } = actions;
  if (onUseAs)
    for (const [field, label] of USE_AS)
      items.push({ label, name: `${label}: ${id}`, onSelect: () => onUseAs(id, field), disabled: !canRotate });
  items.push({ label: 'Delete', name: `Delete ${id}`, onSelect: () => actions.onDelete(id), danger: true });
  return items;
}
