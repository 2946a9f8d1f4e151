import type { Job } from '@/utils/domain';
import {
  applyChanges,
  currentTimeZone,
  type FactsChange,
  type InsightsMain,
  type InsightsMonth,
  type InsightsState,
  monthsOf,
} from '@/utils/insights/aggregate';
import { factsOf } from '@/utils/insights/facts';
import { insightsMainSchema, insightsMonthSchema } from '@/utils/insights/schema';
import type { StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';

/**
 * How a commit keeps Insights' aggregates (utils/insights/) up to date from the changed jobs alone: the `insights`
 * key comes with the commit's snapshot, the months the changes touch in a second small read.
 */

/**
 * The stored `insights` value, or null when it cannot be updated incrementally (unreadable, counted in another
 * time zone, or absent beside an existing index): then the store rebuilds it from the job records.
 */
export function parseInsights(raw: unknown, indexRaw: unknown): InsightsMain | null {
  if (raw === undefined) return indexRaw === undefined ? { ...emptyMain() } : null;
  const parsed = insightsMainSchema.safeParse(raw);
  return parsed.success && parsed.data.tz === currentTimeZone() ? parsed.data : null;
}

function emptyMain(): InsightsMain {
  return {
    version: 1,
    tz: currentTimeZone(),
    total: { n: 0, micros: 0, paid: 0, timed: 0, ms: 0, by: {} },
    days: {},
    prices: {},
  };
}

/** Each changed job's facts before (its live stored version) and after (null for a tombstone). */
export function factsChanges(before: ReadonlyMap<string, Job>, after: ReadonlyMap<string, Job>): FactsChange[] {
  const changes: FactsChange[] = [];
  for (const [id, job] of after) {
    const old = before.get(id);
    changes.push({ before: old && !old.deleted ? factsOf(old) : null, after: job.deleted ? null : factsOf(job) });
  }
  return changes;
}

/**
 * The storage items that bring the aggregates past these changes, or null when they do not match the history
 * (a month unreadable, or a count that would go below 0): the caller rebuilds.
 */
export async function updatedInsightsItems(
  storage: StorageAreaLike,
  main: InsightsMain,
  changes: readonly FactsChange[],
): Promise<Record<string, unknown> | null> {
  const months = [...monthsOf(changes)];
  const raw = months.length > 0 ? await storage.get(months.map(keys.insightsMonth)) : {};
  const state: InsightsState = { main, months: new Map() };
  for (const month of months) {
    const value = raw[keys.insightsMonth(month)];
    if (value === undefined) state.months.set(month, { days: {} });
    else {
      const parsed = insightsMonthSchema.safeParse(value);
      if (!parsed.success) return null;
      state.months.set(month, parsed.data);
    }
  }
  const touched = applyChanges(state, changes);
  return touched ? insightsItems(state, touched) : null;
}

/** The `insights` key and the given months' keys of a state. */
export function insightsItems(
  state: InsightsState,
  months: Iterable<string> = state.months.keys(),
): Record<string, unknown> {
  const items: Record<string, unknown> = { [keys.insights]: state.main };
  for (const month of months)
    items[keys.insightsMonth(month)] = state.months.get(month) ?? ({ days: {} } satisfies InsightsMonth);
  return items;
}
