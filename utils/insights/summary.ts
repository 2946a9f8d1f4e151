import { jobKindSchema, jobStatusSchema } from '@/utils/domain/job';
import {
  addToBucket,
  type Bucket,
  type DaySeries,
  DIMENSIONS,
  emptyBucket,
  fromMicros,
  type InsightsMonth,
  mergeBucket,
  slot,
  toMicros,
} from '@/utils/insights/aggregate';
import { type JobFacts, localDay, monthOfDay } from '@/utils/insights/facts';

/** What the range picker offers: the last 7 or 30 days (today included), all of it, or two days (inclusive). */
export type InsightsRange = '7d' | '30d' | 'all' | { from: string; to: string };

export interface KeyTotal {
  key: string;
  count: number;
  usd: number;
}

export interface DurationStats {
  /** A size (`64x64`), or `all`. */
  key: string;
  count: number;
  /** Seconds (to 3 significant digits): the nearest-rank median and 90th percentile, and the slowest. */
  median: number;
  p90: number;
  max: number;
}

/** What Insights shows for a range: plain numbers, the same for the view, the console API and the tests. */
export interface Insights {
  from: string;
  to: string;
  /** Every day of the range, oldest first: the plots' x axis. */
  days: string[];
  /** The job schema's kinds, then any other kind found. */
  kinds: string[];
  /** USD per day per kind, aligned with `days`. */
  spendByKind: Record<string, number[]>;
  /** The job schema's statuses, then any other status found. */
  statuses: string[];
  /** Jobs per day per status, aligned with `days`. */
  jobsByStatus: Record<string, number[]>;
  totals: { jobs: number; usd: number; paid: number; byStatus: Record<string, number>; byKind: Record<string, number> };
  /** Today (the local day), whatever the range: jobs made and what they cost. */
  today: { day: string; jobs: number; usd: number };
  durations: DurationStats[];
  /** Failure reasons, most frequent first. */
  reasons: KeyTotal[];
  /** Every dimension of aggregate.ts DIMENSIONS (tag, board, author, size...), most jobs first. */
  byKey: Record<string, KeyTotal[]>;
  /** Prompts by jobs and spend, when the jobs themselves were at hand (null from the stored aggregates alone). */
  prompts: KeyTotal[] | null;
}

/** The day `n` days after `day` (negative: before), by the calendar, whatever the DST shifts. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return localDay(new Date(y, m - 1, d + n, 12).getTime());
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  // Bounded: a hand-typed range of centuries is cut at about 30 years of days.
  for (let day = from; day <= to && out.length < 11_000; day = addDays(day, 1)) out.push(day);
  return out;
}

/** The range's first and last day; "all" starts at the first day with jobs (`firstDay`), or today. */
export function resolveRange(
  range: InsightsRange,
  today: string,
  firstDay: string | null,
): { from: string; to: string } {
  if (range === '7d') return { from: addDays(today, -6), to: today };
  if (range === '30d') return { from: addDays(today, -29), to: today };
  if (range === 'all') return { from: firstDay && firstDay < today ? firstDay : today, to: today };
  return range.from <= range.to ? { from: range.from, to: range.to } : { from: range.to, to: range.from };
}

/** The months a range's days fall in, as `YYYY-MM`. */
export function monthsInRange(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const last = monthOfDay(to);
  for (let i = 0; i < 1200; i++) {
    const month = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    out.push(month);
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** The detail of a range, summed from month chunks' day buckets. */
export function bucketOfDays(months: ReadonlyMap<string, InsightsMonth>, from: string, to: string): Bucket {
  const out = emptyBucket();
  for (const [month, chunk] of months) {
    if (month < monthOfDay(from) || month > monthOfDay(to)) continue;
    for (const [dd, bucket] of Object.entries(chunk.days)) {
      const day = `${month}-${dd}`;
      if (day >= from && day <= to) mergeBucket(out, bucket);
    }
  }
  return out;
}

/** Nearest-rank quantile of a histogram of `durationKey`s. */
export function quantile(hist: Record<string, number>, q: number): number {
  const entries = Object.entries(hist)
    .map(([key, count]) => [Number(key), count] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [value, count] of entries) {
    seen += count;
    if (seen >= rank) return value;
  }
  return entries[entries.length - 1]![0];
}

function durationStats(key: string, count: number, hist: Record<string, number> | undefined): DurationStats {
  const h = hist ?? {};
  const values = Object.keys(h).map(Number);
  return { key, count, median: quantile(h, 0.5), p90: quantile(h, 0.9), max: values.length ? Math.max(...values) : 0 };
}

const byCountThenKey = (a: KeyTotal, b: KeyTotal) => b.count - a.count || b.usd - a.usd || (a.key < b.key ? -1 : 1);

/** The schema's values first, in its order, then others found (a newer client's), sorted. */
function ordered(schemaValues: readonly string[], found: Iterable<string>): string[] {
  const extra = [...new Set(found)].filter((v) => !schemaValues.includes(v)).sort();
  return [...schemaValues, ...extra];
}

export interface SummaryInput {
  from: string;
  to: string;
  today: string;
  /** Day series covering at least the range and today. */
  days: Readonly<Record<string, DaySeries>>;
  /** The range's detail. */
  bucket: Bucket;
  prompts?: KeyTotal[] | null;
}

/** The numbers of a range, from its day series and its detail bucket. */
export function summarize(input: SummaryInput): Insights {
  const { from, to, today, bucket } = input;
  const days = daysBetween(from, to);
  const kinds = new Set<string>();
  const statuses = new Set<string>();
  for (const day of days) {
    const series = input.days[day];
    if (!series) continue;
    for (const k of Object.keys(series.spend)) kinds.add(k);
    for (const s of Object.keys(series.status)) statuses.add(s);
  }
  const kindList = ordered(jobKindSchema.options, kinds);
  const statusList = ordered(jobStatusSchema.options, statuses);
  const spendByKind = Object.fromEntries(
    kindList.map((k) => [k, days.map((d) => fromMicros(input.days[d]?.spend[k] ?? 0))]),
  );
  const jobsByStatus = Object.fromEntries(statusList.map((s) => [s, days.map((d) => input.days[d]?.status[s] ?? 0)]));
  const todaySeries = input.days[today];
  const byKey: Record<string, KeyTotal[]> = {};
  for (const dim of DIMENSIONS) {
    byKey[dim.name] = Object.entries(bucket.by[dim.name] ?? {})
      .map(([key, cell]) => ({ key, count: cell.n, usd: fromMicros(cell.micros) }))
      .sort(byCountThenKey);
  }
  const sizes = Object.entries(bucket.by.size ?? {})
    .filter(([, cell]) => cell.timed > 0)
    .map(([key, cell]) => durationStats(key, cell.timed, cell.hist))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  const count = (dim: string) =>
    Object.fromEntries(Object.entries(bucket.by[dim] ?? {}).map(([key, cell]) => [key, cell.n]));
  return {
    from,
    to,
    days,
    kinds: kindList,
    spendByKind,
    statuses: statusList,
    jobsByStatus,
    totals: {
      jobs: bucket.n,
      usd: fromMicros(bucket.micros),
      paid: bucket.paid,
      byStatus: count('status'),
      byKind: count('kind'),
    },
    today: {
      day: today,
      jobs: Object.values(todaySeries?.status ?? {}).reduce((a, b) => a + b, 0),
      usd: fromMicros(Object.values(todaySeries?.spend ?? {}).reduce((a, b) => a + b, 0)),
    },
    durations: bucket.timed > 0 ? [...sizes, durationStats('all', bucket.timed, bucket.hist)] : [],
    reasons: byKey.reason ?? [],
    byKey,
    prompts: input.prompts ?? null,
  };
}

/** Prompts of a set of jobs, most made first (whitespace collapsed, so a re-typed prompt counts as the same). */
export function topPrompts(facts: Iterable<JobFacts>, from: string, to: string, limit = 10): KeyTotal[] {
  const counter = promptCounter(from, to);
  counter.add(facts);
  return counter.top(limit);
}

/**
 * Counts prompts a slice at a time (the panel counts 100,000 rows in several short tasks). Nearly every prompt is
 * distinct at that size: plain counters, and the top picked in one pass rather than every prompt sorted (that
 * sort was 2 s of Insights' first second at 100,000 jobs).
 */
export function promptCounter(from: string, to: string) {
  const counts = new Map<string, number>();
  const micros = new Map<string, number>();
  return {
    add(facts: Iterable<JobFacts>) {
      for (const f of facts) {
        const day = localDay(f.createdAt);
        if (day < from || day > to) continue;
        const key = MESSY_SPACE.test(f.prompt) ? f.prompt.trim().replace(/\s+/g, ' ') : f.prompt;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (typeof f.usd === 'number') micros.set(key, (micros.get(key) ?? 0) + toMicros(f.usd));
      }
    },
    top(limit: number): KeyTotal[] {
      const top: KeyTotal[] = [];
      for (const [key, count] of counts) {
        const last = top[limit - 1];
        if (last && count < last.count) continue;
        const item = { key, count, usd: fromMicros(micros.get(key) ?? 0) };
        if (last && byCountThenKey(item, last) > 0) continue;
        top.splice(sortedIndex(top, item), 0, item);
        if (top.length > limit) top.pop();
      }
      return top;
    },
  };
}

/** Whitespace a prompt would lose when collapsed: at either end, doubled, or other than a plain space. */
const MESSY_SPACE = /^\s|\s$|\s\s|[^\S ]/;

/** Where `item` goes in `sorted` (byCountThenKey order). */
function sortedIndex(sorted: readonly KeyTotal[], item: KeyTotal): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byCountThenKey(sorted[mid]!, item) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The numbers of a range computed from the jobs themselves: the filtered view (search, status, a failure reason),
 * where no stored aggregate fits. Linear in the jobs given.
 */
export function insightsOfFacts(facts: readonly JobFacts[], range: InsightsRange, now: number): Insights {
  const today = localDay(now);
  let first: string | null = null;
  for (const f of facts) {
    const day = localDay(f.createdAt);
    if (first === null || day < first) first = day;
  }
  const { from, to } = resolveRange(range, today, first);
  const bucket = emptyBucket();
  const days: Record<string, DaySeries> = {};
  const inRange: JobFacts[] = [];
  for (const f of facts) {
    const day = localDay(f.createdAt);
    if (day === today || (day >= from && day <= to)) {
      const series = slot<DaySeries>(days, day, () => ({ status: {}, spend: {} }));
      series.status[f.status] = (series.status[f.status] ?? 0) + 1;
      if (typeof f.usd === 'number') series.spend[f.kind] = (series.spend[f.kind] ?? 0) + toMicros(f.usd);
    }
    if (day >= from && day <= to) {
      addToBucket(bucket, f, 1);
      inRange.push(f);
    }
  }
  return summarize({ from, to, today, days, bucket, prompts: topPrompts(inRange, from, to) });
}
