import { type FindFilter, filterKey, matchesFields, matchesTerms, refines, searchTerms } from '@/utils/panel/filter';
import { updateLowerPrompts } from '@/utils/panel/search';
import { type SortKey, sortOrder } from '@/utils/panel/sort';
import type { IndexEntry } from '@/utils/storage/layout';

export interface FindQuery extends FindFilter {
  sort: SortKey;
}

/** The rows the history list shows for a query. */
export interface Finder {
  /**
   * `entries` is named by `version` (PanelSnapshot.entriesVersion): the same version, the same rows.
   * `colourIds`: the jobs holding `query.colour` (ColourIndexReader.jobsWith), a new set when the index changed.
   */
  run(
    entries: readonly IndexEntry[],
    version: number,
    query: FindQuery,
    colourIds?: ReadonlySet<string>,
  ): readonly IndexEntry[];
}

/**
 * Filter and sort over the rows in memory, in three memoized layers, so a keystroke costs what it changes:
 * - the order of every row, per (rows, sort): sorted once, not per keystroke;
 * - the rows passing the filters other than the words, walked in that order (so already sorted);
 * - the rows holding the words, found among the previous answer's rows when the new words refine the old
 *   (one more letter), else among the filtered rows.
 * Positions are kept in Int32Arrays; the rows are made from them once per answer.
 */
export function createFinder(): Finder {
  let lowered: { entries: readonly IndexEntry[]; lower: string[] } | null = null;
  let order: { entries: readonly IndexEntry[]; sort: SortKey; at: Int32Array } | null = null;
  let base: {
    entries: readonly IndexEntry[];
    key: string;
    colourIds: ReadonlySet<string> | undefined;
    at: Int32Array;
  } | null = null;
  let last: {
    entries: readonly IndexEntry[];
    version: number;
    key: string;
    terms: string[];
    /** The filtered rows it was found among: a refinement is valid only over the same ones. */
    base: Int32Array;
    at: Int32Array;
    rows: readonly IndexEntry[];
  } | null = null;

  function lowerOf(entries: readonly IndexEntry[]): string[] {
    if (lowered?.entries !== entries) {
      lowered = {
        entries,
        lower: lowered
          ? updateLowerPrompts(lowered.entries, lowered.lower, entries)
          : entries.map((e) => e.prompt.toLowerCase()),
      };
    }
    return lowered.lower;
  }

  function orderOf(entries: readonly IndexEntry[], sort: SortKey): Int32Array {
    if (order?.entries !== entries || order.sort !== sort)
      order = { entries, sort, at: sortOrder(entries, sort, sort === 'prompt' ? lowerOf(entries) : undefined) };
    return order.at;
  }

  return {
    run(entries, version, query, colourIds) {
      const key = `${query.sort}\u0000${filterKey(query)}`;
      // The colour index changed (or matters no more): the filtered rows are found anew, not refined.
      if (query.colour === null) colourIds = undefined;
      if (base && base.colourIds !== colourIds) base = null;
      const terms = searchTerms(query.text);
      if (last && base && last.entries === entries && last.version === version && last.key === key) {
        if (last.terms.join(' ') === terms.join(' ')) return last.rows;
      }
      const sorted = orderOf(entries, query.sort);
      if (base?.entries !== entries || base.key !== key) {
        const out = new Int32Array(sorted.length);
        let n = 0;
        for (let i = 0; i < sorted.length; i++) {
          const at = sorted[i]!;
          if (matchesFields(entries[at]!, query, colourIds)) out[n++] = at;
        }
        base = { entries, key, colourIds, at: out.subarray(0, n) };
      }
      let at = base.at;
      if (terms.length > 0) {
        const lower = lowerOf(entries);
        // One more letter: the answer is among the last answer's rows.
        const from =
          last &&
          last.entries === entries &&
          last.key === key &&
          last.base === base.at &&
          last.terms.length > 0 &&
          refines(last.terms, terms)
            ? last.at
            : base.at;
        const out = new Int32Array(from.length);
        let n = 0;
        for (let i = 0; i < from.length; i++) {
          const p = from[i]!;
          if (matchesTerms(lower[p]!, terms)) out[n++] = p;
        }
        at = out.subarray(0, n);
      }
      const rows = new Array<IndexEntry>(at.length);
      for (let i = 0; i < at.length; i++) rows[i] = entries[at[i]!]!;
      last = { entries, version, key, terms, base: base.at, at, rows };
      return rows;
    },
  };
}
