import { compareVersions, forSyncVersion, type Job, mergeJobs, sameRecord } from '@/utils/domain';
import { commit, readSnapshot } from '@/utils/history/commit';
import { heldImages, showsImage, unheldImages } from '@/utils/history/images';
import { readSyncState, stripSeq } from '@/utils/history/reads';
import { mergeIncomingRecords, readRecordsSnapshot, recordsItems } from '@/utils/history/records-store';
import type { StoreWriter } from '@/utils/history/writer';
import { keys } from '@/utils/storage/keys';
import type { SubmitEntry, SyncState } from '@/utils/storage/layout';

export interface MergeOutcome {
  /** Ids whose stored version changed: the companion's, or ours merged with it. */
  applied: string[];
  /** Ids where the local version holds what the companion's lacks, and stays (or became) dirty. */
  keptLocal: string[];
}

export interface MergeRemoteOptions {
  images?: Record<string, string>;
  sync?: Partial<SyncState>;
  clearPendingPush?: boolean;
  submitted?: readonly string[];
  /** Records (boards, the queue) from the same answer, merged field by field in the same write. */
  records?: readonly unknown[];
  /**
   * The sync protocol the versions came in (default 2). A version-1 companion keeps no organising fields and
   * knows no `cancelled`: ours are compared as it would hold them (forSyncVersion), so they are not pushed forever.
   */
  syncVersion?: number;
}

/**
 * Versions from the companion merged into the local ones (merge.ts mergeJobs: the job-wide fields of the winner,
 * each organising field on its own), with their images, records and a sync-state patch in the same write (see
 * HistoryStore.mergeRemote). Call under the lock.
 */
export async function mergeRemote(
  w: StoreWriter,
  incoming: readonly Job[],
  opts: MergeRemoteOptions = {},
): Promise<MergeOutcome> {
  const syncVersion = opts.syncVersion ?? 2;
  // Everything the merge reads, read at once: one wait in storage's queue rather than one per read.
  const given = opts.images ?? {};
  const shown = new Set(
    incoming
      .filter(showsImage)
      .map((j) => j.image)
      .filter((hash) => given[hash] === undefined),
  );
  const [snap, held, syncBefore, recordsBefore] = await Promise.all([
    readSnapshot(w, [...new Set(incoming.map((j) => j.id))]),
    heldImages(w, shown),
    opts.sync ? readSyncState(w.storage) : null,
    opts.records?.length ? readRecordsSnapshot(w.storage) : null,
  ]);
  const current = new Map(snap.jobs);
  const winners = new Map<string, Job>();
  const outboxAdd = new Set<string>();
  const outboxRemove = new Set<string>();
  const keptLocal = new Set<string>();
  /** Ids whose local job-wide version beat the answer's (an idle version asked for again meanwhile). */
  const localWon = new Set<string>();
  for (const raw of incoming) {
    const job = stripSeq(raw);
    const local = current.get(job.id);
    if (local?.deleted && !job.deleted && compareVersions(job, local) > 0) {
      // A delete is final: a later live version (a run that finished after the user
      // deleted it) is buried again on top of that version, and the companion told.
      const buried: Job = (await w.clockOf()).stamp({ ...mergeJobs(local, job), deleted: true }, job);
      winners.set(job.id, buried);
      current.set(job.id, buried);
      outboxAdd.add(job.id);
      outboxRemove.delete(job.id);
      keptLocal.add(job.id);
      localWon.add(job.id);
      continue;
    }
    const merged = local ? mergeJobs(local, job) : job;
    if (!local || !sameRecord(merged, local)) {
      winners.set(job.id, merged);
      current.set(job.id, merged);
    }
    if (local && compareVersions(local, job) > 0) localWon.add(job.id);
    // What the companion would hold after taking ours: the same as its answer means nothing is left to push.
    const theirs = local ? mergeJobs(forSyncVersion(local, syncVersion), job) : job;
    if (sameRecord(theirs, job)) {
      outboxRemove.add(job.id);
      outboxAdd.delete(job.id);
      keptLocal.delete(job.id);
    } else {
      outboxAdd.add(job.id);
      outboxRemove.delete(job.id);
      keptLocal.add(job.id);
    }
  }
  // Images the winners show that are neither given nor held here: wanted, in this same write.
  const wantedAdd = await unheldImages(w, winners.values(), opts.images, { read: shown, held });
  // A submission answered: its entry goes. A local idle version that stays (newer than a live answer)
  // was asked for again while the submission was in flight: it goes to the runner again, as a retry.
  // A tombstone answer ends it: the push carries the local version and the deleting replica buries it.
  const submitAdd: SubmitEntry[] = [];
  const answered = new Map(incoming.map((j) => [j.id, j]));
  for (const id of opts.submitted ?? []) {
    const local = current.get(id);
    const answer = answered.get(id);
    if (localWon.has(id) && answer && !answer.deleted && local && !local.deleted && local.status === 'idle')
      submitAdd.push({ id, action: 'retry' });
  }
  const extra: Record<string, unknown> = {};
  if (opts.sync && syncBefore) extra[keys.sync] = { ...syncBefore, ...opts.sync };
  if (opts.clearPendingPush) extra[keys.pushPending] = null;
  if (opts.records?.length && recordsBefore) {
    Object.assign(extra, recordsItems(recordsBefore, mergeIncomingRecords(recordsBefore, opts.records)));
  }
  await commit(w, snap, {
    jobs: winners,
    outboxAdd,
    outboxRemove,
    images: opts.images,
    wantedAdd,
    extra,
    submitRemove: opts.submitted,
    submitAdd,
  });
  return { applied: [...winners.keys()], keptLocal: [...keptLocal] };
}
