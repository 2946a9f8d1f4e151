import type { Job } from './job';

/**
 * Deterministic order of two versions of one job: last writer wins on `updatedAt`;
 * on a tie a delete wins, then the larger canonical JSON, so every replica picks the same.
 * Returns > 0 when `a` wins, < 0 when `b` wins, 0 when they are the same version.
 */
export function compareVersions(a: Job, b: Job): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt - b.updatedAt;
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1;
  const ka = canonicalJson(withoutSeq(a));
  const kb = canonicalJson(withoutSeq(b));
  return ka === kb ? 0 : ka > kb ? 1 : -1;
}

/** The winning version, or null when `incoming` should be ignored (older or identical). */
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
