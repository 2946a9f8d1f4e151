import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForce, type Expected, jobVersionArb, NOW } from '@/tests/helpers/insights-oracle';
import { createClock } from '@/utils/domain/clock';
import type { Job } from '@/utils/domain/job';
import { addToSetField } from '@/utils/domain/organise';
import {
  applyChanges,
  durationKey,
  type FactsChange,
  foldInsights,
  type InsightsState,
  monthsOf,
  toMicros,
} from '@/utils/insights/aggregate';
import { factsOf, failureReason, type JobFacts, localDay } from '@/utils/insights/facts';
import {
  addDays,
  bucketOfDays,
  type Insights,
  type InsightsRange,
  insightsOfFacts,
  monthsInRange,
  quantile,
  resolveRange,
  summarize,
} from '@/utils/insights/summary';

/** An Insights answer in the oracle's shape. */
function asExpected(got: Insights): Expected {
  const spend: Expected['spend'] = {};
  const jobs: Expected['jobs'] = {};
  got.days.forEach((day, i) => {
    for (const kind of got.kinds) {
      const usd = got.spendByKind[kind]![i]!;
      if (usd !== 0) (spend[day] ??= {})[kind] = toMicros(usd);
    }
    for (const status of got.statuses) {
      const n = got.jobsByStatus[status]![i]!;
      if (n !== 0) (jobs[day] ??= {})[status] = n;
    }
  });
  const labels = (dim: string) =>
    Object.fromEntries((got.byKey[dim] ?? []).map((t) => [t.key, { count: t.count, micros: toMicros(t.usd) }]));
  return {
    days: got.days,
    spend,
    jobs,
    total: { jobs: got.totals.jobs, micros: toMicros(got.totals.usd), paid: got.totals.paid },
    durations: Object.fromEntries(
      got.durations.map((d) => [d.key, { count: d.count, median: d.median, p90: d.p90, max: d.max }]),
    ),
    reasons: Object.fromEntries(got.reasons.map((r) => [r.key, r.count])),
    tags: labels('tag'),
    boards: labels('board'),
    today: { jobs: got.today.jobs, micros: toMicros(got.today.usd) },
  };
}

/** The stored aggregates' answer for a range, as the panel computes it from the keys. */
function fromState(state: InsightsState, range: InsightsRange): Insights {
  const today = localDay(NOW);
  const first = Object.keys(state.main.days).sort()[0] ?? null;
  const { from, to } = resolveRange(range, today, first);
  const bucket = range === 'all' ? state.main.total : bucketOfDays(state.months, from, to);
  return summarize({ from, to, today, days: state.main.days, bucket });
}

/** Replays versions as the store would: each replaces the live one of its id; a deleted one removes it. */
function replay(versions: readonly Job[]): { state: InsightsState; live: Map<string, JobFacts> } {
  const state: InsightsState = foldInsights([], 'test');
  const live = new Map<string, JobFacts>();
  for (const job of versions) {
    const before = live.get(job.id) ?? null;
    const after = job.deleted ? null : factsOf(job);
    const change: FactsChange = { before, after };
    for (const month of monthsOf([change])) if (!state.months.has(month)) state.months.set(month, { days: {} });
    expect(applyChanges(state, [change])).not.toBeNull();
    if (after) live.set(job.id, after);
    else live.delete(job.id);
  }
  return { state, live };
}

const customRangeArb = fc
  .tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 0, max: 95 }))
  .map(([a, b]): InsightsRange => ({ from: addDays(localDay(NOW), -a), to: addDays(localDay(NOW), -b) }));
const rangeArb = fc.oneof(fc.constantFrom<InsightsRange>('7d', '30d', 'all'), customRangeArb);
const historyArb = fc.array(jobVersionArb(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']), { maxLength: 80 });

describe('insights aggregates', () => {
  it('kept incrementally, they answer every range as a brute-force count of the final history does', () => {
    fc.assert(
      fc.property(historyArb, rangeArb, (versions, range) => {
        const { state, live } = replay(versions);
        const facts = [...live.values()];
        const got = fromState(state, range);
        expect(asExpected(got)).toEqual(bruteForce(facts, got.from, got.to, localDay(NOW)));
      }),
      { numRuns: 400 },
    );
  });

  it('after any sequence of changes they equal the aggregates of the final history computed from scratch', () => {
    fc.assert(
      fc.property(historyArb, (versions) => {
        const { state, live } = replay(versions);
        const fresh = foldInsights(live.values(), 'test');
        expect(state.main.total).toEqual(fresh.main.total);
        expect(state.main.days).toEqual(fresh.main.days);
        const nonEmpty = (s: InsightsState) =>
          Object.fromEntries([...s.months].filter(([, m]) => Object.keys(m.days).length > 0));
        expect(nonEmpty(state)).toEqual(nonEmpty(fresh));
      }),
      { numRuns: 300 },
    );
  });

  it('computed from the jobs themselves (a filtered view), they agree with the brute force too', () => {
    fc.assert(
      fc.property(historyArb, rangeArb, (versions, range) => {
        const facts = [...replay(versions).live.values()];
        const got = insightsOfFacts(facts, range, NOW);
        expect(asExpected(got)).toEqual(bruteForce(facts, got.from, got.to, localDay(NOW)));
      }),
      { numRuns: 300 },
    );
  });

  it('remembers the newest price seen per kind and size, for the cost preview', () => {
    const job = (id: string, createdAt: number, usd: number): Job =>
      ({
        id,
        kind: 'generate',
        prompt: 'p',
        width: 64,
        height: 64,
        status: 'success',
        createdAt,
        updatedAt: createdAt,
        usd,
      }) as Job;
    const state = foldInsights([factsOf(job('new', NOW, 0.02)), factsOf(job('old', NOW - 1000, 0.01))], 'test');
    expect(state.main.prices['generate:64x64']).toEqual({ usd: 0.02, at: NOW });
  });

  it('flags aggregates that do not match the history (taking away a job never added)', () => {
    const state = foldInsights([], 'test');
    const facts = factsOf({ id: 'x', kind: 'generate', status: 'success', createdAt: NOW } as Job);
    for (const month of monthsOf([{ before: facts, after: null }])) state.months.set(month, { days: {} });
    expect(applyChanges(state, [{ before: facts, after: null }])).toBeNull();
  });
});

describe('insights helpers', () => {
  it('groups failure reasons by their first clause, numbers aside but HTTP error statuses', () => {
    expect(failureReason('PixelLab did not answer within 0.2 s')).toBe('PixelLab did not answer within N s');
    expect(failureReason('PixelLab did not answer within 120 s')).toBe('PixelLab did not answer within N s');
    expect(failureReason('PixelLab rate limit reached (429): Rate limit exceeded. Try again.')).toBe(
      'PixelLab rate limit reached (429)',
    );
    expect(failureReason('PixelLab rejected the API key (401): Invalid API token')).toBe(
      'PixelLab rejected the API key (401)',
    );
    expect(failureReason('PixelLab answered with an error (503)')).not.toBe(
      failureReason('PixelLab answered with an error (502)'),
    );
    expect(failureReason('No answer within 500 ms')).toBe('No answer within N ms');
    expect(failureReason('')).toBe('Unknown error');
    expect(failureReason(null)).toBe('Unknown error');
    expect(failureReason('x'.repeat(500))).toHaveLength(80);
  });

  it('keeps durations to 3 significant digits and takes nearest-rank quantiles', () => {
    expect(durationKey(12.345)).toBe('12.3');
    expect(durationKey(0.04567)).toBe('0.0457');
    expect(durationKey(1234.5)).toBe('1230');
    expect(durationKey(0)).toBe('0');
    expect(quantile({ '1': 1, '2': 1, '3': 1, '4': 1 }, 0.5)).toBe(2);
    expect(quantile({ '1': 9, '10': 1 }, 0.9)).toBe(1);
    expect(quantile({ '1': 8, '10': 2 }, 0.9)).toBe(10);
    expect(quantile({}, 0.5)).toBe(0);
  });

  it('resolves ranges by the calendar', () => {
    expect(resolveRange('7d', '2025-03-31', null)).toEqual({ from: '2025-03-25', to: '2025-03-31' });
    expect(resolveRange('30d', '2025-03-01', null)).toEqual({ from: '2025-01-31', to: '2025-03-01' });
    expect(resolveRange('all', '2025-03-01', '2024-12-30')).toEqual({ from: '2024-12-30', to: '2025-03-01' });
    expect(resolveRange({ from: '2025-02-10', to: '2025-01-10' }, '2025-03-01', null)).toEqual({
      from: '2025-01-10',
      to: '2025-02-10',
    });
    expect(monthsInRange('2024-11-20', '2025-02-01')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
  });

  it('reads tags and boards from the organising fields, author loosely, and only a failed job has a reason', () => {
    const base = { id: 'x', kind: 'generate', status: 'success', createdAt: NOW, prompt: 'p' } as Job;
    const organised = addToSetField(
      addToSetField(base, 'tags', ['hero', 'forest'], createClock('a'), 32),
      'boards',
      ['board-1'],
      createClock('a'),
      32,
    );
    expect(factsOf(organised)).toMatchObject({ tags: ['forest', 'hero'], boards: ['board-1'] });
    expect(
      factsOf({ ...base, tags: ['b', 'a', 'a', ''], boards: 'nope', author: 'ana' } as unknown as Job),
    ).toMatchObject({ tags: ['a', 'b'], author: 'ana' });
    expect(factsOf({ ...base, boards: 'nope' } as unknown as Job).boards).toBeUndefined();
    expect(factsOf({ ...base, error: 'old error' }).reason).toBeUndefined();
    expect(factsOf({ ...base, status: 'error', error: 'boom' }).reason).toBe('boom');
  });
});
