import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JobFacts, localDay } from '@/utils/insights/facts';
import { type KeyTotal, promptCounter, topPrompts } from '@/utils/insights/summary';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 12);

/** The obvious way: every prompt counted, every total sorted, the first `limit` kept. */
function bruteForce(facts: readonly JobFacts[], from: string, to: string, limit: number): KeyTotal[] {
  const totals = new Map<string, { count: number; micros: number }>();
  for (const f of facts) {
    const day = localDay(f.createdAt);
    if (day < from || day > to) continue;
    const key = f.prompt.trim().replace(/\s+/g, ' ');
    const t = totals.get(key) ?? { count: 0, micros: 0 };
    t.count += 1;
    if (typeof f.usd === 'number') t.micros += Math.round(f.usd * 1e6);
    totals.set(key, t);
  }
  return [...totals]
    .map(([key, t]) => ({ key, count: t.count, usd: t.micros / 1e6 }))
    .sort((a, b) => b.count - a.count || b.usd - a.usd || (a.key < b.key ? -1 : 1))
    .slice(0, limit);
}

// Few words and spacings, so prompts repeat, tie on count and spend, and differ only in whitespace.
const promptArb = fc
  .array(fc.constantFrom('knight', 'red', 'slime', 'Slime'), { minLength: 1, maxLength: 3 })
  .chain((words) => fc.tuple(fc.constant(words), fc.constantFrom(' ', '  ', '\t', ' \n')))
  .chain(([words, gap]) => fc.constantFrom(words.join(gap), ` ${words.join(' ')}`, `${words.join(' ')} `));
const factArb = fc.record({
  prompt: promptArb,
  createdAt: fc.integer({ min: 0, max: 9 }).map((d) => T0 + d * DAY),
  usd: fc.option(fc.constantFrom(0.01, 0.0125, 0.02), { nil: undefined }),
});

describe('topPrompts', () => {
  it('equals counting every prompt and sorting them all, for any history, range and limit (property)', () => {
    fc.assert(
      fc.property(
        fc.array(factArb, { maxLength: 80 }),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 9 }),
        (raw, a, b) => {
          const facts = raw.map(
            (f, i) => ({ ...f, id: `j${i}`, status: 'success', kind: 'generate', width: 32, height: 32 }) as JobFacts,
          );
          const from = localDay(T0 + Math.min(a, b) * DAY);
          const to = localDay(T0 + Math.max(a, b) * DAY);
          for (const limit of [1, 3, 10])
            expect(topPrompts(facts, from, to, limit)).toEqual(bruteForce(facts, from, to, limit));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts the same in slices as at once (the panel counts 100,000 rows a chunk per task)', () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (raw, size) => {
        const facts = raw.map(
          (f, i) => ({ ...f, id: `j${i}`, status: 'success', kind: 'generate', width: 8, height: 8 }) as JobFacts,
        );
        const counter = promptCounter('0000-00-00', '9999-99-99');
        for (let i = 0; i < facts.length; i += size) counter.add(facts.slice(i, i + size));
        expect(counter.top(10)).toEqual(topPrompts(facts, '0000-00-00', '9999-99-99'));
      }),
    );
  });
});
