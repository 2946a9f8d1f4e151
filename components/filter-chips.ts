import { STATUS_LABELS } from '@/components/format';
import { localDay } from '@/utils/insights/facts';
import type { FindQuery } from '@/utils/panel/find';

/** One active filter as the chip row shows it, and the query without it. */
export interface FilterChip {
  key: string;
  label: string;
  /** A colour the chip shows beside its label (`#rrggbb`). */
  swatch?: string;
  without(query: FindQuery): FindQuery;
}

const KIND_LABELS: Record<string, string> = { generate: 'Generated', rotate: 'Rotated' };

/** The active filters of a query, one chip each, in the order the filter menu lists them. */
export function chipsOf(
  query: FindQuery,
  boardName: (id: string) => string = (id) => id,
  authorName: (key: string) => string = (key) => key,
): FilterChip[] {
  const chips: FilterChip[] = [];
  if (query.trash) chips.push({ key: 'trash', label: 'In the trash', without: (q) => ({ ...q, trash: false }) });
  for (const status of query.statuses)
    chips.push({
      key: `status:${status}`,
      label: `Status: ${STATUS_LABELS[status]}`,
      without: (q) => ({ ...q, statuses: q.statuses.filter((s) => s !== status) }),
    });
  if (query.starred) chips.push({ key: 'starred', label: 'Starred', without: (q) => ({ ...q, starred: false }) });
  if (query.minRating !== null)
    chips.push({
      key: 'rating',
      label: `Rating ≥ ${query.minRating}`,
      without: (q) => ({ ...q, minRating: null }),
    });
  for (const tag of query.tags)
    chips.push({
      key: `tag:${tag}`,
      label: `Tag: ${tag}`,
      without: (q) => ({ ...q, tags: q.tags.filter((t) => t !== tag) }),
    });
  if (query.board !== null)
    chips.push({ key: 'board', label: `Board: ${boardName(query.board)}`, without: (q) => ({ ...q, board: null }) });
  if (query.author !== null)
    chips.push({
      key: 'author',
      label: `Author: ${authorName(query.author)}`,
      without: (q) => ({ ...q, author: null }),
    });
  if (query.size !== null)
    chips.push({ key: 'size', label: `Size: ${query.size.replace('x', '×')}`, without: (q) => ({ ...q, size: null }) });
  if (query.from !== null)
    chips.push({ key: 'from', label: `From ${localDay(query.from)}`, without: (q) => ({ ...q, from: null }) });
  if (query.to !== null)
    chips.push({ key: 'to', label: `Until ${localDay(query.to - 1)}`, without: (q) => ({ ...q, to: null }) });
  if (query.kind !== null)
    chips.push({
      key: 'kind',
      label: `Kind: ${KIND_LABELS[query.kind] ?? query.kind}`,
      without: (q) => ({ ...q, kind: null }),
    });
  if (query.hasError) chips.push({ key: 'error', label: 'Has error', without: (q) => ({ ...q, hasError: false }) });
  if (query.reason !== null)
    chips.push({ key: 'reason', label: `Failed with “${query.reason}”`, without: (q) => ({ ...q, reason: null }) });
  if (query.colour !== null)
    chips.push({
      key: 'colour',
      label: `Colour ${query.colour}`,
      swatch: query.colour,
      without: (q) => ({ ...q, colour: null }),
    });
  return chips;
}
