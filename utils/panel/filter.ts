import type { JobStatus } from '@/utils/domain/job';
import { authorKey } from '@/utils/panel/devices';
import type { IndexEntry } from '@/utils/storage/layout';

/**
 * What narrows the history list, besides the order (sort.ts): every field is one filter, and they combine
 * (AND) with each other and with the words of the search box. An empty filter keeps every live job; jobs in
 * the trash are out of the list unless `trash` asks for them (and then only they are in).
 */
export interface FindFilter {
  /** Words the prompt must all hold (case-insensitive). */
  text: string;
  /** Any of these statuses; empty: any status. */
  statuses: readonly JobStatus[];
  starred: boolean;
  /** Rated at least this many stars; null: any rating (or none). */
  minRating: number | null;
  /** Every one of these tags (normalised, normalizeTag). */
  tags: readonly string[];
  /** On this board (its id); null: any. */
  board: string | null;
  /** `WxH`, as sizeKey writes it; null: any. */
  size: string | null;
  /** Created at or after (ms); null: no lower bound. */
  from: number | null;
  /** Created before (ms); null: no upper bound. */
  to: number | null;
  /** 'generate' | 'rotate'; null: any. */
  kind: string | null;
  /** Only jobs that failed. */
  hasError: boolean;
  /** The failure reason Insights grouped (facts.ts failureReason); null: any. */
  reason: string | null;
  /** The trash instead of the history. */
  trash: boolean;
  /** `#rrggbb`: only jobs whose image holds this exact colour (the colour index, utils/panel/colour-index.ts). */
  colour: string | null;
  /** Made by this author, or on this device (devices.ts authorKey); null: anyone. */
  author: string | null;
}

export const emptyFilter: FindFilter = Object.freeze({
  text: '',
  statuses: [],
  starred: false,
  minRating: null,
  tags: [],
  board: null,
  size: null,
  from: null,
  to: null,
  kind: null,
  hasError: false,
  reason: null,
  trash: false,
  colour: null,
  author: null,
});

/** The search box's words, lowercased: what every prompt must hold. */
export function searchTerms(text: string): string[] {
  return text.trim().toLowerCase().split(/\s+/).filter(Boolean);
}

/** `64x64` for an entry that knows its size, else null. */
export function entrySize(entry: IndexEntry): string | null {
  return entry.width !== undefined && entry.height !== undefined ? `${entry.width}x${entry.height}` : null;
}

/** Whether the filter narrows anything beyond hiding the trash (the list says "N of M" then). */
export function isNarrowed(filter: FindFilter): boolean {
  return filterKey({ ...filter, trash: false }) !== filterKey(emptyFilter) || searchTerms(filter.text).length > 0;
}

/** A string naming everything but the search words: equal keys filter alike. */
export function filterKey(filter: FindFilter): string {
  return JSON.stringify([
    [...filter.statuses].sort(),
    filter.starred,
    filter.minRating,
    [...filter.tags].sort(),
    filter.board,
    filter.size,
    filter.from,
    filter.to,
    filter.kind,
    filter.hasError,
    filter.reason,
    filter.trash,
    filter.colour,
    filter.author,
  ]);
}

/**
 * Whether an entry passes every filter but the search words (which need its lowercase prompt: matchesTerms).
 * `colourIds`: the jobs holding `filter.colour` (ColourIndexReader.jobsWith); none when absent.
 */
export function matchesFields(entry: IndexEntry, filter: FindFilter, colourIds?: ReadonlySet<string>): boolean {
  if ((entry.trashedAt !== undefined) !== filter.trash) return false;
  if (filter.statuses.length > 0 && !filter.statuses.includes(entry.status)) return false;
  if (filter.starred && !entry.starred) return false;
  if (filter.minRating !== null && (entry.rating ?? 0) < filter.minRating) return false;
  if (filter.tags.length > 0) {
    const tags = entry.tags;
    if (!tags) return false;
    for (const tag of filter.tags) if (!tags.includes(tag)) return false;
  }
  if (filter.board !== null && !entry.boards?.includes(filter.board)) return false;
  if (filter.size !== null && entrySize(entry) !== filter.size) return false;
  if (filter.from !== null && entry.createdAt < filter.from) return false;
  if (filter.to !== null && entry.createdAt >= filter.to) return false;
  if (filter.kind !== null && (entry.kind ?? 'generate') !== filter.kind) return false;
  if (filter.hasError && entry.status !== 'error') return false;
  if (filter.reason !== null && entry.reason !== filter.reason) return false;
  if (filter.colour !== null && !colourIds?.has(entry.id)) return false;
  if (filter.author !== null && authorKey(entry) !== filter.author) return false;
  return true;
}

export function matchesTerms(lowerPrompt: string, terms: readonly string[]): boolean {
  for (const term of terms) if (!lowerPrompt.includes(term)) return false;
  return true;
}

/**
 * Whether every row that holds all of `next` also holds all of `prev`: then the rows of `next` are found among
 * those of `prev` (typing one more letter or word), not among all rows.
 */
export function refines(prev: readonly string[], next: readonly string[]): boolean {
  return prev.every((p) => next.some((n) => n.includes(p)));
}

/** Local midnight starting a `YYYY-MM-DD` day (date inputs give local days); null for anything else. */
export function localDayStart(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const ms = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Local midnight ending a `YYYY-MM-DD` day (the next day's start): a range "until" a day includes it. */
export function localDayEnd(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const ms = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime();
  return Number.isFinite(ms) ? ms : null;
}
