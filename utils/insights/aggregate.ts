import { type JobFacts, localDay, monthOfDay, sizeKey } from '@/utils/insights/facts';

/**
 * Insights' aggregates, kept incrementally: a job version adds its facts (sign 1), the version it replaces takes
 * its own away (sign -1). Every measure is an integer (micro-dollars, milliseconds, counts), so adding and taking
 * away never drifts, and a cell whose count reaches 0 is dropped.
 */

/** Counts and sums of a set of jobs. */
export interface Cell {
  /** Jobs. */
  n: number;
  /** USD in millionths, over the jobs that name a cost. */
  micros: number;
  /** Jobs that name a cost. */
  paid: number;
  /** Successful jobs with a duration, and their durations summed in ms. */
  timed: number;
  ms: number;
  /** Durations of the timed jobs, rounded to 3 significant digits (durationKey) -> count; median and p90 from it. */
  hist?: Record<string, number>;
}

/** A cell broken down by every dimension: `by[dimension][key]`. */
export interface Bucket extends Cell {
  by: Record<string, Record<string, Cell>>;
}

/**
 * One way to break jobs down. A job may have several keys (tags, boards) or none. A new organising field or a
 * new breakdown is one line here; statuses and kinds are whatever the job schema holds, never a fixed list.
 */
export interface Dimension {
  name: string;
  keysOf(facts: JobFacts): readonly string[];
  /** Keep a duration histogram per key (median, p90 and slowest per key). */
  durations?: boolean;
}

export const DIMENSIONS: readonly Dimension[] = [
  { name: 'status', keysOf: (f) => [f.status] },
  { name: 'kind', keysOf: (f) => [f.kind] },
  { name: 'size', keysOf: (f) => [sizeKey(f.width, f.height)], durations: true },
  { name: 'reason', keysOf: (f) => (f.reason ? [f.reason] : []) },
  { name: 'tag', keysOf: (f) => f.tags ?? [] },
  { name: 'board', keysOf: (f) => f.boards ?? [] },
  { name: 'author', keysOf: (f) => (f.author ? [f.author] : []) },
];

/** A day of the plots' series: jobs per status, spend per kind (micro-USD). Small, so years of days stay cheap to read. */
export interface DaySeries {
  status: Record<string, number>;
  spend: Record<string, number>;
}

/** The most recent price seen for a kind and size (`generate:64x64`): what the form's cost preview uses. */
export interface Price {
  usd: number;
  at: number;
}

/** The `insights` key: everything the unfiltered view needs for any range of whole history ("all"). */
export interface InsightsMain {
  version: 1;
  /** The time zone days were counted in; another one means the aggregates are rebuilt. */
  tz: string;
  total: Bucket;
  days: Record<string, DaySeries>;
  prices: Record<string, Price>;
}

/** An `insights:<YYYY-MM>` key: the month's days in full detail, for ranges shorter than "all". */
export interface InsightsMonth {
  days: Record<string, Bucket>;
}

/** The aggregates with the months a change touches loaded (all of them after a fold). */
export interface InsightsState {
  main: InsightsMain;
  months: Map<string, InsightsMonth>;
}

/** One job's change: the version replaced (null for a new job) and the new one (null when it leaves: deleted). */
export interface FactsChange {
  before: JobFacts | null;
  after: JobFacts | null;
}

/** `record[key]`, made with `make` first when absent. */
export function slot<T>(record: Record<string, T>, key: string, make: () => T): T {
  let value = record[key];
  if (value === undefined) {
    value = make();
    record[key] = value;
  }
  return value;
}

export const emptyCell = (): Cell => ({ n: 0, micros: 0, paid: 0, timed: 0, ms: 0 });
export const emptyBucket = (): Bucket => ({ ...emptyCell(), by: {} });

/** The time zone the panel and background count days in. */
export function currentTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
  } catch {
    return 'local';
  }
}

export function emptyInsights(tz = currentTimeZone()): InsightsMain {
  return { version: 1, tz, total: emptyBucket(), days: {}, prices: {} };
}

export const toMicros = (usd: number): number => Math.round(usd * 1e6);
export const fromMicros = (micros: number): number => micros / 1e6;

/** A duration's histogram key: 3 significant digits (12.3 s, 0.456 s, 125 s), so median and p90 are within 0.5 %. */
export function durationKey(seconds: number): string {
  return seconds > 0 ? String(Number(seconds.toPrecision(3))) : '0';
}

/** A job counts toward durations when it succeeded and says how long it took. */
export const isTimed = (f: JobFacts): boolean => f.status === 'success' && typeof f.duration === 'number';

/** The key of the last-price table. */
export const priceKey = (kind: string, width: number, height: number): string => `${kind}:${sizeKey(width, height)}`;

/** Adds (sign 1) or takes away (-1) one job's facts; false when a count went below 0 (the aggregate is not this history's). */
function addToCell(cell: Cell, f: JobFacts, sign: 1 | -1, histogram: boolean): boolean {
  cell.n += sign;
  if (typeof f.usd === 'number') {
    cell.micros += sign * toMicros(f.usd);
    cell.paid += sign;
  }
  if (isTimed(f)) {
    cell.timed += sign;
    cell.ms += sign * Math.round(f.duration! * 1000);
    if (histogram) {
      if (!cell.hist) cell.hist = {};
      const hist = cell.hist;
      const key = durationKey(f.duration!);
      const count = (hist[key] ?? 0) + sign;
      if (count < 0) return false;
      if (count > 0) hist[key] = count;
      else {
        // Only a removal can empty it: counting keys on every add made a filtered view's fold quadratic-ish.
        delete hist[key];
        if (Object.keys(hist).length === 0) delete cell.hist;
      }
    }
  }
  return cell.n >= 0 && cell.paid >= 0 && cell.timed >= 0;
}

export function addToBucket(bucket: Bucket, f: JobFacts, sign: 1 | -1): boolean {
  let ok = addToCell(bucket, f, sign, true);
  for (const dim of DIMENSIONS) {
    const keys = dim.keysOf(f);
    if (keys.length === 0) continue;
    const map = slot<Record<string, Cell>>(bucket.by, dim.name, () => ({}));
    for (const key of new Set(keys)) {
      const cell = slot(map, key, emptyCell);
      ok = addToCell(cell, f, sign, dim.durations === true) && ok;
      if (cell.n === 0) delete map[key];
    }
    if (sign < 0 && Object.keys(map).length === 0) delete bucket.by[dim.name];
  }
  return ok;
}

function addCount(map: Record<string, number>, key: string, delta: number): boolean {
  if (delta === 0) return true;
  const value = (map[key] ?? 0) + delta;
  if (value === 0) delete map[key];
  else map[key] = value;
  return value >= 0;
}

function addToDay(days: Record<string, DaySeries>, day: string, f: JobFacts, sign: 1 | -1): boolean {
  const series = slot<DaySeries>(days, day, () => ({ status: {}, spend: {} }));
  let ok = addCount(series.status, f.status, sign);
  if (typeof f.usd === 'number') ok = addCount(series.spend, f.kind, sign * toMicros(f.usd)) && ok;
  if (sign < 0 && Object.keys(series.status).length === 0 && Object.keys(series.spend).length === 0) delete days[day];
  return ok;
}

/** The months whose `insights:<month>` keys a set of changes touches. */
export function monthsOf(changes: Iterable<FactsChange>): Set<string> {
  const months = new Set<string>();
  for (const { before, after } of changes) {
    if (before) months.add(monthOfDay(localDay(before.createdAt)));
    if (after) months.add(monthOfDay(localDay(after.createdAt)));
  }
  return months;
}

/**
 * Applies job changes to the aggregates in place. The months they touch must be loaded in `state.months`
 * (monthsOf). Returns the months changed, or null when the aggregates turned out not to match the history
 * (a count below 0): then they must be rebuilt from the job records.
 */
export function applyChanges(state: InsightsState, changes: Iterable<FactsChange>): Set<string> | null {
  const touched = new Set<string>();
  let ok = true;
  const apply = (f: JobFacts, sign: 1 | -1) => {
    const day = localDay(f.createdAt);
    const month = monthOfDay(day);
    let chunk = state.months.get(month);
    if (!chunk) {
      chunk = { days: {} };
      state.months.set(month, chunk);
    }
    touched.add(month);
    const bucket = slot(chunk.days, day.slice(8), emptyBucket);
    ok = addToBucket(bucket, f, sign) && ok;
    if (bucket.n === 0) delete chunk.days[day.slice(8)];
    ok = addToBucket(state.main.total, f, sign) && ok;
    ok = addToDay(state.main.days, day, f, sign) && ok;
    if (sign === 1 && typeof f.usd === 'number') {
      const key = priceKey(f.kind, f.width, f.height);
      const seen = state.main.prices[key];
      if (!seen || f.createdAt >= seen.at) state.main.prices[key] = { usd: f.usd, at: f.createdAt };
    }
  };
  for (const { before, after } of changes) {
    if (before) apply(before, -1);
    if (after) apply(after, 1);
  }
  return ok ? touched : null;
}

/** The aggregates of a set of jobs, from scratch (migration, repair, and the reference the tests check against). */
export function foldInsights(facts: Iterable<JobFacts>, tz = currentTimeZone()): InsightsState {
  const state: InsightsState = { main: emptyInsights(tz), months: new Map() };
  const changes: FactsChange[] = [];
  for (const f of facts) changes.push({ before: null, after: f });
  applyChanges(state, changes);
  return state;
}

/** Adds `from` into `into` (range sums of day buckets). */
export function mergeBucket(into: Bucket, from: Bucket): Bucket {
  mergeCell(into, from);
  for (const [dim, map] of Object.entries(from.by)) {
    const target = slot<Record<string, Cell>>(into.by, dim, () => ({}));
    for (const [key, cell] of Object.entries(map)) mergeCell(slot(target, key, emptyCell), cell);
  }
  return into;
}

function mergeCell(into: Cell, from: Cell): void {
  into.n += from.n;
  into.micros += from.micros;
  into.paid += from.paid;
  into.timed += from.timed;
  into.ms += from.ms;
  if (from.hist) {
    if (!into.hist) into.hist = {};
    const hist = into.hist;
    for (const [key, count] of Object.entries(from.hist)) hist[key] = (hist[key] ?? 0) + count;
  }
}
