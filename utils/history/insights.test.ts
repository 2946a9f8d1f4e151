import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { bruteForce, jobVersionArb, NOW } from '@/tests/helpers/insights-oracle';
import type { Job } from '@/utils/domain';
import { createHistoryStore } from '@/utils/history/store';
import { factsOf, localDay } from '@/utils/insights/facts';
import { insightsMainSchema, insightsMonthSchema } from '@/utils/insights/schema';
import { bucketOfDays, type InsightsRange, resolveRange, summarize } from '@/utils/insights/summary';
import type { StorageAreaLike } from '@/utils/storage/area';
import { isInsightsMonthKey, isJobKey, keys } from '@/utils/storage/keys';
import { storedJobSchema } from '@/utils/storage/layout';
import { runMigrations } from '@/utils/storage/migrations';

/**
 * The background's store keeps Insights' aggregates beside the stats, from the changed jobs alone: after any
 * sequence of local writes, merges from the companion, clears and damaged aggregates, what the stored keys say
 * for a range is what a brute-force count of the stored job records says.
 */
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;

beforeEach(() => fakeBrowser.reset());

/** What the panel would show for a range, from the stored keys only. */
async function storedAnswer(range: InsightsRange) {
  const all = await local().get(null);
  const main = insightsMainSchema.parse(all[keys.insights]);
  const months = new Map(
    Object.entries(all)
      .filter(([key]) => isInsightsMonthKey(key))
      .map(([key, value]) => [key.slice('insights:'.length), insightsMonthSchema.parse(value)]),
  );
  const today = localDay(NOW);
  const { from, to } = resolveRange(range, today, Object.keys(main.days).sort()[0] ?? null);
  const bucket = range === 'all' ? main.total : bucketOfDays(months, from, to);
  const live = Object.entries(all)
    .filter(([key]) => isJobKey(key))
    .map(([, value]) => storedJobSchema.parse(value))
    .filter((job) => !job.deleted)
    .map(factsOf);
  return { got: summarize({ from, to, today, days: main.days, bucket }), live };
}

type Step =
  | { op: 'apply'; jobs: Job[] }
  | { op: 'merge'; jobs: Job[] }
  | { op: 'clear' }
  | { op: 'damage'; what: 'main' | 'month' };

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(jobVersionArb(ids), { minLength: 1, maxLength: 4 })
      .map((jobs) => ({ op: 'apply' as const, jobs })),
  },
  {
    weight: 3,
    arbitrary: fc
      .array(jobVersionArb(ids), { minLength: 1, maxLength: 4 })
      .map((jobs) => ({ op: 'merge' as const, jobs })),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('main' as const, 'month' as const).map((what) => ({ op: 'damage' as const, what })),
  },
);

describe('Insights aggregates in the background store', () => {
  it('match a brute-force count of the stored jobs after any sequence of writes, merges, clears and damage', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 10 }),
        fc.constantFrom<InsightsRange>('7d', '30d', 'all'),
        async (steps, range) => {
          fakeBrowser.reset();
          await runMigrations(local());
          const store = createHistoryStore(local());
          let clock = NOW;
          for (const step of steps) {
            if (step.op === 'apply') {
              // Versions in one batch share no id (a batch is one version per job).
              const batch = new Map(step.jobs.map((j) => [j.id, { ...j, updatedAt: ++clock }]));
              await store.applyJobs([...batch.values()]);
            } else if (step.op === 'merge') {
              await store.mergeRemote(step.jobs.map((j) => ({ ...j, updatedAt: ++clock })));
            } else if (step.op === 'clear') {
              await store.clear();
            } else {
              const all = await local().get(null);
              const month = Object.keys(all).find(isInsightsMonthKey);
              if (step.what === 'main') await local().set({ [keys.insights]: { version: 1, broken: true } });
              else if (month) {
                await local().set({ [month]: 'garbage' });
                // A damaged month is found, and everything rebuilt, when a change touches it.
                const [y, m] = month.slice('insights:'.length).split('-').map(Number) as [number, number];
                const [probe] = fc.sample(jobVersionArb(['probe']), 1);
                await store.applyJobs([
                  { ...probe!, createdAt: new Date(y, m - 1, 2).getTime(), updatedAt: ++clock, deleted: false },
                ]);
              }
            }
          }
          // One more write, so damage done by the last step is seen and repaired.
          await store.applyJobs([{ ...fc.sample(jobVersionArb(['z']), 1)[0]!, updatedAt: ++clock, deleted: false }]);
          const { got, live } = await storedAnswer(range);
          const expected = bruteForce(live, got.from, got.to, localDay(NOW));
          expect(got.totals.jobs).toBe(expected.total.jobs);
          expect(Math.round(got.totals.usd * 1e6)).toBe(expected.total.micros);
          expect(Object.fromEntries(got.reasons.map((r) => [r.key, r.count]))).toEqual(expected.reasons);
          expect(
            Object.fromEntries(
              got.durations.map((d) => [d.key, { count: d.count, median: d.median, p90: d.p90, max: d.max }]),
            ),
          ).toEqual(expected.durations);
          expect(Object.fromEntries((got.byKey.tag ?? []).map((t) => [t.key, t.count]))).toEqual(
            Object.fromEntries(Object.entries(expected.tags).map(([k, v]) => [k, v.count])),
          );
          expect(got.today).toMatchObject({ jobs: expected.today.jobs });
          const perDay = Object.fromEntries(
            got.days.flatMap((day, i) => {
              const n = got.statuses.reduce((sum, s) => sum + got.jobsByStatus[s]![i]!, 0);
              return n ? [[day, n]] : [];
            }),
          );
          expect(perDay).toEqual(
            Object.fromEntries(
              Object.entries(expected.jobs).map(([d, m]) => [d, Object.values(m).reduce((a, b) => a + b, 0)]),
            ),
          );
        },
      ),
      { numRuns: 80 },
    );
  }, 120_000);

  it('updates only the months a change touches', async () => {
    await runMigrations(local());
    const store = createHistoryStore(local());
    const [a] = fc.sample(jobVersionArb(['a']), { numRuns: 1, seed: 7 });
    await store.applyJobs([{ ...a!, createdAt: new Date(2025, 0, 5).getTime(), deleted: false }]);
    await store.applyJobs([{ ...a!, id: 'b', createdAt: new Date(2025, 2, 5).getTime(), deleted: false }]);
    const before = await local().get(keys.insightsMonth('2025-01'));
    const written: string[][] = [];
    const area = local();
    const set = area.set.bind(area);
    area.set = async (items) => {
      written.push(Object.keys(items));
      return set(items);
    };
    await store.applyJobs([
      {
        ...a!,
        id: 'b',
        createdAt: new Date(2025, 2, 5).getTime(),
        status: 'error',
        deleted: false,
        updatedAt: NOW + 5,
      },
    ]);
    expect(written.flat()).toContain(keys.insightsMonth('2025-03'));
    expect(written.flat()).not.toContain(keys.insightsMonth('2025-01'));
    expect(await local().get(keys.insightsMonth('2025-01'))).toEqual(before);
  });
});
