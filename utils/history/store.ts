import { browser } from 'wxt/browser';
import type { Clock, Job } from '@/utils/domain';
import { type ColourStore, createColourStore } from '@/utils/history/colour-store';
import { commit, readSnapshot, rebuild, type Snapshot } from '@/utils/history/commit';
import { exportSeed, type SeedExport } from '@/utils/history/export-seed';
import { createImageStore, type ImageStore } from '@/utils/history/images';
import { type MergeOutcome, type MergeRemoteOptions, mergeRemote } from '@/utils/history/merge-remote';
import { readIdList, readIndex, readJobs, readSettings, readSyncState, stripSeq } from '@/utils/history/reads';
import { createRecordStore, type RecordStore, readRecordsSnapshot } from '@/utils/history/records-store';
import { createWantedStore, type WantedStore } from '@/utils/history/wanted-store';
import { createStoreWriter } from '@/utils/history/writer';
import type { StorageAreaLike, StorageChangeListener } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import {
  emptyStats,
  type IndexEntry,
  type PendingPush,
  pendingPushSchema,
  type StoredStats,
  type SubmitEntry,
  type SyncState,
  storedStatsSchema,
  submitQueueSchema,
} from '@/utils/storage/layout';
import { type Settings, settingsSchema } from '@/utils/storage/settings';

export interface ApplyOptions {
  markDirty?: boolean;
  submit?: SubmitEntry['action'];
  removeFromSubmit?: readonly string[];
  images?: Record<string, string>;
}

/** What an `editJobs` callback decides: versions to write (none is fine) and what the caller gets back. */
export interface JobEdit<T> {
  jobs?: readonly Job[];
  options?: ApplyOptions;
  result: T;
}

export interface HistoryStore extends ImageStore, WantedStore, RecordStore, ColourStore {
  getJob(id: string): Promise<Job | null>;
  getJobs(ids: readonly string[]): Promise<Map<string, Job>>;
  getIndex(): Promise<IndexEntry[]>;
  getStats(): Promise<StoredStats>;
  /**
   * Writes these versions as they are: new jobs, or versions made from what `editJobs` just read.
   * `markDirty` queues them for push, `submit` for the runner.
   */
  applyJobs(jobs: readonly Job[], options?: ApplyOptions): Promise<void>;
  /**
   * A local edit as one read-modify-write under the store's lock: `edit` gets the current versions of
   * `ids` (missing ones are absent) and returns the versions to write, their options and a result.
   * An edit made from a version read before an `await` could bury a version merged meanwhile (a
   * delete stamped from a stale `queued` over a fresher `success`), so edits of existing jobs go here.
   */
  editJobs<T>(
    ids: readonly string[],
    edit: (current: ReadonlyMap<string, Job>, clock: Clock) => JobEdit<T>,
  ): Promise<T>;
  /**
   * Last-writer-wins merge of versions from the companion, with their images and a sync-state
   * patch (the checkpoint) in the same write, so a page is stored whole or not at all.
   * One exception to LWW: a job deleted here never comes back (see merge-remote.ts).
   * A winning finished version whose image is neither given nor held here is added to the wanted
   * images in the same write, so the image is fetched later even if the worker stops.
   * `submitted`: ids the companion's answer handed to its runner; their submit entries go, unless
   * the local version stays idle and newer (asked again meanwhile): then it is submitted again as a retry.
   */
  mergeRemote(jobs: readonly Job[], options?: MergeRemoteOptions): Promise<MergeOutcome>;
  getOutbox(): Promise<string[]>;
  removeFromOutbox(ids: readonly string[]): Promise<void>;
  /** A new or replaced companion: checkpoint 0, every job (tombstones too) and record dirty, pending push dropped. */
  resetForServer(serverId: string): Promise<void>;
  getSubmitQueue(): Promise<SubmitEntry[]>;
  getPendingPush(): Promise<PendingPush | null>;
  setPendingPush(pending: PendingPush | null): Promise<void>;
  getClientId(random?: () => number): Promise<string>;
  getSyncState(): Promise<SyncState>;
  setSyncState(patch: Partial<SyncState>): Promise<SyncState>;
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  /** Changes some settings on top of the stored ones, under the lock (a save in between is not lost). */
  patchSettings(patch: Partial<Settings>): Promise<Settings>;
  /** Tombstones every live job and marks them dirty; returns how many. */
  clear(): Promise<number>;
  /** The live history in the seed's file format (oldest first, images as data URLs). */
  exportSeed(): Promise<SeedExport>;
  /** Rebuilds index, head, stats and tombstones from the job keys (after corruption). */
  rebuildDerived(): Promise<void>;
  /** Follows this store's writes in the worker (writer.ts onWrite). */
  onWrite(listener: StorageChangeListener): void;
}

export interface HistoryStoreOptions {
  now?: () => number;
  /** Resolves when migrations are done; every operation waits for it. */
  ready?: Promise<unknown>;
  /** Most entries in an index page (tests split pages often with a small one). */
  indexPageMax?: number;
}

/**
 * The chrome.storage.local replica of the history (keys: utils/storage/keys.ts). The one writer:
 * writes are serialized (writer.ts), each batch goes out in one `set` (commit.ts), and index, head and
 * stats are updated from the changed jobs alone.
 */
export function createHistoryStore(
  storage: StorageAreaLike = browser.storage.local as unknown as StorageAreaLike,
  options: HistoryStoreOptions = {},
): HistoryStore {
  const w = createStoreWriter(storage, {
    now: options.now ?? Date.now,
    ready: options.ready ?? Promise.resolve(),
    indexPageMax: options.indexPageMax,
  });
  const { exclusive, whenReady, write } = w;

  async function getJobs(ids: readonly string[]): Promise<Map<string, Job>> {
    await whenReady();
    return readJobs(storage, ids);
  }

  /** Local versions written as they are, over a snapshot that holds their ids. */
  function commitApplied(snap: Snapshot, jobs: readonly Job[], opts: ApplyOptions): Promise<void> {
    const versions = new Map(jobs.map((job) => [job.id, stripSeq(job)]));
    return commit(w, snap, {
      jobs: versions,
      outboxAdd: opts.markDirty ? versions.keys() : undefined,
      submitAdd: opts.submit ? [...versions.keys()].map((id) => ({ id, action: opts.submit! })) : undefined,
      submitRemove: opts.removeFromSubmit,
      images: opts.images,
    });
  }

  const store: HistoryStore = {
    ...createImageStore(w),
    ...createWantedStore(w),
    ...createRecordStore(w),
    ...createColourStore(w),

    async getJob(id) {
      return (await getJobs([id])).get(id) ?? null;
    },
    getJobs,

    async getIndex() {
      await whenReady();
      return readIndex(storage);
    },

    async getStats() {
      await whenReady();
      return storedStatsSchema.safeParse((await storage.get(keys.stats))[keys.stats]).data ?? emptyStats();
    },

    applyJobs(jobs, opts = {}) {
      return exclusive(async () => {
        const snap = await readSnapshot(w, [...new Set(jobs.map((j) => j.id))]);
        await commitApplied(snap, jobs, opts);
      });
    },

    editJobs(ids, edit) {
      return exclusive(async () => {
        const snap = await readSnapshot(w, [...new Set(ids)]);
        // Copies: the snapshot's versions are what the stats are corrected from.
        const {
          jobs = [],
          options = {},
          result,
        } = edit(new Map([...snap.jobs].map(([id, job]) => [id, structuredClone(job)])), await w.clockOf());
        const unread = jobs.filter((j) => !ids.includes(j.id));
        if (unread.length > 0) throw new Error(`editJobs wrote ${unread[0]!.id}, which it did not read`);
        if (jobs.length > 0 || options.removeFromSubmit?.length || Object.keys(options.images ?? {}).length > 0)
          await commitApplied(snap, jobs, options);
        return result;
      });
    },

    mergeRemote(incoming, opts = {}) {
      return exclusive(() => mergeRemote(w, incoming, opts));
    },

    async getOutbox() {
      await whenReady();
      return readIdList(storage, keys.outbox);
    },

    removeFromOutbox(ids) {
      return exclusive(async () => {
        const outbox = await readIdList(storage, keys.outbox);
        const drop = new Set(ids);
        const kept = outbox.filter((id) => !drop.has(id));
        if (kept.length !== outbox.length) await write({ [keys.outbox]: kept });
      });
    },

    resetForServer(serverId) {
      return exclusive(async () => {
        const index = await readIndex(storage);
        const tombstones = await readIdList(storage, keys.tombstones);
        const sync = { ...(await readSyncState(storage)), serverId, checkpoint: 0, syncVersion: null };
        const records = await readRecordsSnapshot(storage);
        await write({
          [keys.sync]: sync,
          [keys.outbox]: [...new Set([...index.map((e) => e.id), ...tombstones])],
          [keys.recordOutbox]: [...records.records.keys()],
          [keys.pushPending]: null,
        });
      });
    },

    async getSubmitQueue() {
      await whenReady();
      return submitQueueSchema.safeParse((await storage.get(keys.submit))[keys.submit]).data ?? [];
    },

    async getPendingPush() {
      await whenReady();
      const raw = (await storage.get(keys.pushPending))[keys.pushPending];
      return raw == null ? null : (pendingPushSchema.safeParse(raw).data ?? null);
    },

    setPendingPush(pending) {
      return exclusive(() => write({ [keys.pushPending]: pending }));
    },

    getClientId(random = Math.random) {
      return exclusive(() => w.ensureClientId(random));
    },

    async getSyncState() {
      await whenReady();
      return readSyncState(storage);
    },

    setSyncState(patch) {
      return exclusive(async () => {
        const next = { ...(await readSyncState(storage)), ...patch };
        await write({ [keys.sync]: next });
        return next;
      });
    },

    async getSettings() {
      await whenReady();
      return readSettings(storage);
    },

    saveSettings(settings) {
      return exclusive(() => write({ [keys.settings]: settingsSchema.parse(settings) }));
    },

    patchSettings(patch) {
      return exclusive(async () => {
        const next = settingsSchema.parse({ ...(await readSettings(storage)), ...patch });
        await write({ [keys.settings]: next });
        return next;
      });
    },

    clear() {
      return exclusive(async () => {
        const index = await readIndex(storage);
        let cleared = 0;
        // Chunks keep each write small; every chunk is consistent on its own.
        for (let i = 0; i < index.length; i += 500) {
          const snap = await readSnapshot(
            w,
            index.slice(i, i + 500).map((e) => e.id),
          );
          const tombstoned = new Map<string, Job>();
          for (const job of snap.jobs.values()) {
            if (job.deleted) continue;
            tombstoned.set(job.id, (await w.clockOf()).stamp({ ...job, deleted: true }, job));
          }
          await commit(w, snap, { jobs: tombstoned, outboxAdd: tombstoned.keys() });
          cleared += tombstoned.size;
        }
        return cleared;
      });
    },

    exportSeed: () => exportSeed(store, w.now),

    rebuildDerived() {
      return exclusive(() => rebuild(w));
    },

    onWrite: w.onWrite,
  };
  return store;
}
