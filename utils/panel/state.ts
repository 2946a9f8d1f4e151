import { batch, computed, type ReadonlySignal, type Signal, signal } from '@preact/signals';
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
  /**
   * Every row, newest first: the index once loaded, the head's jobs before. Jobs in the trash are among them
   * (`trashedAt` set): the find engine leaves them out of the history unless the trash is asked for.
   */
  entries: readonly IndexEntry[];
  /** The jobs in the trash alone, most recently trashed first (known once the index is in; stats.trashed counts them before). */
  trash: readonly IndexEntry[];
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

/**
 * The panel's model as signals (Preact's own state model: components that read `.value` re-render when it
 * changes). Changes are gathered with `patch` and shown together by `emit`, in one batch: one render per
 * storage answer, as before.
 */
export interface PanelState {
  /** Every field of the snapshot, one signal each. */
  readonly fields: { readonly [K in keyof PanelSnapshot]: ReadonlySignal<PanelSnapshot[K]> };
  /** All fields as one value; views read `snapshot.value`. */
  readonly snapshot: ReadonlySignal<PanelSnapshot>;
  /** A field as it will be after the next emit. */
  next<K extends keyof PanelSnapshot>(key: K): PanelSnapshot[K];
  patch(changes: Partial<PanelSnapshot>): void;
  /** Replaces the rows (and bumps entriesVersion); the trashed ones are listed in `trash` too. */
  setEntries(entries: readonly IndexEntry[]): void;
  emit(): void;
  dispose(): void;
}

/** The rows in the trash, most recently trashed first; the same empty list when none is (most of the time). */
export function trashOf(entries: readonly IndexEntry[]): readonly IndexEntry[] {
  const trash = entries.filter((e) => e.trashedAt !== undefined);
  if (trash.length === 0) return NO_TRASH;
  return trash.sort((a, b) => b.trashedAt! - a.trashedAt! || b.createdAt - a.createdAt);
}
const NO_TRASH: readonly IndexEntry[] = [];

type Fields = { [K in keyof PanelSnapshot]: Signal<PanelSnapshot[K]> };

export function createPanelState(): PanelState {
  let disposed = false;
  const fields: Fields = {
    phase: signal('loading'),
    entries: signal([]),
    trash: signal([]),
    entriesVersion: signal(0),
    firstRowsReady: signal(false),
    stats: signal(null),
    sync: signal(syncStateSchema.parse({})),
    settings: signal(defaultSettings),
    outboxLength: signal(null),
    storageError: signal(null),
    readError: signal(null),
    revision: signal(0),
  };
  const snapshot = computed<PanelSnapshot>(() => ({
    phase: fields.phase.value,
    entries: fields.entries.value,
    trash: fields.trash.value,
    entriesVersion: fields.entriesVersion.value,
    firstRowsReady: fields.firstRowsReady.value,
    stats: fields.stats.value,
    sync: fields.sync.value,
    settings: fields.settings.value,
    outboxLength: fields.outboxLength.value,
    storageError: fields.storageError.value,
    readError: fields.readError.value,
    revision: fields.revision.value,
  }));
  let pending: Partial<PanelSnapshot> = {};

  const next = <K extends keyof PanelSnapshot>(key: K): PanelSnapshot[K] =>
    (key in pending ? pending[key] : fields[key].peek()) as PanelSnapshot[K];

  return {
    fields,
    snapshot,
    next,
    patch(changes) {
      pending = { ...pending, ...changes };
    },
    setEntries(all) {
      pending = { ...pending, entries: all, trash: trashOf(all), entriesVersion: next('entriesVersion') + 1 };
    },
    emit() {
      if (disposed) return;
      const changes = pending;
      pending = {};
      batch(() => {
        for (const key of Object.keys(changes) as (keyof PanelSnapshot)[])
          (fields[key] as Signal<unknown>).value = changes[key];
        // Job records and images live outside the signals (row-cache.ts): every emit is a new revision.
        fields.revision.value = fields.revision.peek() + 1;
      });
    },
    dispose() {
      disposed = true;
    },
  };
}
