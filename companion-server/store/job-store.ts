import { type Clock, forSyncVersion, SYNC_API_VERSION, type SyncedJob, type SyncedRecord } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { type Committer, createCommitter } from './committer';
import type { DatedSnapshots } from './dated-snapshots';
import type { HistoryEntry, HistoryState, PreparedRecord, PreparedSyncRecord } from './history-state';
import { createImageCollector } from './image-gc';
import type { ImageBank } from './images';
import { planClear, planMerge, planMergeRecords, planPurge, planPut, planReplaceAll } from './plans';
import { createSnapshotImages } from './snapshot-images';
import { StoreError } from './store-error';
import type { JobStore } from './types';

/** Where changes go: the journal and the file (file-store.ts), or nowhere (memory-store.ts). */
export interface HistoryPersistence {
  readonly filePath: string;
  fileSize(): number;
  /** Makes these records durable (one fsync'd journal line); leaves nothing behind when it fails. */
  append(records: readonly PreparedRecord[], lastJobId?: number, others?: readonly PreparedSyncRecord[]): Promise<void>;
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
  log?: (line: string) => void;
  /** The pause after a purge before its images are looked at (image-gc.ts). */
  gcDelayMs?: number;
  snapshots?: DatedSnapshots | null;
  device?: string | null;
}): JobStore {
  const { state, images, serverId, clock, now } = deps;
  let closed = false;
  let savedAt = deps.savedAt;
  let persistence: HistoryPersistence | null = null;
  const committer = createCommitter(
    state,
    async (records, lastJobId, others) => {
      await persistence!.append(records, lastJobId, others);
      savedAt = new Date(now()).toISOString();
    },
    () => {
      persistence!.changed();
      collector.changed();
    },
  );
  const log = deps.log ?? ((line: string) => console.warn(line));
  const copyImages = deps.snapshots ? createSnapshotImages(deps.snapshots, log) : null;
  const collector = createImageCollector({
    state,
    committer,
    images,
    log,
    delayMs: deps.gcDelayMs,
    heldByCopies: copyImages ? (hashes) => copyImages.held(hashes) : undefined,
  });
  persistence = deps.persistence(committer);
  const durable = persistence;
  const lineFor = (entry: HistoryEntry, v: number) =>
    v >= SYNC_API_VERSION || !entry.modern ? entry.line : JSON.stringify(forSyncVersion(JSON.parse(entry.line), v));

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
    device: deps.device ?? null,
    get liveCount() {
      return state.liveCount;
    },
    filePath: durable.filePath,

    get: (id) => state.get(id),
    list: () => state.list(),
    liveIndex: (statuses) =>
      state.liveEntries(statuses).map((e) => ({
        id: e.id,
        seq: e.seq,
        createdAt: e.createdAt,
        status: e.status,
        trashed: e.trashed === true,
        images: e.images ?? NO_IMAGES,
      })),
    changesSince(since, limit) {
      const page = state.changesSince(since, limit);
      return {
        changes: page.entries.map((e) => JSON.parse(e.line) as SyncedJob),
        records: page.records.map((r) => JSON.parse(r.line) as SyncedRecord),
        lastSeq: page.lastSeq,
        hasMore: page.hasMore,
      };
    },
    changeLines(since, limit, v = SYNC_API_VERSION) {
      const page = state.changesSince(since, limit);
      return {
        lines: page.entries.map((e) => lineFor(e, v)),
        // A client of version 1 knows no records; their seqs still count in its checkpoint.
        records: v >= 2 ? page.records.map((r) => r.line) : [],
        lastSeq: page.lastSeq,
        hasMore: page.hasMore,
      };
    },
    getRecord: (kind, id) => state.record(kind, id),
    listRecords: (kind) =>
      [...state.recordEntries()].filter((r) => r.kind === kind).map((r) => JSON.parse(r.line) as SyncedRecord),

    async commit(plan) {
      assertOpen();
      return committer.commit(plan);
    },
    put: (job) => store.commit((view) => planPut(view, job, clock)),
    merge: (jobs) => store.commit((view) => planMerge(view, jobs)),
    mergeRecords: (records) => store.commit((view) => planMergeRecords(view, records)),
    async replaceAll(jobs, lastJobId) {
      await store.commit((view) => planReplaceAll(view, jobs, lastJobId, clock));
      return { fileSize: durable.fileSize() };
    },
    clear: () => store.commit((view) => planClear(view, clock)),
    purge: (ids) => store.commit((view) => planPurge(view, ids, clock)),
    async purgeTrashedBefore(time) {
      const due: string[] = [];
      for (const entry of state.liveEntries()) {
        if (!entry.trashed) continue;
        const trashedAt = state.get(entry.id)?.trashedAt;
        if (typeof trashedAt === 'number' && trashedAt < time) due.push(entry.id);
      }
      return due.length > 0 ? store.purge(due) : [];
    },

    async putImage(bytes) {
      assertOpen();
      collector.touched(sha256Hex(bytes));
      return images.put(bytes);
    },
    pinImage: (hash) => collector.pin(hash),
    collectImages: () => collector.collect(),
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
      collector.close();
      await committer.idle();
      await durable.close();
    },
  };
  // Purges made before a stop (or a crash) free their images a while after the start.
  collector.changed();
  return store;
}

const NO_IMAGES: readonly string[] = [];
