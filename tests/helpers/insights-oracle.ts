import fc from 'fast-check';
import type { Job } from '@/utils/domain/job';
import { durationKey } from '@/utils/insights/aggregate';
import { type JobFacts, localDay, sizeKey } from '@/utils/insights/facts';
import { daysBetween } from '@/utils/insights/summary';

/**
 * The Insights reference, written the obvious way (filter, group, sort) with none of aggregate.ts, so the
 * incremental aggregates are checked against an independent computation.
 */
export interface Expected {
  days: string[];
  spend: Record<string, Record<string, number>>;
  jobs: Record<string, Record<string, number>>;
  total: { jobs: number; micros: number; paid: number };
  durations: Record<string, { count: number; median: number; p90: number; max: number }>;
  reasons: Record<string, number>;
  tags: Record<string, { count: number; micros: number }>;
  boards: Record<string, { count: number; micros: number }>;
  today: { jobs: number; micros: number };
}

const micros = (usd: number) => Math.round(usd * 1e6);

function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

export function bruteForce(facts: readonly JobFacts[], from: string, to: string, today: string): Expected {
  const days = daysBetween(from, to);
  const inRange = facts.filter((f) => {
    const d = localDay(f.createdAt);
    return d >= from && d <= to;
  });
  const spend: Expected['spend'] = {};
  const jobs: Expected['jobs'] = {};
  for (const f of inRange) {
    const d = localDay(f.createdAt);
    jobs[d] ??= {};
    jobs[d][f.status] = (jobs[d][f.status] ?? 0) + 1;
    // A day's spend lists only the kinds that cost something.
    if (f.usd !== undefined && micros(f.usd) !== 0) {
      spend[d] ??= {};
      spend[d][f.kind] = (spend[d][f.kind] ?? 0) + micros(f.usd);
    }
  }
  const timed = inRange.filter((f) => f.status === 'success' && f.duration !== undefined);
  const durations: Expected['durations'] = {};
  const groups = new Map<string, number[]>([['all', []]]);
  for (const f of timed) {
    const v = Number(durationKey(f.duration!));
    const key = sizeKey(f.width, f.height);
    groups.set(key, [...(groups.get(key) ?? []), v]);
    groups.get('all')!.push(v);
  }
  for (const [key, values] of groups) {
    if (values.length === 0) continue;
    const sorted = [...values].sort((a, b) => a - b);
    durations[key] = {
      count: sorted.length,
      median: nearestRank(sorted, 0.5),
      p90: nearestRank(sorted, 0.9),
      max: sorted[sorted.length - 1]!,
    };
  }
  const reasons: Record<string, number> = {};
  for (const f of inRange) if (f.reason) reasons[f.reason] = (reasons[f.reason] ?? 0) + 1;
  const labels = (pick: (f: JobFacts) => string[] | undefined) => {
    const out: Record<string, { count: number; micros: number }> = {};
    for (const f of inRange) {
      for (const key of new Set(pick(f) ?? [])) {
        out[key] ??= { count: 0, micros: 0 };
        out[key].count += 1;
        out[key].micros += f.usd === undefined ? 0 : micros(f.usd);
      }
    }
    return out;
  };
  const todays = facts.filter((f) => localDay(f.createdAt) === today);
  return {
    days,
    spend,
    jobs,
    total: {
      jobs: inRange.length,
      micros: inRange.reduce((s, f) => s + (f.usd === undefined ? 0 : micros(f.usd)), 0),
      paid: inRange.filter((f) => f.usd !== undefined).length,
    },
    durations,
    reasons,
    tags: labels((f) => f.tags),
    boards: labels((f) => f.boards),
    today: {
      jobs: todays.length,
      micros: todays.reduce((s, f) => s + (f.usd === undefined ? 0 : micros(f.usd)), 0),
    },
  };
}

/** A moment in a 90-day window ending at NOW, so ranges of 7 and 30 days cut through the history. */
export const NOW = new Date(2025, 5, 30, 15, 0).getTime();
const WINDOW_MS = 90 * 86_400_000;

/** Random job versions: a few ids, so versions replace each other; organising fields some of the time. */
export const jobVersionArb = (ids: readonly string[]) =>
  fc
    .record({
      id: fc.constantFrom(...ids),
      createdAt: fc.integer({ min: NOW - WINDOW_MS, max: NOW }),
      status: fc.constantFrom('idle', 'queued', 'running', 'success', 'error'),
      kind: fc.constantFrom('generate', 'rotate'),
      size: fc.constantFrom([64, 64], [32, 32], [128, 96]),
      usd: fc.option(
        fc.integer({ min: 0, max: 50_000 }).map((u) => u / 1e6),
        { nil: null },
      ),
      duration: fc.option(
        fc.integer({ min: 0, max: 200_000 }).map((ms) => ms / 1000),
        { nil: null },
      ),
      error: fc.constantFrom(
        'PixelLab did not answer within 120 s',
        'PixelLab did not answer within 0.2 s',
        'PixelLab rate limit reached (429): slow down',
        'interrupted',
      ),
      tags: fc.option(fc.uniqueArray(fc.constantFrom('forest', 'hero', 'ui', 'boss'), { maxLength: 3 }), {
        nil: undefined,
      }),
      boards: fc.option(fc.uniqueArray(fc.constantFrom('tileset', 'npc'), { maxLength: 2 }), { nil: undefined }),
      deleted: fc.boolean(),
    })
    .map(
      (r): Job => ({
        id: r.id,
        kind: r.kind as Job['kind'],
        prompt: `prompt of ${r.id}`,
        width: r.size[0]!,
        height: r.size[1]!,
        seed: null,
        status: r.status as Job['status'],
        error: r.status === 'error' ? r.error : null,
        image: null,
        rotate: null,
        groupId: null,
        startTime: null,
        endTime: null,
        duration: r.duration,
        createdAt: r.createdAt,
        updatedAt: r.createdAt,
        usd: r.usd,
        deleted: r.deleted,
        ...(r.tags ? { tags: r.tags } : {}),
        ...(r.boards ? { boards: r.boards } : {}),
      }),
    );
