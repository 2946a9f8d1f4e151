import { isTrashed, type Job } from '@/utils/domain';
import { foldInsights } from '@/utils/insights/aggregate';
import { factsOf } from '@/utils/insights/facts';
import { compareIndexEntries } from '@/utils/storage/index-pages';
import { emptyStats, HEAD_SIZE, type IndexEntry, type StoredStats, toIndexEntry } from '@/utils/storage/layout';

/** What the store derives from the job records: index order, index entries, stats. Pure. */

export { compareIndexEntries, toIndexEntry };

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

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
