import type { Clock, SyncedJob } from '../../utils/domain';
import { type Committer, createCommitter } from './committer';
import type { DatedSnapshots } from './dated-snapshots';
import type { HistoryState, PreparedRecord } from './history-state';
import type { ImageBank } from './images';
import { planClear, planMerge, planPut, planReplaceAll } from './plans';
import { StoreError } from './store-error';
import type { JobStore } from './types';

/** Where changes go: the journal and the file (file-store.ts), or nowhere (memory-store.ts). */
export interface HistoryPersistence {
  readonly filePath: string;
  fileSize(): number;
  /** Makes these records durable (one fsync'd journal line); leaves nothing behind when it fails. */
  append(records: readonly PreparedRecord[], lastJobId?: number): Promise<void>;
  /** After each applied batch: the file is due to be rewritten (compaction). */
  changed(): void;
  /** Folds everything applied into job_history.json now (`force`: even when it holds it already). */
  compact(force?: boolean): Promise<void>;
  /** The final compaction, then releases the data dir. */
  close(): Promise<void>;
}

/**
 * The JobStore both stores share. Reads see only what is durable: a change is applied in memory after its
 * journal line is on disk, so a refused change leaves memory and disk as they were.
 */
export function createJobStore(deps: {
  state: HistoryState;
  /** Built with the committer, so it can rotate the journal between batches and merge a hand edit. */
  persistence: (committer: Committer) => HistoryPersistence;
  images: ImageBank;
  serverId: string;
  clock: Clock;
  now: () => number;
  savedAt: string | null;
  snapshots?: DatedSnapshots | null;
}): JobStore {
  const { state, images, serverId, clock, now } = deps;
  let closed = false;
  let savedAt = deps.savedAt;
  let persistence: HistoryPersistence | null = null;
  const committer = createCommitter(
    state,
    async (records, lastJobId) => {
      await persistence!.append(records, lastJobId);
      savedAt = new Date(now()).toISOString();
    },
    () => persistence!.changed(),
  );
  persistence = deps.persistence(committer);
  const durable = persistence;

  function assertOpen(): void {
    if (closed) throw new StoreError('The job store is closed and accepts no more changes', 'STORE_CLOSED');
  }

  const store: JobStore = {
    serverId,
    clock,
    get lastSeq() {
      return state.lastSeq;
    },
    get lastJobId() {
      return state.lastJobId;
    },
    get savedAt() {
      return savedAt;
    },
    snapshots: deps.snapshots ?? null,
    get liveCount() {
      return state.liveCount;
    },
    filePath: durable.filePath,

    get: (id) => state.get(id),
    list: () => state.list(),
    liveIndex: () => state.liveEntries().map((e) => ({ id: e.id, status: e.status })),
    changesSince(since, limit) {
      const { lines, ...page } = state.changesSince(since, limit);
      return { ...page, changes: lines.map((line) => JSON.parse(line) as SyncedJob) };
    },
    changeLines: (since, limit) => state.changesSince(since, limit),

    async commit(plan) {
      assertOpen();
      return committer.commit(plan);
    },
    put: (job) => store.commit((view) => planPut(view, job, clock)),
    merge: (jobs) => store.commit((view) => planMerge(view, jobs)),
    async replaceAll(jobs, lastJobId) {
      await store.commit((view) => planReplaceAll(view, jobs, lastJobId, clock));
      return { fileSize: durable.fileSize() };
    },
    clear: () => store.commit((view) => planClear(view, clock)),

    async putImage(bytes) {
      assertOpen();
      return images.put(bytes);
    },
    hasImage: (hash) => images.has(hash),
    readImage: (hash) => images.read(hash),
    lostImages: (limit) => images.lost(limit),

    fileSize: () => durable.fileSize(),
    flush: () => committer.idle(),
    async compact() {
      await committer.idle();
      await durable.compact();
    },
    async close() {
      // Refuse first, so nothing sneaks in behind the final compaction.
      closed = true;
      await committer.idle();
      await durable.close();
    },
  };
  return store;
}
