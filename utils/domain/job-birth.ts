import type { Job } from './job';

/**
 * Two jobs under one id (issue 22). The old dashboard mints `job-N` from a counter in its own localStorage, so two
 * devices, each with its own companion and dashboard, mint the same `job-5` for two different jobs. A job keeps its
 * birth (`createdAt`) for life, through every edit, run, restart and delete on any device, so two records of one
 * id with different births are two jobs, and records with one birth are versions of one job. Every replica
 * settles it the same way without talking: the earlier-born job keeps the id (merge.ts), and the later-born one
 * is kept under `clashId(id, its birth)`, the same new id on every device (store/plans.ts planMerge).
 */
export function sameBirth(a: Pick<Job, 'createdAt'>, b: Pick<Job, 'createdAt'>): boolean {
  return a.createdAt === b.createdAt;
}

/** > 0 when `a` was born first (it keeps the id), < 0 when `b` was, 0 for one birth (one job). */
export function compareBirths(a: Pick<Job, 'createdAt'>, b: Pick<Job, 'createdAt'>): number {
  return a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? 1 : -1;
}

/** Only id characters (job.ts jobIdSchema); at most 128 in all. */
const SUFFIX = '.at-';

/**
 * The id a later-born job takes when an earlier-born one holds `id`: computed from the id and the birth alone
 * (both in every copy of the job), so every device renames it to the same id whichever copy it saw first.
 */
export function clashId(id: string, birth: number): string {
  const suffix = `${SUFFIX}${birth.toString(36)}`;
  return `${id.slice(0, 128 - suffix.length)}${suffix}`;
}
