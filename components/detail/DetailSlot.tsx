import { useEffect, useRef } from 'preact/hooks';
import { DetailView } from '@/components/detail/DetailView';
import type { DetailActions, JobLink } from '@/components/detail/types';
import { Compass } from '@/components/export/Compass';
import { facingOf } from '@/utils/domain/facing';
import type { PanelData } from '@/utils/panel/data';
import { directionSet } from '@/utils/panel/direction-set';
import type { IndexEntry } from '@/utils/storage/layout';

export interface DetailSlotProps {
  id: string;
  /** The list as shown (searched, filtered): Prev and Next walk it. */
  rows: readonly IndexEntry[];
  /** Every live entry: a source or derived job may be outside the filter. */
  entries: readonly IndexEntry[];
  data: Pick<PanelData, 'getJob' | 'getImage' | 'ensureRows'>;
  actions: DetailActions;
  onOpen(id: string): void;
  onClose(): void;
  onCompare?(ids: string[]): void;
  /** Opens the Export dialog over these jobs (this one, or its direction set). */
  onExport?(ids: string[]): void;
  /** A palette swatch was clicked: filter the history by that colour. */
  onFindColour?(hex: string): void;
}

/** A compass cell shows a sprite at this many px at most (3 cells fit a 400 px panel), at a whole zoom. */
const COMPASS_CELL = 96;

/** The compass of a direction set, once its source and its rotations are read; null for a job with no set. */
function compassOf(
  sourceId: string,
  rotations: readonly IndexEntry[],
  data: Pick<PanelData, 'getJob' | 'getImage'>,
  actions: DetailActions,
  onOpen: (id: string) => void,
  onExport?: (ids: string[]) => void,
) {
  const source = data.getJob(sourceId);
  const derived = rotations.flatMap((e) => {
    const job = data.getJob(e.id);
    return job?.rotate ? [{ ...job, direction: job.rotate.toDirection }] : [];
  });
  // One rotation is not a set yet (the lineage list shows it); two or more are, and the compass shows what is missing.
  if (!source || derived.length < 2) return null;
  const zoom = Math.max(1, Math.floor(COMPASS_CELL / Math.max(source.width, source.height)));
  return (
    <Compass
      prompt={source.prompt}
      cells={directionSet({ ...source, facing: facingOf(source) }, derived)}
      width={source.width}
      height={source.height}
      zoom={zoom}
      imageOf={(cell) => data.getImage(cell.job?.image)}
      onRerun={(direction) => actions.onRotate(sourceId, direction)}
      onOpen={onOpen}
      onExport={onExport && ((cells) => onExport(cells.flatMap((c) => (c.job ? [c.job.id] : []))))}
    />
  );
}

/** Jobs made from `id` (rotations), as far as the index says. */
export function derivedLinks(entries: readonly IndexEntry[], id: string): JobLink[] {
  return entries
    .filter((e) => (e as { sourceId?: string }).sourceId === id)
    .map((e) => ({ id: e.id, prompt: e.prompt }));
}

/** Finds the job, its neighbours and its lineage, reads what is missing, and shows the detail view. */
export function DetailSlot({
  id,
  rows,
  entries,
  data,
  actions,
  onOpen,
  onClose,
  onCompare,
  onExport,
  onFindColour,
}: DetailSlotProps) {
  const index = rows.findIndex((e) => e.id === id);
  const entry = index >= 0 ? rows[index] : entries.find((e) => e.id === id);
  const prev = index > 0 ? rows[index - 1] : undefined;
  const next = index >= 0 ? rows[index + 1] : undefined;
  const job = data.getJob(id);
  const sourceId = job?.rotate?.sourceJobId ?? null;

  // The direction set this job belongs to: its source's (a rotation), or its own (a source).
  const setSourceId = sourceId ?? id;
  const rotations = entries.filter((e) => e.sourceId === setSourceId);
  const wanted = [id, prev?.id, next?.id, sourceId, ...rotations.map((e) => e.id)]
    .filter((x): x is string => !!x)
    .join('\n');
  useEffect(() => {
    void data.ensureRows(wanted.split('\n'));
  }, [wanted, data]);

  // Back to the row it was opened from (or moved to) when it closes.
  const last = useRef(id);
  last.current = id;
  useEffect(
    () => () => {
      const row = document.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(last.current)}"] .job-open`);
      row?.focus();
    },
    [],
  );

  if (!entry) return null;
  const sourceEntry = sourceId ? entries.find((e) => e.id === sourceId) : undefined;
  const source = sourceId
    ? { id: sourceId, prompt: data.getJob(sourceId)?.prompt ?? sourceEntry?.prompt ?? sourceId }
    : null;
  return (
    <DetailView
      key="detail"
      entry={entry}
      job={job}
      image={data.getImage(job?.image)}
      imageOf={data.getImage}
      index={Math.max(0, index)}
      count={Math.max(rows.length, 1)}
      onPrev={() => prev && onOpen(prev.id)}
      onNext={() => next && onOpen(next.id)}
      onClose={onClose}
      onOpenJob={onOpen}
      onCompare={onCompare && next ? () => onCompare([id, next.id]) : undefined}
      source={sourceEntry || sourceId ? source : null}
      derived={derivedLinks(entries, id)}
      actions={actions}
      onExport={onExport && job?.image ? () => onExport([id]) : undefined}
      compass={compassOf(setSourceId, rotations, data, actions, onOpen, onExport)}
      onFindColour={onFindColour}
    />
  );
}
