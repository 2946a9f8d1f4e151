import type { Clock } from '../../utils/domain';
import type { HistoryState } from './history-state';
import { StoreError } from './store-error';
import type { JobStore } from './types';

/** Where the history goes: a file (file-store.ts) or nowhere (memory-store.ts). */
export interface HistoryPersistence {
  readonly filePath: string;
  readonly savedAt: string | null;
  fileSize(): number;
  /** Resolves once the state as it is now is durable. */
  save(): Promise<void>;
  /** Resolves when nothing is pending; saves again if the last save failed. */
  flush(): Promise<void>;
}

/** Content-addressed PNG storage. */
export interface ImageBank {
  put(bytes: Uint8Array): Promise<string>;
  has(hash: string): boolean;
  read(hash: string): Promise<Uint8Array | null>;
}

/**
 * The JobStore both stores share: the state changes in memory at once, then the caller waits
 * for persistence. Memory may run ahead of the disk after a failed save; `changesSince` does not.
 */
export function createJobStore(deps: {
  state: HistoryState;
  persistence: HistoryPersistence;
  images: ImageBank;
  serverId: string;
  now: () => number;
  clock: Clock;
}): JobStore {
  const { state, persistence, images, serverId, clock } = deps;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new StoreError('The job store is closed and accepts no more changes', 'STORE_CLOSED');
  }

  /** Saves when the state changed; otherwise still waits for pending writes, so the answer is durable. */
  async function settle(revisionBefore: number): Promise<void> {
    await (state.revision !== revisionBefore ? persistence.save() : persistence.flush());
  }

  return {
    serverId,
    clock,
    get lastSeq() {
      return state.lastSeq;
    },
    get lastJobId() {
      return state.lastJobId;
    },
    get savedAt() {
      return persistence.savedAt;
    },
    filePath: persistence.filePath,

    get: (id) => state.get(id),
    list: () => state.list(),
    changesSince: (since, limit) => state.changesSince(since, limit),

    async put(job) {
      assertOpen();
      const saved = state.put(job);
      await persistence.save();
      return saved;
    },

    async merge(jobs) {
      assertOpen();
      const before = state.revision;
      const results = state.merge(jobs);
      await settle(before);
      return results;
    },

    async replaceAll(jobs, lastJobId) {
      assertOpen();
      const before = state.revision;
      state.replaceAll(jobs, lastJobId);
      await settle(before);
      return { fileSize: persistence.fileSize() };
    },

    async clear() {
      assertOpen();
      const before = state.revision;
      const count = state.clear();
      await settle(before);
      return count;
    },

    async putImage(bytes) {
      assertOpen();
      return images.put(bytes);
    },
    hasImage: (hash) => images.has(hash),
    readImage: (hash) => images.read(hash),

    fileSize: () => persistence.fileSize(),
    flush: () => persistence.flush(),

    async close() {
      // Refuse first, so nothing sneaks in behind the final flush.
      closed = true;
      await persistence.flush();
    },
  };
}
