import { compareHlc, genOf, versionOf } from './clock';
import type { Job } from './job';

/**
 * How far a version got: 2 it holds a result (an image someone paid for), 1 it finished without one,
 * 0 it is still waiting or running.
 */
export function progressOf(job: Pick<Job, 'status' | 'image'>): 0 | 1 | 2 {
  if (job.image !== null && job.image !== undefined) return 2;
  return job.status === 'success' || job.status === 'error' ? 1 : 0;
}

/**
 * Deterministic total order of two versions of one job (> 0 when `a` wins, < 0 when `b` wins, 0 for the same
 * version). Every replica picks the same winner whatever order versions reach it, by comparing in turn:
 * 1. the generation (clock.ts): a deliberate restart (retry, re-run) wins over every version before it;
 * 2. progress: within a generation, a version never gives way to one that got less far, so a stale copy
 *    (a queued version from a client that never saw the result, an old tab's save) cannot take a result or a
 *    finished state away;
 * 3. the hybrid logical clock (updatedAt, counter, node): the later edit wins;
 * 4. a delete wins a tie, then the larger canonical JSON.
 */
export function compareVersions(a: Job, b: Job): number {
  const byGen = genOf(a) - genOf(b);
  if (byGen !== 0) return byGen;
  const byProgress = progressOf(a) - progressOf(b);
  if (byProgress !== 0) return byProgress;
  const byClock = compareHlc(versionOf(a), versionOf(b));
  if (byClock !== 0) return byClock;
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1;
  const ka = canonicalJson(withoutSeq(a));
  const kb = canonicalJson(withoutSeq(b));
  return ka === kb ? 0 : ka > kb ? 1 : -1;
}

/** The winning version, or null when `incoming` should be ignored (it loses, or it is the same version). */
export function pickWinner(current: Job | undefined, incoming: Job): Job | null {
  if (!current) return incoming;
  return compareVersions(incoming, current) > 0 ? incoming : null;
}

function withoutSeq(job: Job): Record<string, unknown> {
  const { seq: _seq, ...rest } = job as Job & { seq?: unknown };
  return rest;
}

/** JSON with sorted keys, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
