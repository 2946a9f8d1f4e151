import { useEffect, useMemo, useState } from 'preact/hooks';
import { localDay } from '@/utils/insights/facts';
import type { Insights, InsightsRange, KeyTotal } from '@/utils/insights/summary';
import {
  computeInsights,
  countPromptsLater,
  type InsightsSource,
  type StoredInsights,
} from '@/utils/panel/insights-source';
import type { IndexEntry } from '@/utils/storage/layout';

export interface UseInsightsOptions {
  source: InsightsSource;
  range: InsightsRange;
  now: number;
  /** The rows the active search and filters leave; null when nothing narrows the history. */
  narrowed: readonly IndexEntry[] | null;
  /** Every row once the index is in, else null. */
  entries: readonly IndexEntry[] | null;
}

const rangeKey = (range: InsightsRange) => (typeof range === 'string' ? range : `${range.from}..${range.to}`);

/**
 * Insights for the view: the stored aggregates of the range (read again when the background changes them), or the
 * narrowed rows' own numbers; the top prompts, which need every row, a moment after the first paint.
 */
export function useInsights({ source, range, now, narrowed, entries }: UseInsightsOptions): {
  insights: Insights | null;
} {
  const key = rangeKey(range);
  const today = localDay(now);
  const [stored, setStored] = useState<{ key: string; value: StoredInsights | null } | null>(null);
  const [changes, setChanges] = useState(0);
  useEffect(() => source.onChange(() => setChanges((n) => n + 1)), [source]);
  useEffect(() => {
    let live = true;
    source.read(range, now).then(
      (value) => live && setStored({ key, value }),
      () => live && setStored({ key, value: null }),
    );
    return () => {
      live = false;
    };
    // `range` and `now` are read through key and today: a new object for the same range reads nothing.
  }, [source, key, today, changes]);

  const current = stored?.key === key ? stored.value : undefined;
  const base = useMemo(() => {
    if (!narrowed && current === undefined) return null;
    return computeInsights({ range, now, stored: current ?? null, narrowed, entries: current ? null : entries });
  }, [current, narrowed, key, today, current ? null : entries]);

  const [prompts, setPrompts] = useState<{ for: Insights; value: KeyTotal[] } | null>(null);
  useEffect(() => {
    if (!base || base.prompts || !entries) return;
    // After the first paint, a chunk per task: counting prompts walks every row.
    return countPromptsLater(entries, base.from, base.to, (value) => setPrompts({ for: base, value }));
  }, [base, entries]);

  if (!base || base.prompts) return { insights: base };
  return { insights: { ...base, prompts: prompts?.for === base ? prompts.value : null } };
}
