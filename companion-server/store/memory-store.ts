import { randomUUID } from 'node:crypto';
import { companionClockNode, createClock, isPng, type Job } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { serializeHistoryFile } from './history-file';
import { createHistoryState } from './history-state';
import { createJobStore } from './job-store';
import { StoreError } from './store-error';
import type { JobStore } from './types';

export interface MemoryStoreOptions {
  now?: () => number;
  /** The pause after a purge before its images are freed (image-gc.ts). */
  gcDelayMs?: number;
  serverId?: string;
  /** Starting history, numbered 1..N in this order. */
  jobs?: Job[];
}

/**
 * The file store's in-memory twin for tests of routes and the runner: the same rules (seq, merge order,
 * tombstones, closed after close()), with every change durable at once.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): JobStore {
  const now = options.now ?? Date.now;
  const serverId = options.serverId ?? randomUUID();
  const clock = createClock(companionClockNode(serverId), now);
  const { state } = createHistoryState();
  state.apply(state.prepare(options.jobs ?? []));
  const images = new Map<string, Uint8Array>();

  return createJobStore({
    state,
    clock,
    serverId,
    now,
    savedAt: null,
    log: () => undefined,
    gcDelayMs: options.gcDelayMs,
    persistence: () => ({
      filePath: ':memory:/job_history.json',
      // What the file store would write, so /save-jobs answers look the same.
      fileSize: () =>
        Buffer.byteLength(
          serializeHistoryFile(
            { lastJobId: state.lastJobId, savedAt: '', serverId, seq: state.lastSeq, extra: {} },
            state.entries(),
            state.recordEntries(),
          ),
        ),
      append: async () => undefined,
      changed: () => undefined,
      compact: async () => undefined,
      close: async () => undefined,
    }),
    images: {
      async put(bytes) {
        if (!isPng(bytes)) throw new StoreError('Not a PNG image: the bytes lack the PNG signature', 'NOT_PNG');
        const hash = sha256Hex(bytes);
        if (!images.has(hash)) images.set(hash, Uint8Array.from(bytes));
        return hash;
      },
      has: (hash) => images.has(hash),
      read: async (hash) => {
        const bytes = images.get(hash);
        return bytes ? Uint8Array.from(bytes) : null;
      },
      lost: () => [],
      busy: () => false,
      async free(hash) {
        images.delete(hash);
      },
    },
  });
}
