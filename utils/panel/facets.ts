import { normalizeTag } from '@/utils/domain/organise-schema';
import { authorKey } from '@/utils/panel/devices';
import { entrySize } from '@/utils/panel/filter';
import type { IndexEntry } from '@/utils/storage/layout';

/** What the filter menus offer: the tags and sizes the history holds, most used first. */
export interface Facets {
  /** Tags, most used first, then A-Z. */
  tags: readonly string[];
  /** `WxH`, most used first. */
  sizes: readonly string[];
  /** Author keys (devices.ts authorKey), most jobs first. */
  authors: readonly string[];
}

function ranked(counts: Map<string, number>): string[] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
}

export function facetsOf(entries: readonly IndexEntry[]): Facets {
  const tags = new Map<string, number>();
  const sizes = new Map<string, number>();
  const authors = new Map<string, number>();
  for (const entry of entries) {
    const author = authorKey(entry);
    if (author) authors.set(author, (authors.get(author) ?? 0) + 1);
    if (entry.tags) for (const tag of entry.tags) tags.set(tag, (tags.get(tag) ?? 0) + 1);
    const size = entrySize(entry);
    if (size) sizes.set(size, (sizes.get(size) ?? 0) + 1);
  }
  return { tags: ranked(tags), sizes: ranked(sizes), authors: ranked(authors) };
}

/** Memoized per rows: the menus ask on every render, the rows change far less often. */
export function createFacets(): (entries: readonly IndexEntry[]) => Facets {
  let memo: { entries: readonly IndexEntry[]; facets: Facets } | null = null;
  return (entries) => {
    if (memo?.entries !== entries) memo = { entries, facets: facetsOf(entries) };
    return memo.facets;
  };
}

/**
 * Tags to suggest for what is typed: those starting with it first, then those holding it, in the order given
 * (most used first), without those already chosen; at most `limit`.
 */
export function suggestTags(
  all: readonly string[],
  typed: string,
  chosen: readonly string[] = [],
  limit = 8,
): string[] {
  const text = normalizeTag(typed);
  const starts: string[] = [];
  const holds: string[] = [];
  for (const tag of all) {
    if (chosen.includes(tag)) continue;
    if (tag.startsWith(text)) starts.push(tag);
    else if (text && tag.includes(text)) holds.push(tag);
    if (starts.length >= limit) break;
  }
  return [...starts, ...holds].slice(0, limit);
}
