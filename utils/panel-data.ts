import { browser } from 'wxt/browser';
import type { PanelStorage, StorageChange, StorageChangeListener } from '@/utils/storage/area';
import { hashOfImageKey, isImageKey, isJobKey, jobIdOfKey, keys, META_KEYS } from '@/utils/storage/keys';
import {
  type IndexEntry,
  type Stats,
  type StorageErrorValue,
  type SyncState,
  statsSchema,
  storageErrorSchema,
  storedJobSchema,
  syncStateSchema,
} from '@/utils/storage/layout';
import { defaultSettings, type Settings, settingsSchema } from '@/utils/storage/settings';
import { errorMessage } from './domain/error-message';
import type { Job, JobStatus } from './domain/job';

/**
 * The side panel's read side of chrome.storage.local (keys in utils/storage/keys.ts).
 *
 * Opening costs what is visible: `head` and the small keys first, then the job records of
 * the rows on screen, then their images; the rest of `head` and the full `index` only after
 * first paint. Those first reads may have been begun before this module was evaluated
 * (entrypoints/sidepanel/early-read.ts): `start({ early })` adopts them.
 * Rows entering the viewport read their job and image keys lazily, batched, and cached.
 * `storage.onChanged` updates only what changed. This module never writes storage.
 */

export type StatusFilter = JobStatus | 'all';

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

/** One read begun before the panel data started: the keys asked for, their change stamps then, and the answer. */
export interface EarlyRead {
  keys: string[];
  /** Per key, the number of changes seen for it when the read was issued (see `FirstReads.handOver`). */
  before: number[];
  got: Record<string, unknown>;
}

/** The first-paint reads, begun early (entrypoints/sidepanel/first-reads.ts). */
export interface FirstReads {
  firstRows: number;
  /** `head` and the small keys. */
  meta: Promise<EarlyRead>;
  /** The job records of the first `firstRows` ids of that head. */
  jobs: Promise<EarlyRead>;
  /** The images of those jobs. */
  images: Promise<EarlyRead>;
  /**
   * Stops watching storage and returns what was seen since the reads began: the changes, oldest first,
   * and the per-key change counts, which the panel data keeps counting in from then on.
   */
  handOver(): { changes: Record<string, StorageChange>[]; stamps: Map<string, number> };
}

export interface PanelDataOptions {
  /** Runs the index read after first paint. Tests pass their own. */
  afterPaint?: (run: () => void) => void;
  /** Most images kept in memory (about 5 KB each). */
  imageCacheSize?: number;
}

export interface PanelData {
  /**
   * First-paint reads (or adopts `early` ones), then schedules the rest of head and the index.
   * Resolves once the first rows' images are in.
   */
  start(options?: { firstRows?: number; early?: FirstReads | null }): Promise<void>;
  getSnapshot(): PanelSnapshot;
  subscribe(listener: () => void): () => void;
  /** The cached job record, or undefined while it is not read yet. */
  getJob(id: string): Job | undefined;
  /** The cached PNG data URL of an image hash. */
  getImage(hash: string | null | undefined): string | undefined;
  /** True once the image was read and found not stored here (not fetched from the companion yet). */
  isImageAbsent(hash: string | null | undefined): boolean;
  /** The rows on screen: reads their missing job and image keys (batched, one read in flight). */
  ensureRows(ids: readonly string[]): Promise<void>;
  /** Reads the full index now if it is not in yet (search used before it loaded). */
  loadIndex(): Promise<void>;
  /** Rows whose prompt holds every word of `text`, with `status`; in memory, no storage reads. */
  filter(text: string, status: StatusFilter): readonly IndexEntry[];
  dispose(): void;
}

/** A Map that forgets its least recently used entries beyond `limit`. */
class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  has(key: K): boolean {
    return this.map.has(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.limit) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}

/** After the browser painted the current frame; a timer fallback for hidden pages where rAF never fires. */
function defaultAfterPaint(run: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    run();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 100);
}

function toEntry(job: Job): IndexEntry {
  return { id: job.id, createdAt: job.createdAt, status: job.status, prompt: job.prompt };
}

function isEntry(value: unknown): value is IndexEntry {
  if (!value || typeof value !== 'object') return false;
  const e = value as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.prompt === 'string' && typeof e.status === 'string';
}

/**
 * Lowercase prompts of `next`, reusing those of `prev` (aligned with `prevLower`) for the rows they share
 * at the start and at the end: an index change usually adds rows at the top or changes one in place.
 */
export function updateLowerPrompts(
  prev: readonly IndexEntry[],
  prevLower: readonly string[],
  next: readonly IndexEntry[],
): string[] {
  const same = (a: IndexEntry | undefined, b: IndexEntry | undefined) =>
    !!a && !!b && a.id === b.id && a.prompt === b.prompt;
  const limit = Math.min(prev.length, next.length);
  let head = 0;
  while (head < limit && same(prev[head], next[head])) head++;
  let tail = 0;
  while (tail < limit - head && same(prev[prev.length - 1 - tail], next[next.length - 1 - tail])) tail++;
  const out = new Array<string>(next.length);
  for (let i = 0; i < head; i++) out[i] = prevLower[i]!;
  for (let i = head; i < next.length - tail; i++) out[i] = next[i]!.prompt.toLowerCase();
  for (let i = 0; i < tail; i++) out[next.length - 1 - i] = prevLower[prev.length - 1 - i]!;
  return out;
}

export function createPanelData(
  storage: PanelStorage = browser.storage.local as unknown as PanelStorage,
  options: PanelDataOptions = {},
): PanelData {
  const afterPaint = options.afterPaint ?? defaultAfterPaint;
  const jobs = new Map<string, Job>();
  const images = new LruMap<string, string>(options.imageCacheSize ?? 600);
  /** Keys read and found absent (or unreadable): not read again until onChanged sets them. */
  const absent = new Set<string>();
  /** Bumped per key by onChanged, so a read that raced a change does not overwrite it. */
  let stamps = new Map<string, number>();
  const listeners = new Set<() => void>();

  let headIds: string[] = [];
  let indexLoaded = false;
  /**
   * Before the index is in, the rows are the head's jobs. Only the first rows' records are read before
   * first paint; the rest once the index read is under way (or when head changes), not as soon as the
   * list reports its rows: that lands in the frames where the first thumbnails are still being decoded.
   */
  let headRestDue = false;
  let indexPromise: Promise<void> | null = null;
  let startPromise: Promise<void> | null = null;
  /** Lowercase prompts of `entries`, built by the first search and kept up to date from then on. */
  let lowered: { entries: readonly IndexEntry[]; lower: string[] } | null = null;
  let wanted: readonly string[] = [];
  let pumping: Promise<void> | null = null;
  let disposed = false;
  let filterMemo: { key: string; result: readonly IndexEntry[] } | null = null;

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

  function set(patch: Partial<PanelSnapshot>): void {
    pending = { ...pending, ...patch };
  }
  function emit(): void {
    if (disposed) return;
    snap = { ...snap, ...pending, revision: snap.revision + 1 };
    pending = {};
    for (const listener of listeners) listener();
  }

  function setEntries(entries: readonly IndexEntry[]): void {
    // No search yet: nothing to keep up to date (the first search lowercases what it needs).
    if (lowered && lowered.entries !== entries)
      lowered = { entries, lower: updateLowerPrompts(lowered.entries, lowered.lower, entries) };
    filterMemo = null;
    set({ entries, entriesVersion: (pending.entriesVersion ?? snap.entriesVersion) + 1 });
  }

  function entriesFromHead(): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const id of headIds) {
      const job = jobs.get(id);
      if (job && !job.deleted) out.push(toEntry(job));
    }
    return out;
  }

  /** A read's answer minus keys that onChanged set since it was issued; absent keys are remembered. */
  function settle(
    list: readonly string[],
    before: readonly number[],
    got: Record<string, unknown>,
  ): Record<string, unknown> {
    const fresh: Record<string, unknown> = {};
    list.forEach((k, i) => {
      if ((stamps.get(k) ?? 0) !== before[i]) return;
      const value = got[k];
      if (value === undefined || value === null) absent.add(k);
      else fresh[k] = value;
    });
    return fresh;
  }

  /** One storage.get; drops keys that onChanged set while the read was in flight. */
  async function read(list: string[]): Promise<Record<string, unknown>> {
    const before = list.map((k) => stamps.get(k) ?? 0);
    return settle(list, before, await storage.get(list));
  }

  /** An early read's answer, settled now; null if it failed (the caller reads for itself). */
  async function adopt(early: Promise<EarlyRead>): Promise<Record<string, unknown> | null> {
    try {
      const { keys: list, before, got } = await early;
      return settle(list, before, got);
    } catch {
      return null;
    }
  }

  function applyJobs(list: readonly string[], got: Record<string, unknown>): void {
    for (const key of list) if (key in got) applyJob(key, got[key]);
  }

  function applyJob(key: string, value: unknown): void {
    const id = jobIdOfKey(key);
    if (value === undefined || value === null) {
      jobs.delete(id);
      return;
    }
    const parsed = storedJobSchema.safeParse(value);
    if (parsed.success) {
      jobs.set(id, parsed.data);
      absent.delete(key);
    } else {
      // Shown from its index entry alone; not read again until it changes.
      jobs.delete(id);
      absent.add(key);
    }
  }

  function applyMeta(key: string, value: unknown): void {
    switch (key) {
      case keys.stats: {
        const parsed = statsSchema.safeParse(value);
        set({ stats: parsed.success ? parsed.data : null });
        break;
      }
      case keys.sync: {
        const parsed = syncStateSchema.safeParse(value ?? {});
        set({ sync: parsed.success ? parsed.data : syncStateSchema.parse({}) });
        break;
      }
      case keys.settings: {
        const parsed = settingsSchema.safeParse(value ?? {});
        set({ settings: parsed.success ? parsed.data : defaultSettings });
        break;
      }
      case keys.storageError: {
        if (value === undefined || value === null) set({ storageError: null });
        else {
          const parsed = storageErrorSchema.safeParse(value);
          set({
            storageError: parsed.success
              ? parsed.data
              : { message: `Storage reported a problem: ${JSON.stringify(value)}`, at: null },
          });
        }
        break;
      }
      case keys.outbox:
        set({ outboxLength: Array.isArray(value) ? value.length : 0 });
        break;
    }
  }

  function applyHead(value: unknown): void {
    headIds = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  function applyIndex(value: unknown): void {
    const list = Array.isArray(value) ? value.filter(isEntry) : [];
    indexLoaded = true;
    setEntries(list);
    set({ phase: 'full' });
  }

  /** Image keys of these rows' jobs that are neither cached nor known absent. */
  function missingImageKeys(ids: readonly string[]): string[] {
    const out = new Set<string>();
    for (const id of ids) {
      const hash = jobs.get(id)?.image;
      if (!hash || images.has(hash)) continue;
      const key = keys.image(hash);
      if (!absent.has(key)) out.add(key);
    }
    return [...out];
  }

  function applyImages(got: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(got)) {
      if (typeof value === 'string') images.set(hashOfImageKey(key), value);
      else absent.add(key);
    }
  }

  /** Reads what the wanted rows lack; loops while the wanted rows change under it. */
  async function pump(): Promise<void> {
    for (;;) {
      const ids = wanted;
      // Before the index is in, rows exist only for head ids whose records are read.
      const jobIds = indexLoaded || !headRestDue ? ids : [...new Set([...headIds, ...ids])];
      const jobKeys = jobIds.map(keys.job).filter((k) => !absent.has(k) && !jobs.has(jobIdOfKey(k)));
      const imageKeys = missingImageKeys(ids);
      if (jobKeys.length === 0 && imageKeys.length === 0) return;
      // Job keys and the images of already known jobs in one read.
      const got = await read([...jobKeys, ...imageKeys]);
      for (const key of jobKeys) if (key in got) applyJob(key, got[key]);
      applyImages(got);
      const more = missingImageKeys(ids);
      if (more.length) applyImages(await read(more));
      if (!indexLoaded && jobKeys.length) setEntries(entriesFromHead());
      emit();
    }
  }

  function requestRows(): Promise<void> {
    if (pumping) return pumping;
    pumping = pump()
      .catch((error: unknown) => {
        set({ readError: `Could not read the history: ${errorMessage(error)}` });
        emit();
      })
      .finally(() => {
        pumping = null;
      });
    return pumping;
  }

  /** Applies a storage change; `bump`: count it in `stamps` (changes an early read already counted are not). */
  function applyChanges(changes: Record<string, StorageChange>, bump: boolean): void {
    if (disposed) return;
    let entriesChanged = false;
    let headChanged = false;
    let needRows = false;
    const wantedSet = new Set(wanted);
    // Job records first, so a head or index that names a new job in the same change finds it.
    for (const [key, change] of Object.entries(changes)) {
      if (bump) stamps.set(key, (stamps.get(key) ?? 0) + 1);
      const value = change.newValue;
      if (isJobKey(key)) {
        applyJob(key, value);
        const id = jobIdOfKey(key);
        if (headIds.includes(id)) entriesChanged = true;
        if (wantedSet.has(id)) needRows = true;
      }
    }
    const wantedHashes = new Set<string>();
    for (const id of wanted) {
      const hash = jobs.get(id)?.image;
      if (hash) wantedHashes.add(hash);
    }
    for (const [key, change] of Object.entries(changes)) {
      const value = change.newValue;
      if (isImageKey(key)) {
        const hash = hashOfImageKey(key);
        if (value === undefined || value === null) {
          images.delete(hash);
          absent.add(key);
        } else {
          absent.delete(key);
          // Only keep what is on screen; the rest is read when it scrolls in.
          if (typeof value === 'string' && wantedHashes.has(hash)) images.set(hash, value);
        }
      } else if (key === keys.head) {
        applyHead(value);
        headChanged = true;
        headRestDue = true;
      } else if (key === keys.index) {
        applyIndex(value);
      } else if (!isJobKey(key)) {
        applyMeta(key, value);
      }
    }
    if (!indexLoaded && (headChanged || entriesChanged)) {
      setEntries(entriesFromHead());
      // New head ids whose records were not in this change.
      if (headIds.some((id) => !jobs.has(id) && !absent.has(keys.job(id)))) needRows = true;
    }
    emit();
    if (snap.firstRowsReady && (needRows || missingImageKeys(wanted).length)) void requestRows();
  }

  const onChanged: StorageChangeListener = (changes) => applyChanges(changes, true);

  async function loadIndex(): Promise<void> {
    if (indexLoaded) return;
    indexPromise ??= (async () => {
      try {
        const got = await read([keys.index, keys.outbox]);
        // No index key at all: the head stays the whole list (and keeps following `head`).
        if (!indexLoaded && keys.index in got) applyIndex(got[keys.index]);
        set({ phase: 'full' });
        if (keys.outbox in got) applyMeta(keys.outbox, got[keys.outbox]);
        else if (!stamps.has(keys.outbox)) set({ outboxLength: 0 });
        emit();
      } catch (error) {
        indexPromise = null;
        set({ readError: `Could not read the history index: ${errorMessage(error)}` });
        emit();
      }
    })();
    return indexPromise;
  }

  /**
   * Job keys of the first `count` usable rows of head (in order) that are neither read nor known absent.
   * Before the index is in, rows are the head's jobs that have a live record.
   */
  function unreadFirstRows(count: number): string[] {
    const out: string[] = [];
    let usable = 0;
    for (const id of headIds) {
      if (usable + out.length >= count) break;
      const job = jobs.get(id);
      if (job) {
        if (!job.deleted || indexLoaded) usable++;
        continue;
      }
      const key = keys.job(id);
      if (!absent.has(key)) out.push(key);
      else if (indexLoaded) usable++;
    }
    return out;
  }

  async function firstPaint(firstRows: number, early: FirstReads | null): Promise<void> {
    try {
      const meta = (early && (await adopt(early.meta))) ?? (await read([...META_KEYS]));
      for (const key of [keys.stats, keys.sync, keys.settings, keys.storageError]) {
        if (key in meta) applyMeta(key, meta[key]);
      }
      if (keys.head in meta) applyHead(meta[keys.head]);
      else if (!stamps.has(keys.head)) {
        // A layout without `head`: the index is all there is.
        await loadIndex();
        headIds = snap.entries.slice(0, firstRows).map((e) => e.id);
      }
      if (early) {
        const got = await adopt(early.jobs);
        if (got) applyJobs(Object.keys(got), got);
      }
      // Only the rows on screen before first paint (the rest of head after it); more only if some of
      // them turned out deleted or missing.
      for (let round = 0; round < 4; round++) {
        const jobKeys = unreadFirstRows(firstRows);
        if (jobKeys.length === 0) break;
        applyJobs(jobKeys, await read(jobKeys));
      }
      const rows = indexLoaded ? (pending.entries ?? snap.entries) : entriesFromHead();
      if (wanted.length === 0) wanted = rows.slice(0, firstRows).map((e) => e.id);
      if (early) {
        const got = await adopt(early.images);
        if (got) applyImages(got);
      }
      // Rows and their images arrive in one render: no placeholder flash, and one frame sooner
      // than painting text rows first (measured: a paint between the reads delays the images).
      const imageKeys = missingImageKeys(wanted);
      if (imageKeys.length) applyImages(await read(imageKeys));
      if (!indexLoaded) setEntries(entriesFromHead());
      set({ phase: (pending.phase ?? snap.phase) === 'full' ? 'full' : 'head', firstRowsReady: true });
      emit();
    } catch (error) {
      set({
        phase: (pending.phase ?? snap.phase) === 'full' ? 'full' : 'head',
        firstRowsReady: true,
        readError: `Could not read the history: ${errorMessage(error)}`,
      });
      emit();
    }
    afterPaint(() => {
      if (disposed) return;
      // The index first, then the rest of head (and rows the list asked for meanwhile): storage answers in
      // order, so the head's records (not needed once the index is in) are not parsed while the first
      // thumbnails are still being decoded.
      void loadIndex();
      headRestDue = true;
      void requestRows();
    });
  }

  return {
    start(opts = {}) {
      if (!startPromise) {
        const early = opts.early ?? null;
        // Changes the early reads saw are applied now; from here on this listener sees them (no gap: same task).
        const handed = early?.handOver();
        if (handed) stamps = handed.stamps;
        storage.onChanged.addListener(onChanged);
        if (handed?.changes.length)
          applyChanges(Object.assign({}, ...handed.changes) as Record<string, StorageChange>, false);
        startPromise = firstPaint(Math.max(1, opts.firstRows ?? early?.firstRows ?? 20), early);
      }
      return startPromise;
    },
    getSnapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getJob: (id) => jobs.get(id),
    getImage: (hash) => (hash ? images.get(hash) : undefined),
    isImageAbsent: (hash) => !!hash && !images.has(hash) && absent.has(keys.image(hash)),
    ensureRows(ids) {
      wanted = ids;
      // Until the first rows' images are in, the first-paint reads cover them; it reads the rest after.
      return snap.firstRowsReady ? requestRows() : Promise.resolve();
    },
    loadIndex,
    filter(text, status) {
      const terms = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const entries = snap.entries;
      if (terms.length === 0 && status === 'all') return entries;
      const memoKey = `${snap.entriesVersion}\u0000${status}\u0000${terms.join(' ')}`;
      if (filterMemo?.key === memoKey) return filterMemo.result;
      // Lowercased by the first search that needs it, then kept up to date by setEntries.
      if (terms.length && lowered?.entries !== entries) {
        lowered = {
          entries,
          lower: lowered
            ? updateLowerPrompts(lowered.entries, lowered.lower, entries)
            : entries.map((e) => e.prompt.toLowerCase()),
        };
      }
      const lower = terms.length ? lowered!.lower : [];
      const out: IndexEntry[] = [];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (status !== 'all' && entry.status !== status) continue;
        const prompt = lower[i] ?? '';
        let hit = true;
        for (const term of terms) {
          if (!prompt.includes(term)) {
            hit = false;
            break;
          }
        }
        if (hit) out.push(entry);
      }
      filterMemo = { key: memoKey, result: out };
      return out;
    },
    dispose() {
      disposed = true;
      listeners.clear();
      storage.onChanged.removeListener(onChanged);
    },
  };
}
