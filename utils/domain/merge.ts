import { canonicalJson } from './canonical-json';
import { compareHlc, genOf, versionOf } from './clock';
import type { Job } from './job';
import { compareBirths } from './job-birth';
import {
  hasOrganising,
  joinOrganising,
  organisingStateOf,
  sameOrganising,
  withOrganising,
  withoutOrganising,
} from './organise';

export { canonicalJson } from './canonical-json';

/**
 * How far a version got: 2 it holds a result (an image someone paid for), 1 it finished without one,
 * 0 it is still waiting or running.
 */
export function progressOf(job: Pick<Job, 'status' | 'image'>): 0 | 1 | 2 {
  if (job.image !== null && job.image !== undefined) return 2;
  return job.status === 'success' || job.status === 'error' || job.status === 'cancelled' ? 1 : 0;
}

/**
 * Deterministic total order of two versions of one job (> 0 when `a` wins, < 0 when `b` wins, 0 for the same
 * version). Every replica picks the same winner whatever order versions reach it, by comparing in turn:
 * 0. the birth (job-birth.ts): records of one id born apart are two jobs, and the earlier-born keeps the id (the
 *    later-born one is kept under another id by the store's merge); every version of one job has one birth;
 * 1. the generation (clock.ts): a deliberate restart (retry, re-run) wins over every version before it;
 * 2. progress: within a generation, a version never gives way to one that got less far, so a stale copy
 *    (a queued version from a client that never saw the result, an old tab's save) cannot take a result or a
 *    finished state away;
 * 3. the hybrid logical clock (updatedAt, counter, node): the later edit wins;
 * 4. a delete wins a tie, then the larger canonical JSON.
 * The organising fields (organise.ts) take no part: they merge per field, on their own (mergeJobs).
 */
export function compareVersions(a: Job, b: Job): number {
  const byBirth = compareBirths(a, b);
  if (byBirth !== 0) return byBirth;
  const byGen = genOf(a) - genOf(b);
  if (byGen !== 0) return byGen;
  const byProgress = progressOf(a) - progressOf(b);
  if (byProgress !== 0) return byProgress;
  const byClock = compareHlc(versionOf(a), versionOf(b));
  if (byClock !== 0) return byClock;
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1;
  const ka = canonicalJson(withoutOrganising(withoutSeq(a)));
  const kb = canonicalJson(withoutOrganising(withoutSeq(b)));
  return ka === kb ? 0 : ka > kb ? 1 : -1;
}

/**
 * The version whose job-wide fields win (compareVersions), or null when `incoming`'s lose (or are the same).
 * Says nothing of the organising fields: use mergeJobs to keep both sides' of those.
 */
export function pickWinner(current: Job | undefined, incoming: Job): Job | null {
  if (!current) return incoming;
  return compareVersions(incoming, current) > 0 ? incoming : null;
}

/**
 * What a replica holds after seeing both versions of one job: the job-wide fields of the winner
 * (compareVersions), and each organising field merged on its own (organise.ts). Commutative, associative and
 * idempotent, so replicas that saw the same versions hold the same record. Without organising fields on
 * either side it is the winner itself.
 */
export function mergeJobs(a: Job, b: Job): Job {
  const winner = compareVersions(a, b) >= 0 ? a : b;
  const loser = winner === a ? b : a;
  // Another job under the same id: its star or tags are its own, never the winner's.
  if (compareBirths(a, b) !== 0) return winner;
  if (!hasOrganising(loser) || sameOrganising(winner, loser)) return winner;
  const org = joinOrganising(organisingStateOf(winner), organisingStateOf(loser));
  const merged = withOrganising(winner, org);
  return sameRecord(merged, winner) ? winner : merged;
}

/** Same record, the companion's `seq` aside. */
export function sameRecord(a: Job, b: Job): boolean {
  if (a === b) return true;
  return canonicalJson(withoutSeq(a)) === canonicalJson(withoutSeq(b));
}

function withoutSeq(job: Job): Record<string, unknown> {
  const { seq: _seq, ...rest } = job as Job & { seq?: unknown };
  return rest;
}
