import { type Clock, createClock, errorMessage } from '@/utils/domain';
import type { StorageAreaLike, StorageChangeListener } from '@/utils/storage/area';
import { INDEX_PAGE_MAX } from '@/utils/storage/index-pages';
import { keys, QUARANTINE_PREFIX } from '@/utils/storage/keys';

/**
 * The store's one writer: a lock that serializes every read-modify-write, the single `write` (which shows a
 * storage failure to the panel through `storageError` and clears it after the next good write), and this
 * replica's identity (client id and clock). Every module of utils/history writes through it.
 */
export interface StoreWriter {
  readonly storage: StorageAreaLike;
  readonly now: () => number;
  /** Most entries in an index page (INDEX_PAGE_MAX; tests use small pages to split often). */
  readonly indexPageMax: number;
  /** Runs `fn` after every earlier write; its error goes to the caller, the chain keeps going. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Reads need no lock (each write is one atomic `set`), only finished migrations. */
  whenReady(): Promise<void>;
  /** The one place that writes: records a failure for the panel and rethrows it. */
  write(items: Record<string, unknown>, remove?: string[]): Promise<void>;
  /**
   * Called after each write with what it changed (`newValue` only; absent for a removed key): the worker's own
   * readers follow the store without a storage.onChanged listener, which would copy every page of a sync into it.
   */
  onWrite(listener: StorageChangeListener): void;
  /** A fresh `quarantine:<time>` key. */
  quarantineKey(): string;
  /** This replica's id; minted and stored the first time. Call under the lock. */
  ensureClientId(random?: () => number): Promise<string>;
  /** The replica's clock, named after its client id. Call under the lock. */
  clockOf(): Promise<Clock>;
}

export function createStoreWriter(
  storage: StorageAreaLike,
  options: { now: () => number; ready: Promise<unknown>; indexPageMax?: number },
): StoreWriter {
  const { now, ready } = options;
  let chain: Promise<unknown> = Promise.resolve();
  let quarantineCounter = 0;
  /** undefined until first checked: whether a storageError is shown that a good write should clear. */
  let errorShown: boolean | undefined;
  let clock: Clock | null = null;
  const writeListeners: StorageChangeListener[] = [];

  function tell(items: Record<string, unknown>, remove: readonly string[]): void {
    if (writeListeners.length === 0) return;
    const changes: Record<string, { newValue?: unknown }> = {};
    for (const [key, newValue] of Object.entries(items)) changes[key] = { newValue };
    for (const key of remove) changes[key] = {};
    for (const listener of writeListeners) {
      try {
        listener(changes);
      } catch (err) {
        // A reader's failure is its own: the write happened.
        console.error('A store write listener failed', err);
      }
    }
  }

  async function recordError(err: unknown): Promise<void> {
    try {
      await storage.set({ [keys.storageError]: { message: errorMessage(err), at: now() } });
      errorShown = true;
    } catch {
      // Best effort: the storage itself refused; the caller still gets the original error.
    }
  }

  async function write(items: Record<string, unknown>, remove: string[] = []): Promise<void> {
    try {
      if (errorShown === undefined) errorShown = (await storage.get(keys.storageError))[keys.storageError] != null;
      if (errorShown) items = { ...items, [keys.storageError]: null };
      if (Object.keys(items).length > 0) {
        await storage.set(items);
        tell(items, []);
      }
      if (remove.length > 0) {
        await storage.remove(remove);
        tell({}, remove);
      }
      if (errorShown) errorShown = false;
    } catch (err) {
      await recordError(err);
      throw err;
    }
  }

  async function ensureClientId(random: () => number = Math.random): Promise<string> {
    const existing = (await storage.get(keys.clientId))[keys.clientId];
    if (typeof existing === 'string' && existing.length > 0) return existing;
    let id = 'ext-';
    for (let i = 0; i < 16; i++) id += Math.floor(random() * 36).toString(36);
    await write({ [keys.clientId]: id });
    return id;
  }

  return {
    storage,
    now,
    indexPageMax: options.indexPageMax ?? INDEX_PAGE_MAX,
    exclusive(fn) {
      const run = chain.then(() => ready).then(fn);
      chain = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    async whenReady() {
      await ready;
    },
    write,
    onWrite(listener) {
      writeListeners.push(listener);
    },
    quarantineKey() {
      quarantineCounter += 1;
      return `${QUARANTINE_PREFIX}${now()}${quarantineCounter > 1 ? `-${quarantineCounter}` : ''}`;
    },
    ensureClientId,
    async clockOf() {
      clock ??= createClock(await ensureClientId(), now);
      return clock;
    },
  };
}
