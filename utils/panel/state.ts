import { keys } from '@/utils/storage/keys';
import {
  type IndexEntry,
  type Stats,
  type StorageErrorValue,
  type SyncState,
  statsSchema,
  storageErrorSchema,
  syncStateSchema,
} from '@/utils/storage/layout';
import { defaultSettings, type Settings, settingsSchema } from '@/utils/storage/settings';

/** What the panel shows, as one snapshot per change. */
export interface PanelSnapshot {
  /** 'loading' until the head answers; 'head' while only the newest rows are known; 'full' once the index is in. */
  phase: 'loading' | 'head' | 'full';
  /** Every row, newest first: the index once loaded, the head's jobs before. */
  entries: readonly IndexEntry[];
  /** Bumped whenever `entries` is replaced; cheap change detection for memos. */
  entriesVersion: number;
  /** True once the images of the first rows were read (or there were none to read). */
  firstRowsReady: boolean;
  stats: Stats | null;
  sync: SyncState;
  settings: Settings;
  /** Known once the index is loaded; null before. */
  outboxLength: number | null;
  storageError: StorageErrorValue | null;
  /** A failed storage read, in plain words. */
  readError: string | null;
  /** Bumped on every change, so views re-render. */
  revision: number;
}

/** The snapshot field a small key feeds, parsed; null for keys the panel does not show. */
export function metaPatch(key: string, value: unknown): Partial<PanelSnapshot> | null {
  switch (key) {
    case keys.stats: {
      const parsed = statsSchema.safeParse(value);
      return { stats: parsed.success ? parsed.data : null };
    }
    case keys.sync: {
      const parsed = syncStateSchema.safeParse(value ?? {});
      return { sync: parsed.success ? parsed.data : syncStateSchema.parse({}) };
    }
    case keys.settings: {
      const parsed = settingsSchema.safeParse(value ?? {});
      return { settings: parsed.success ? parsed.data : defaultSettings };
    }
    case keys.storageError: {
      if (value === undefined || value === null) return { storageError: null };
      const parsed = storageErrorSchema.safeParse(value);
      return {
        storageError: parsed.success
          ? parsed.data
          : { message: `Storage reported a problem: ${JSON.stringify(value)}`, at: null },
      };
    }
    case keys.outbox:
      return { outboxLength: Array.isArray(value) ? value.length : 0 };
    default:
      return null;
  }
}

/** Changes are gathered with `patch` and shown together by `emit`: one render per storage answer. */
export interface PanelState {
  /** The snapshot views show. */
  current(): PanelSnapshot;
  /** A field as it will be after the next emit. */
  next<K extends keyof PanelSnapshot>(key: K): PanelSnapshot[K];
  patch(changes: Partial<PanelSnapshot>): void;
  /** Replaces the rows (and bumps entriesVersion). */
  setEntries(entries: readonly IndexEntry[]): void;
  emit(): void;
  subscribe(listener: () => void): () => void;
  dispose(): void;
}

export function createPanelState(): PanelState {
  const listeners = new Set<() => void>();
  let disposed = false;
  let snap: PanelSnapshot = {
    phase: 'loading',
    entries: [],
    entriesVersion: 0,
    firstRowsReady: false,
    stats: null,
    sync: syncStateSchema.parse({}),
    settings: defaultSettings,
    outboxLength: null,
    storageError: null,
    readError: null,
    revision: 0,
  };
  let pending: Partial<PanelSnapshot> = {};

  const next = <K extends keyof PanelSnapshot>(key: K): PanelSnapshot[K] =>
    (key in pending ? pending[key] : snap[key]) as PanelSnapshot[K];

  return {
    current: () => snap,
    next,
    patch(changes) {
      pending = { ...pending, ...changes };
    },
    setEntries(entries) {
      pending = { ...pending, entries, entriesVersion: next('entriesVersion') + 1 };
    },
    emit() {
      if (disposed) return;
      snap = { ...snap, ...pending, revision: snap.revision + 1 };
      pending = {};
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      disposed = true;
      listeners.clear();
    },
  };
}
