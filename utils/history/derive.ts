import { isTrashed, type Job } from '@/utils/domain';
import { foldInsights } from '@/utils/insights/aggregate';
import { factsOf } from '@/utils/insights/facts';
import { emptyStats, HEAD_SIZE, type IndexEntry, type StoredStats, toIndexEntry } from '@/utils/storage/layout';

export { toIndexEntry };

/** What the store derives from the job records: index order, index entries, stats. Pure. */

/** Newest first; ties by id so every replica lists the same order. */
export function compareIndexEntries(a: IndexEntry, b: IndexEntry): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Adds (sign 1) or removes (sign -1) one live job's contribution to the stats; a trashed job counts as trashed only. */
export function addToStats(stats: StoredStats, job: Job, sign: 1 | -1): void {
  if (job.deleted) return;
  if (isTrashed(job)) {
    stats.trashed += sign;
    return;
  }
  stats.total += sign;
  stats[job.status] += sign;
  if (job.status === 'success' && job.duration !== null) {
    stats.durationSum += sign * job.duration;
    stats.durationCount += sign;
  }
  stats.avgDuration = stats.durationCount > 0 ? Math.max(0, stats.durationSum) / stats.durationCount : null;
  if (stats.durationCount === 0) stats.durationSum = 0;
}

/** index, head, stats, tombstones and Insights' aggregates of a set of jobs, from scratch (migrations, repair). */
export function deriveLayout(jobs: Iterable<Job>) {
  const stats = emptyStats();
  const index: IndexEntry[] = [];
  const tombstones: string[] = [];
  const live: Job[] = [];
  for (const job of jobs) {
    if (job.deleted) tombstones.push(job.id);
    else {
      index.push(toIndexEntry(job));
      addToStats(stats, job, 1);
      // Insights counts a trashed job too: its money was spent and the trash can be undone; a purge removes it.
      live.push(job);
    }
  }
  index.sort(compareIndexEntries);
  return { index, head: headOf(index), stats, tombstones, insights: foldInsights(live.map(factsOf)) };
}

/** The ids of the newest HEAD_SIZE entries the history list shows (the trash's are not). */
export function headOf(index: readonly IndexEntry[]): string[] {
  const out: string[] = [];
  for (const entry of index) {
    if (out.length >= HEAD_SIZE) break;
    if (entry.trashedAt === undefined) out.push(entry.id);
  }
  return out;
}

/** Drops `remove` and inserts `add` keeping newest-first order: O(n + k log k). */
export function mergeIndex(index: IndexEntry[], remove: Set<string>, add: IndexEntry[]): IndexEntry[] {
  const kept = remove.size > 0 ? index.filter((e) => !remove.has(e.id)) : index;
  if (add.length === 0) return kept === index ? [...index] : kept;
  add.sort(compareIndexEntries);
  const out: IndexEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < kept.length || j < add.length) {
    if (j >= add.length || (i < kept.length && compareIndexEntries(kept[i]!, add[j]!) <= 0)) out.push(kept[i++]!);
    else out.push(add[j++]!);
  }
  return out;
}

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
