import type { JobStatus } from '@/utils/domain/job';
import type { IndexEntry } from '@/utils/storage/layout';

export type StatusFilter = JobStatus | 'all';

/**
 * Lowercase prompts of `next`, reusing those of `prev` (aligned with `prevLower`) for the rows they share
 * at the start and at the end: an index change usually adds rows at the top or changes one in place.
 */
export function updateLowerPrompts(
  prev: readonly IndexEntry[],
  prevLower: readonly string[],
  next: readonly IndexEntry[],
): string[] {
  const same = (a: IndexEntry | undefined, b: IndexEntry | undefined) =>
    !!a && !!b && a.id === b.id && a.prompt === b.prompt;
  const limit = Math.min(prev.length, next.length);
  let head = 0;
  while (head < limit && same(prev[head], next[head])) head++;
  let tail = 0;
  while (tail < limit - head && same(prev[prev.length - 1 - tail], next[next.length - 1 - tail])) tail++;
  const out = new Array<string>(next.length);
  for (let i = 0; i < head; i++) out[i] = prevLower[i]!;
  for (let i = head; i < next.length - tail; i++) out[i] = next[i]!.prompt.toLowerCase();
  for (let i = 0; i < tail; i++) out[next.length - 1 - i] = prevLower[prev.length - 1 - i]!;
  return out;
}

export interface PromptSearch {
  /** The rows changed: keeps the lowercase prompts up to date once a search has built them. */
  entriesChanged(entries: readonly IndexEntry[]): void;
  /**
   * Rows whose prompt holds every word of `text`, with `status` (and, when given, that failed for `reason`, as
   * Insights groups failures); `version` names `entries` for the memo.
   */
  filter(
    entries: readonly IndexEntry[],
    version: number,
    text: string,
    status: StatusFilter,
    reason?: string | null,
  ): readonly IndexEntry[];
}

/** Search over the rows in memory: lowercased once by the first search, then kept up to date; the last answer memoized. */
export function createPromptSearch(): PromptSearch {
  /** Lowercase prompts of `entries`, built by the first search and kept up to date from then on. */
  let lowered: { entries: readonly IndexEntry[]; lower: string[] } | null = null;
  let filterMemo: { key: string; result: readonly IndexEntry[] } | null = null;

  return {
    entriesChanged(entries) {
      // No search yet: nothing to keep up to date (the first search lowercases what it needs).
      if (lowered && lowered.entries !== entries)
        lowered = { entries, lower: updateLowerPrompts(lowered.entries, lowered.lower, entries) };
      filterMemo = null;
    },

    filter(entries, version, text, status, reason = null) {
      const terms = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
      if (terms.length === 0 && status === 'all' && reason === null) return entries;
      const memoKey = `${version}\u0000${status}\u0000${reason ?? ''}\u0000${terms.join(' ')}`;
      if (filterMemo?.key === memoKey) return filterMemo.result;
      // Lowercased by the first search that needs it, then kept up to date by entriesChanged.
      if (terms.length && lowered?.entries !== entries) {
        lowered = {
          entries,
          lower: lowered
            ? updateLowerPrompts(lowered.entries, lowered.lower, entries)
            : entries.map((e) => e.prompt.toLowerCase()),
        };
      }
      const lower = terms.length ? lowered!.lower : [];
      const out: IndexEntry[] = [];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (status !== 'all' && entry.status !== status) continue;
        if (reason !== null && entry.reason !== reason) continue;
        const prompt = lower[i] ?? '';
        let hit = true;
        for (const term of terms) {
          if (!prompt.includes(term)) {
            hit = false;
            break;
          }
        }
        if (hit) out.push(entry);
      }
      filterMemo = { key: memoKey, result: out };
      return out;
    },
  };
}
