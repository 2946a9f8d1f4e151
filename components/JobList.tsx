import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatCount } from '@/components/format';
import { type JobActions, JobRow, ROW_HEIGHT } from '@/components/JobRow';
import { JobTile } from '@/components/JobTile';
import type { TriageCommand } from '@/components/triage/keys';
import { useListKeys } from '@/components/triage/use-list-keys';
import { ViewToggle } from '@/components/ViewToggle';
import { VirtualList } from '@/components/virtual-list';
import type { Job } from '@/utils/domain/job';
import type { StackInfo } from '@/utils/panel/stacks';
import { defaultViewPrefs, gridColumns, isGridLayout, type ViewPrefs } from '@/utils/panel/view-prefs';
import type { IndexEntry } from '@/utils/storage/layout';

export interface JobListProps {
  /** The rows to show, newest first (already searched and filtered). */
  entries: readonly IndexEntry[];
  getJob(id: string): Job | undefined;
  getImage(hash: string | null | undefined): string | undefined;
  /** True for an image read and found not stored in this browser. */
  isImageAbsent?(hash: string | null | undefined): boolean;
  actions: JobActions;
  /** The ids rendered now (visible plus overscan), so their records and images get read. */
  onVisibleIds?(ids: string[]): void;
  /** True until the first rows are read: shows a loading line instead of the empty state. */
  loading?: boolean;
  /** True while a search or status filter is narrowing the list. */
  filtered?: boolean;
  /** Scrolls back to the top when it changes. */
  resetKey?: unknown;
  /** A line above the rows, such as "19 of 10,000"; announced politely. */
  caption?: string;
  /** Id of the caption, for a search box's aria-describedby. */
  captionId?: string;
  /** Whether a row is selected (utils/panel/selection.ts); the gestures are delegated by the list's container. */
  isSelected?(id: string): boolean;
  /** Height to assume before the scroller is measured. */
  fallbackHeight?: number;
  clock?: () => number;
  /** List or grid, and the grid's thumbnail size; without onPrefs no toggle shows. */
  prefs?: ViewPrefs;
  onPrefs?(next: Partial<ViewPrefs>): void;
  /** Keyboard triage on the focused row (open, rate, star, tag, select, trash) and `?`. */
  onTriage?(command: Exclude<TriageCommand, { kind: 'move' } | { kind: 'edge' }>, id: string | null): void;
  /** Batches folded into one row (utils/panel/stacks.ts), by job id. */
  stacks?: ReadonlyMap<string, StackInfo>;
  onToggleStack?(groupId: string): void;
  /** Shown in the caption line beside the count (the panel's compact stats). */
  summary?: ComponentChildren;
  /** Width to assume before the list is measured (tests). */
  fallbackWidth?: number;
}

/** A grid tile's caption line under its thumbnail, in px. */
export const TILE_FOOT = 30;
const TILE_GAP = 8;

/** How many rows beyond the viewport stay rendered on each side. */
export const OVERSCAN = 4;

export function JobList({
  entries,
  getJob,
  getImage,
  isImageAbsent,
  actions,
  onVisibleIds,
  loading = false,
  filtered = false,
  resetKey,
  caption,
  captionId = 'job-count',
  fallbackHeight,
  isSelected,
  clock = Date.now,
  prefs = defaultViewPrefs,
  onPrefs,
  fallbackWidth = 400,
  summary,
  onTriage,
  stacks,
  onToggleStack,
}: JobListProps) {
  const section = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = section.current;
    if (!el) return;
    const measure = () => setWidth(el.clientWidth);
    measure();
    if (typeof ResizeObserver !== 'function') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const shownWidth = width > 0 ? width : fallbackWidth;
  const grid = isGridLayout(prefs, shownWidth);
  // A grid is rows of `columns` tiles: the virtual list stays O(visible) in rows either way.
  const columns = grid ? gridColumns(shownWidth - 2, prefs.thumb, TILE_GAP) : 1;
  const rowHeight = grid ? prefs.thumb + TILE_FOOT + TILE_GAP : ROW_HEIGHT;
  const rowCount = Math.ceil(entries.length / columns);

  const onKeyDown = useListKeys({ entries, columns, rowHeight, container: section, onCommand: onTriage });

  const [rows, setRange] = useState({ start: 0, end: 0 });
  const range = { start: rows.start * columns, end: Math.min(entries.length, rows.end * columns) };
  const onRange = useCallback((start: number, end: number) => {
    setRange((r) => (r.start === start && r.end === end ? r : { start, end }));
  }, []);

  const visible = entries.slice(range.start, range.end);
  const visibleIds = visible.map((e) => e.id);
  const idsKey = visibleIds.join('\n');
  const reported = useRef('');
  useEffect(() => {
    if (!onVisibleIds || reported.current === idsKey) return;
    reported.current = idsKey;
    onVisibleIds(visibleIds);
  });

  // Running rows show a live timer; everything else only ages slowly.
  const anyRunning = visible.some((e) => (getJob(e.id)?.status ?? e.status) === 'running');
  const [now, setNow] = useState(clock);
  useEffect(() => {
    setNow(clock());
    const timer = setInterval(() => setNow(clock()), anyRunning ? 1000 : 30_000);
    return () => clearInterval(timer);
  }, [anyRunning, clock]);

  let empty: ComponentChildren = null;
  if (entries.length === 0) {
    if (loading) empty = <p class="list-empty">Loading history…</p>;
    else if (filtered) empty = <p class="list-empty">No jobs match this search.</p>;
    else
      empty = (
        <div class="list-empty">
          <p class="list-empty-title">No jobs yet…</p>
          <p>Pick a preset or write a prompt above, then press Generate. Your history stays on this machine.</p>
        </div>
      );
  }

  return (
    <section
      ref={section}
      class="job-list"
      aria-label="Jobs"
      data-layout={grid ? 'grid' : 'list'}
      onKeyDown={onKeyDown}
    >
      {(caption !== undefined || onPrefs) && (
        <div class="list-bar">
          <p class="list-caption" id={captionId} aria-live="polite">
            {caption}
          </p>
          {summary}
          {onPrefs && <ViewToggle prefs={prefs} grid={grid} onPrefs={onPrefs} />}
        </div>
      )}
      {empty}
      <VirtualList
        count={rowCount}
        rowHeight={rowHeight}
        overscan={OVERSCAN}
        fallbackHeight={fallbackHeight}
        onRangeChange={onRange}
        resetKey={`${String(resetKey)}\u0000${columns}\u0000${rowHeight}`}
        scrollerProps={{
          class: 'job-scroller',
          'data-testid': 'job-scroller',
          tabIndex: 0,
          'aria-label': `Job history, ${entries.length} ${entries.length === 1 ? 'job' : 'jobs'}`,
          role: 'region',
        }}
        listProps={{ class: 'job-rows', 'data-testid': 'job-list', 'aria-busy': loading ? 'true' : undefined }}
        renderRow={(index, top) => {
          if (grid) {
            const tiles = entries.slice(index * columns, (index + 1) * columns);
            return (
              <li
                key={`r${index}`}
                class="tile-row"
                aria-posinset={index + 1}
                aria-setsize={rowCount}
                style={{ top: `${top}px`, height: `${rowHeight}px`, gap: `${TILE_GAP}px` }}
              >
                {tiles.map((entry) => {
                  const job = getJob(entry.id);
                  return (
                    <JobTile
                      key={entry.id}
                      entry={entry}
                      job={job}
                      image={getImage(job?.image)}
                      thumb={prefs.thumb}
                      actions={actions}
                      stack={stacks?.get(entry.id)}
                      onToggleStack={onToggleStack}
                    />
                  );
                })}
              </li>
            );
          }
          const entry = entries[index]!;
          const job = getJob(entry.id);
          return (
            <JobRow
              key={entry.id}
              entry={entry}
              job={job}
              image={getImage(job?.image)}
              imageAbsent={isImageAbsent?.(job?.image) ?? false}
              now={now}
              top={top}
              position={index + 1}
              setSize={entries.length}
              actions={actions}
              stack={stacks?.get(entry.id)}
              onToggleStack={onToggleStack}
              selected={isSelected?.(entry.id) ?? false}
            />
          );
        }}
      />
    </section>
  );
}

/** "10,000 jobs", or "19 of 10,000" while narrowed. */
export function listCaption(shown: number, total: number, narrowed: boolean): string {
  return narrowed
    ? `${formatCount(shown)} of ${formatCount(total)}`
    : `${formatCount(total)} ${total === 1 ? 'job' : 'jobs'}`;
}
