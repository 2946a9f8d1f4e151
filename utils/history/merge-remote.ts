import { compareVersions, type Job, pickWinner } from '@/utils/domain';
import { commit, readSnapshot } from '@/utils/history/commit';
import { unheldImages } from '@/utils/history/images';
import { readSyncState, stripSeq } from '@/utils/history/reads';
import type { StoreWriter } from '@/utils/history/writer';
import { keys } from '@/utils/storage/keys';
import type { SubmitEntry, SyncState } from '@/utils/storage/layout';

export interface MergeOutcome {
  /** Ids whose incoming version replaced the local one. */
  applied: string[];
  /** Ids where the local version is newer and stays (or became) dirty. */
  keptLocal: string[];
}

export interface MergeRemoteOptions {
  images?: Record<string, string>;
  sync?: Partial<SyncState>;
  clearPendingPush?: boolean;
  submitted?: readonly string[];
}

/**
 * Last-writer-wins merge of versions from the companion, with their images and a sync-state patch in the
 * same write (see HistoryStore.mergeRemote). Call under the lock.
 */
export async function mergeRemote(
  w: StoreWriter,
  incoming: readonly Job[],
  opts: MergeRemoteOptions = {},
): Promise<MergeOutcome> {
  const snap = await readSnapshot(w, [...new Set(incoming.map((j) => j.id))]);
  const current = new Map(snap.jobs);
  const winners = new Map<string, Job>();
  const outboxAdd = new Set<string>();
  const outboxRemove = new Set<string>();
  const keptLocal = new Set<string>();
  for (const raw of incoming) {
    const job = stripSeq(raw);
    const local = current.get(job.id);
    if (local?.deleted && !job.deleted && compareVersions(job, local) > 0) {
      // A delete is final: a later live version (a run that finished after the user
      // deleted it) is buried again on top of that version, and the companion told.
      const buried: Job = (await w.clockOf()).stamp({ ...job, deleted: true }, job);
      winners.set(job.id, buried);
      current.set(job.id, buried);
      outboxAdd.add(job.id);
      outboxRemove.delete(job.id);
      keptLocal.add(job.id);
    } else if (pickWinner(local, job) === job) {
      winners.set(job.id, job);
      current.set(job.id, job);
      // The local version lost (or was equal): nothing of ours is left to push.
      outboxRemove.add(job.id);
      outboxAdd.delete(job.id);
      keptLocal.delete(job.id);
    } else if (local && compareVersions(local, job) > 0) {
      // Ours is newer: the companion must receive it.
      outboxAdd.add(job.id);
      outboxRemove.delete(job.id);
      keptLocal.add(job.id);
    } else {
      outboxRemove.add(job.id);
    }
  }
  // Images the winners show that are neither given nor held here: wanted, in this same write.
  const wantedAdd = await unheldImages(w, winners.values(), opts.images);
  // A submission answered: its entry goes. A local idle version that stays (newer than a live answer)
  // was asked for again while the submission was in flight: it goes to the runner again, as a retry.
  // A tombstone answer ends it: the push carries the local version and the deleting replica buries it.
  const submitAdd: SubmitEntry[] = [];
  const answered = new Map(incoming.map((j) => [j.id, j]));
  for (const id of opts.submitted ?? []) {
    const local = current.get(id);
    const answer = answered.get(id);
    if (keptLocal.has(id) && answer && !answer.deleted && local && !local.deleted && local.status === 'idle')
      submitAdd.push({ id, action: 'retry' });
  }
  const extra: Record<string, unknown> = {};
  if (opts.sync) extra[keys.sync] = { ...(await readSyncState(w.storage)), ...opts.sync };
  if (opts.clearPendingPush) extra[keys.pushPending] = null;
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
