import { browser } from 'wxt/browser';
import type { InsightsMain, InsightsMonth } from '@/utils/insights/aggregate';
import { localDay } from '@/utils/insights/facts';
import { insightsMainSchema, insightsMonthSchema } from '@/utils/insights/schema';
import {
  bucketOfDays,
  type Insights,
  type InsightsRange,
  insightsOfFacts,
  type KeyTotal,
  monthsInRange,
  promptCounter,
  resolveRange,
  summarize,
  topPrompts,
} from '@/utils/insights/summary';
import type { PanelStorage, StorageChangeListener } from '@/utils/storage/area';
import { isInsightsMonthKey, keys } from '@/utils/storage/keys';
import { entryFacts, type IndexEntry } from '@/utils/storage/layout';

/**
 * Insights' read side in the panel: the stored aggregates (the background keeps them, utils/history/insights-keys.ts)
 * for a range, and the numbers of a filtered view computed from the index in memory. Reads only `insights` and the
 * months of the range, so opening Insights costs the same at 100,000 jobs as at 100. Never writes storage.
 */
export interface StoredInsights {
  main: InsightsMain;
  /** The months of the range read (none for "all"); a month that does not parse is left out and named in `damaged`. */
  months: Map<string, InsightsMonth>;
  damaged: string[];
}

export interface InsightsSource {
  /** The aggregates a range needs; null when the `insights` key is absent or unreadable. */
  read(range: InsightsRange, now: number): Promise<StoredInsights | null>;
  /** Everything Insights shows for a range over the whole history, top prompts included when `entries` are in. */
  insightsFor(range: InsightsRange, now: number, entries: readonly IndexEntry[] | null): Promise<Insights | null>;
  /** The newest price per kind and size (`generate:64x64`), for the form's cost preview; {} before any. */
  prices(): Promise<InsightsMain['prices']>;
  /** Calls back when an aggregate key changes; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

export function createInsightsSource(
  storage: PanelStorage = browser.storage.local as unknown as PanelStorage,
): InsightsSource {
  const source: InsightsSource = {
    async read(range, now) {
      const today = localDay(now);
      const got = await storage.get([keys.insights]);
      const parsed = insightsMainSchema.safeParse(got[keys.insights]);
      if (!parsed.success) return null;
      const main = parsed.data;
      const months = new Map<string, InsightsMonth>();
      const damaged: string[] = [];
      if (range !== 'all') {
        const { from, to } = resolveRange(range, today, null);
        const wanted = monthsInRange(from, to);
        const raw = await storage.get(wanted.map(keys.insightsMonth));
        for (const month of wanted) {
          const value = raw[keys.insightsMonth(month)];
          if (value === undefined) continue;
          const chunk = insightsMonthSchema.safeParse(value);
          if (chunk.success) months.set(month, chunk.data);
          else damaged.push(month);
        }
      }
      return { main, months, damaged };
    },
    async insightsFor(range, now, entries) {
      const insights = computeInsights({ range, now, stored: await source.read(range, now), narrowed: null, entries });
      if (!insights || insights.prompts || !entries) return insights;
      return { ...insights, prompts: promptsOf(entries, insights.from, insights.to) };
    },
    async prices() {
      const parsed = insightsMainSchema.safeParse((await storage.get([keys.insights]))[keys.insights]);
      return parsed.success ? parsed.data.prices : {};
    },
    onChange(listener) {
      const onChanged: StorageChangeListener = (changes) => {
        if (Object.keys(changes).some((key) => key === keys.insights || isInsightsMonthKey(key))) listener();
      };
      storage.onChanged.addListener(onChanged);
      return () => storage.onChanged.removeListener(onChanged);
    },
  };
  return source;
}

export interface InsightsInput {
  range: InsightsRange;
  now: number;
  /** The stored aggregates for the range (null: none readable). */
  stored: StoredInsights | null;
  /** The rows the active search and filters leave, or null when nothing narrows the history. */
  narrowed: readonly IndexEntry[] | null;
  /** Every row, once the index is in (null before). */
  entries: readonly IndexEntry[] | null;
}

/**
 * The numbers to show, or null while they cannot be known yet. A narrowed view is computed from its rows; the
 * whole history from the stored aggregates (its top prompts come later, from `promptsOf`), or from every row
 * when the aggregates are unreadable.
 */
export function computeInsights(input: InsightsInput): Insights | null {
  const { range, now, stored, narrowed, entries } = input;
  if (narrowed) return insightsOfFacts(narrowed.map(entryFacts), range, now);
  if (stored && stored.damaged.length === 0) {
    const today = localDay(now);
    const first = Object.keys(stored.main.days).sort()[0] ?? null;
    const { from, to } = resolveRange(range, today, first);
    const bucket = range === 'all' ? stored.main.total : bucketOfDays(stored.months, from, to);
    return summarize({ from, to, today, days: stored.main.days, bucket });
  }
  return entries ? insightsOfFacts(entries.map(entryFacts), range, now) : null;
}

/** The range's top prompts over every row (the stored aggregates do not keep prompts: there are as many as jobs). */
export function promptsOf(entries: readonly IndexEntry[], from: string, to: string): KeyTotal[] {
  return topPrompts(entries.map(entryFacts), from, to);
}

/** Rows counted per task: a few milliseconds each, so the panel answers while 100,000 prompts are counted. */
export const PROMPT_CHUNK = 5_000;

/** Runs `run` when the page is idle (after pending input and the frame's own work), or soon after. */
function whenIdle(run: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(run, { timeout: 500 });
    return () => cancelIdleCallback(handle);
  }
  const timer = setTimeout(run, 0);
  return () => clearTimeout(timer);
}

/**
 * `promptsOf`, begun after the next paint and done a chunk per task; calls `done` with the result unless
 * cancelled by the returned function first.
 */
export function countPromptsLater(
  entries: readonly IndexEntry[],
  from: string,
  to: string,
  done: (prompts: KeyTotal[]) => void,
): () => void {
  const counter = promptCounter(from, to);
  let at = 0;
  let cancel = () => {};
  const step = () => {
    counter.add(entries.slice(at, at + PROMPT_CHUNK).map(entryFacts));
    at += PROMPT_CHUNK;
    if (at < entries.length) cancel = whenIdle(step);
    else done(counter.top(10));
  };
  // Idle time after an animation frame comes after that frame is painted: the plots show first.
  if (typeof requestAnimationFrame === 'function') {
    const frame = requestAnimationFrame(() => (cancel = whenIdle(step)));
    cancel = () => cancelAnimationFrame(frame);
  } else cancel = whenIdle(step);
  return () => cancel();
}
