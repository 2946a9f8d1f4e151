import { useEffect, useMemo, useState } from 'preact/hooks';
import { chipsOf } from '@/components/filter-chips';
import { type ColourIndexReader, createColourIndexReader } from '@/utils/panel/colour-index';
import { createFacets } from '@/utils/panel/facets';
import { emptyFilter, isNarrowed } from '@/utils/panel/filter';
import { createFinder, type FindQuery } from '@/utils/panel/find';
import { listSelectionHandlers } from '@/utils/panel/list-selection';
import { createSelection } from '@/utils/panel/selection';
import { parseHexColour } from '@/utils/storage/colours';
import type { IndexEntry } from '@/utils/storage/layout';

export const initialQuery: FindQuery = { ...emptyFilter, sort: 'newest' };

/**
 * The history list's find state for App: the query (search words, filters, sort), the rows it shows (find.ts),
 * the facets the menus offer, and the selection, kept to the rows listed. `colours`: the colour index's read side
 * (the browser's storage when absent), read when a colour filter is first used.
 */
export function useFind(entries: readonly IndexEntry[], version: number, given?: ColourIndexReader) {
  const [query, setQuery] = useState<FindQuery>(initialQuery);
  const finder = useMemo(createFinder, []);
  const facetsOf = useMemo(createFacets, []);
  const selection = useMemo(createSelection, []);
  const colours = useMemo(() => given ?? createColourIndexReader(), [given]);
  const rgb = query.colour === null ? null : parseHexColour(query.colour);
  // Read only under a colour filter: the list re-renders as the index loads and fills, and not otherwise.
  if (rgb !== null) void colours.version.value;
  const colourIds = rgb === null ? undefined : colours.jobsWith(rgb);
  useEffect(() => {
    if (rgb !== null) void colours.load();
  }, [rgb, colours]);
  const rows = finder.run(entries, version, query, colourIds);
  const narrowed = isNarrowed(query);

  const selectedIds = selection.ids.value;
  // A row leaves the list (filtered out, trashed): it leaves the selection.
  useEffect(() => {
    if (selectedIds.size > 0) selection.retain(rows.map((r) => r.id));
  }, [rows, selectedIds, selection]);

  const selected = useMemo(
    () => (selectedIds.size === 0 ? [] : rows.filter((r) => selectedIds.has(r.id))),
    [rows, selectedIds],
  );

  /** How Insights names the narrowed rows: the words, then each chip. */
  const label = [
    query.text.trim() && `search “${query.text.trim()}”`,
    ...chipsOf(query).map((c) => c.label.charAt(0).toLowerCase() + c.label.slice(1)),
  ]
    .filter(Boolean)
    .join(', ');

  const rowIds = () => rows.map((r) => r.id);
  return {
    query,
    setQuery,
    rows,
    narrowed,
    label,
    facets: () => facetsOf(entries),
    selection,
    selected,
    rowIds,
    /** Click, Shift/Ctrl/Cmd-click and `x`, delegated from the list's container. */
    gestures: listSelectionHandlers(selection, rowIds),
    /** Scrolls the list back to the top when it changes. */
    resetKey: JSON.stringify(query),
    /** The user may filter by colour soon (the filter menu or a detail view opened): read the colour index now. */
    prepareColours: () => void colours.load(),
    /** A palette swatch was clicked: the list narrows to the jobs whose image holds it. */
    findColour: (hex: string) => setQuery((q) => ({ ...q, colour: hex })),
  };
}

export type FindState = ReturnType<typeof useFind>;
