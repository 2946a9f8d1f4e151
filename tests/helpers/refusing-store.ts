import { StoreError } from '../../companion-server/store/store-error';
import type { JobStore } from '../../companion-server/store/types';

/**
 * A store that refuses writes on demand, with the store's contract: a refused write changes nothing.
 * While `refusing` is set, every write (`put`, `merge`, `replaceAll`, `clear`, `putImage`, `flush`) rejects with
 * ENOSPC before it reaches the wrapped store, so the wrapped store stays exactly as it was.
 */
export function refusingStore(inner: JobStore) {
  const state = { refusing: false, refused: 0 };
  const gate = () => {
    if (!state.refusing) return;
    state.refused += 1;
    throw new StoreError('Could not save the history: disk full (ENOSPC)', 'ENOSPC');
  };
  const store: JobStore = {
    snapshots: inner.snapshots,
    get serverId() {
      return inner.serverId;
    },
    get lastSeq() {
      return inner.lastSeq;
    },
    get lastJobId() {
      return inner.lastJobId;
    },
    get savedAt() {
      return inner.savedAt;
    },
    get filePath() {
      return inner.filePath;
    },
    get clock() {
      return inner.clock;
    },
    get liveCount() {
      return inner.liveCount;
    },
    get: (id) => inner.get(id),
    list: () => inner.list(),
    liveIndex: () => inner.liveIndex(),
    changesSince: (since, limit) => inner.changesSince(since, limit),
    changeLines: (since, limit, v) => inner.changeLines(since, limit, v),
    getRecord: (kind, id) => inner.getRecord(kind, id),
    listRecords: (kind) => inner.listRecords(kind),
    async mergeRecords(records) {
      gate();
      return inner.mergeRecords(records);
    },
    pinImage: (hash) => inner.pinImage(hash),
    collectImages: () => inner.collectImages(),
    async commit(plan) {
      gate();
      return inner.commit(plan);
    },
    lostImages: (limit) => inner.lostImages(limit),
    compact: () => inner.compact(),
    async put(job) {
      gate();
      return inner.put(job);
    },
    async merge(jobs) {
      gate();
      return inner.merge(jobs);
    },
    async replaceAll(jobs, lastJobId) {
      gate();
      return inner.replaceAll(jobs, lastJobId);
    },
    async clear() {
      gate();
      return inner.clear();
    },
    async purge(ids) {
      gate();
      return inner.purge(ids);
    },
    async purgeTrashedBefore(time) {
      gate();
      return inner.purgeTrashedBefore(time);
    },
    async putImage(bytes) {
      gate();
      return inner.putImage(bytes);
    },
    hasImage: (hash) => inner.hasImage(hash),
    readImage: (hash) => inner.readImage(hash),
    fileSize: () => inner.fileSize(),
    async flush() {
      gate();
      return inner.flush();
    },
    close: () => inner.close(),
  };
  return { store, state };
}
