import type { ReadonlySignal } from '@preact/signals';
import { browser } from 'wxt/browser';
import { errorMessage } from '@/utils/domain/error-message';
import type { Job } from '@/utils/domain/job';
import type { EarlyRead, FirstReads } from '@/utils/panel/early-reads';
import { createIndexView } from '@/utils/panel/index-view';
import { createRecordsReader, type RecordsReader } from '@/utils/panel/records';
import { createRowCache } from '@/utils/panel/row-cache';
import { createPromptSearch, type StatusFilter } from '@/utils/panel/search';
import { createPanelState, metaPatch, type PanelSnapshot } from '@/utils/panel/state';
import type { PanelStorage, StorageChange, StorageChangeListener } from '@/utils/storage/area';
import {
  hashOfImageKey,
  isImageKey,
  isIndexPageKey,
  isJobKey,
  jobIdOfKey,
  keys,
  META_KEYS,
} from '@/utils/storage/keys';
import { type IndexEntry, toIndexEntry } from '@/utils/storage/layout';

/**
 * The side panel's read side of chrome.storage.local (keys in utils/storage/keys.ts).
 *
 * Opening costs what is visible: `head` and the small keys first, then the job records of
 * the rows on screen, then their images; the rest of `head` and the index pages only after
 * first paint, a few pages per read so no task parses the whole index. Those first reads may have been begun before this module was evaluated
 * (entrypoints/sidepanel/early-read.ts): `start({ early })` adopts them.
 * Rows entering the viewport read their job and image keys lazily, batched, and cached (row-cache.ts).
 * `storage.onChanged` updates only what changed. This module never writes storage.
 */

export type { EarlyRead, FirstReads, PanelSnapshot, StatusFilter };

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
  /** What the panel shows, as a signal: a view that reads `snapshot.value` re-renders when it changes. */
  readonly snapshot: ReadonlySignal<PanelSnapshot>;
  /** The snapshot now (for code outside views: tests, the debug API). */
  getSnapshot(): PanelSnapshot;
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
  /** Boards and the queue (`records`), as signals; useBoards() and useQueueState() read them through RecordsContext. */
  readonly records: RecordsReader;
  /** Rows whose prompt holds every word of `text`, with `status` (and failure `reason`); in memory, no storage reads. */
  filter(text: string, status: StatusFilter, reason?: string | null): readonly IndexEntry[];
  dispose(): void;
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

const toEntry = toIndexEntry;

/** Index pages per storage read: about 8,000 rows, a few ms of parsing each. */
const PAGES_PER_READ = 8;

export function createPanelData(
  storage: PanelStorage = browser.storage.local as unknown as PanelStorage,
  options: PanelDataOptions = {},
): PanelData {
  const afterPaint = options.afterPaint ?? defaultAfterPaint;
  const cache = createRowCache(storage, options.imageCacheSize ?? 600);
  const { jobs, images, absent, read, adopt } = cache;
  const state = createPanelState();
  const search = createPromptSearch();
  const index = createIndexView();
  const records = createRecordsReader();

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
  let wanted: readonly string[] = [];
  let pumping: Promise<void> | null = null;
  let disposed = false;

  function setEntries(entries: readonly IndexEntry[]): void {
    search.entriesChanged(entries);
    state.setEntries(entries);
  }

  function applyMeta(key: string, value: unknown): void {
    const patch = metaPatch(key, value);
    if (patch) state.patch(patch);
  }

  function entriesFromHead(): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const id of headIds) {
      const job = jobs.get(id);
      if (job && !job.deleted) out.push(toEntry(job));
    }
    return out;
  }

  function applyHead(value: unknown): void {
    headIds = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  /** The rows from the index pages, once every page it lists is held. */
  function showIndex(): boolean {
    const list = index.entries();
    if (!list) return false;
    indexLoaded = true;
    setEntries(list);
    state.patch({ phase: 'full' });
    return true;
  }

  /** Reads the pages `indexPages` lists and are not held, a few per read; absent ones count as empty. */
  async function readMissingPages(): Promise<void> {
    // Bounded: each read settles its pages, unless a change replaced the list meanwhile.
    for (let round = 0, missing = index.missingPages(); missing.length > 0 && round < 1000; round++) {
      const list = missing.slice(0, PAGES_PER_READ).map(keys.indexPage);
      const got = await read(list);
      // A page changed meanwhile was applied by onChanged; one found absent is applied as absent.
      for (const key of list) if (key in got || absent.has(key)) index.apply(key, got[key]);
      missing = index.missingPages();
    }
  }

  /** Reads what the wanted rows lack; loops while the wanted rows change under it. */
  async function pump(): Promise<void> {
    for (;;) {
      const ids = wanted;
      // Before the index is in, rows exist only for head ids whose records are read.
      const jobIds = indexLoaded || !headRestDue ? ids : [...new Set([...headIds, ...ids])];
      const jobKeys = jobIds.map(keys.job).filter((k) => !absent.has(k) && !jobs.has(jobIdOfKey(k)));
      const imageKeys = cache.missingImageKeys(ids);
      if (jobKeys.length === 0 && imageKeys.length === 0) return;
      // Job keys and the images of already known jobs in one read.
      const got = await read([...jobKeys, ...imageKeys]);
      for (const key of jobKeys) if (key in got) cache.applyJob(key, got[key]);
      cache.applyImages(got);
      const more = cache.missingImageKeys(ids);
      if (more.length) cache.applyImages(await read(more));
      if (!indexLoaded && jobKeys.length) setEntries(entriesFromHead());
      state.emit();
    }
  }

  function requestRows(): Promise<void> {
    if (pumping) return pumping;
    pumping = pump()
      .catch((error: unknown) => {
        state.patch({ readError: `Could not read the history: ${errorMessage(error)}` });
        state.emit();
      })
      .finally(() => {
        pumping = null;
      });
    return pumping;
  }

  /** Applies a storage change; `bump`: count it in the stamps (changes an early read already counted are not). */
  function applyChanges(changes: Record<string, StorageChange>, bump: boolean): void {
    if (disposed) return;
    let entriesChanged = false;
    let headChanged = false;
    let needRows = false;
    let indexChanged = false;
    const firstRowsReady = state.snapshot.peek().firstRowsReady;
    const wantedSet = new Set(wanted);
    const nextHead = keys.head in changes ? changes[keys.head]!.newValue : headIds;
    const shown = new Set([...headIds, ...(Array.isArray(nextHead) ? nextHead : [])]);
    // Job records first, so a head or index that names a new job in the same change finds it.
    for (const [key, change] of Object.entries(changes)) {
      if (bump) cache.bump(key);
      const value = change.newValue;
      if (isJobKey(key)) {
        const id = jobIdOfKey(key);
        // Once the first rows are in, only the records of rows it holds or shows: a first sync writes
        // thousands per change. Before, every one (the first reads may still be settling any of them).
        if (!firstRowsReady || jobs.has(id) || shown.has(id) || wantedSet.has(id)) cache.applyJob(key, value);
        else absent.delete(key);
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
      } else if (key === keys.indexPages || isIndexPageKey(key)) {
        index.apply(key, value);
        indexChanged = true;
      } else if (key === keys.records) {
        records.apply(value);
      } else if (!isJobKey(key)) {
        applyMeta(key, value);
      }
    }
    if (indexLoaded && indexChanged && !showIndex()) void readMissingPages().then(() => showIndex() && state.emit());
    if (!indexLoaded && (headChanged || entriesChanged)) {
      setEntries(entriesFromHead());
      // New head ids whose records were not in this change.
      if (headIds.some((id) => !jobs.has(id) && !absent.has(keys.job(id)))) needRows = true;
    }
    state.emit();
    if (state.snapshot.peek().firstRowsReady && (needRows || cache.missingImageKeys(wanted).length)) void requestRows();
  }

  const onChanged: StorageChangeListener = (changes) => applyChanges(changes, true);

  async function loadIndex(): Promise<void> {
    if (indexLoaded) return;
    indexPromise ??= (async () => {
      try {
        // Boards and the queue come with the index: after first paint, in the same read.
        const got = await read([keys.indexPages, keys.outbox, keys.records]);
        if (keys.records in got) records.apply(got[keys.records]);
        if (keys.indexPages in got) index.apply(keys.indexPages, got[keys.indexPages]);
        // No readable index at all: the head stays the whole list (and keeps following `head`).
        if (!indexLoaded && index.usable) {
          await readMissingPages();
          showIndex();
        }
        state.patch({ phase: 'full' });
        if (keys.outbox in got) applyMeta(keys.outbox, got[keys.outbox]);
        else if (!cache.hasStamp(keys.outbox)) state.patch({ outboxLength: 0 });
        state.emit();
      } catch (error) {
        indexPromise = null;
        state.patch({ readError: `Could not read the history index: ${errorMessage(error)}` });
        state.emit();
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
      else if (!cache.hasStamp(keys.head)) {
        // A layout without `head`: the index is all there is.
        await loadIndex();
        headIds = state.snapshot
          .peek()
          .entries.slice(0, firstRows)
          .map((e) => e.id);
      }
      if (early) {
        const got = await adopt(early.jobs);
        if (got) cache.applyJobs(Object.keys(got), got);
      }
      // Only the rows on screen before first paint (the rest of head after it); more only if some of
      // them turned out deleted or missing.
      for (let round = 0; round < 4; round++) {
        const jobKeys = unreadFirstRows(firstRows);
        if (jobKeys.length === 0) break;
        cache.applyJobs(jobKeys, await read(jobKeys));
      }
      const rows = indexLoaded ? state.next('entries') : entriesFromHead();
      if (wanted.length === 0) wanted = rows.slice(0, firstRows).map((e) => e.id);
      if (early) {
        const got = await adopt(early.images);
        if (got) cache.applyImages(got);
      }
      // Rows and their images arrive in one render: no placeholder flash, and one frame sooner
      // than painting text rows first (measured: a paint between the reads delays the images).
      const imageKeys = cache.missingImageKeys(wanted);
      if (imageKeys.length) cache.applyImages(await read(imageKeys));
      if (!indexLoaded) setEntries(entriesFromHead());
      state.patch({ phase: state.next('phase') === 'full' ? 'full' : 'head', firstRowsReady: true });
      state.emit();
    } catch (error) {
      state.patch({
        phase: state.next('phase') === 'full' ? 'full' : 'head',
        firstRowsReady: true,
        readError: `Could not read the history: ${errorMessage(error)}`,
      });
      state.emit();
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
        if (handed) cache.adoptStamps(handed.stamps);
        storage.onChanged.addListener(onChanged);
        if (handed?.changes.length)
          applyChanges(Object.assign({}, ...handed.changes) as Record<string, StorageChange>, false);
        startPromise = firstPaint(Math.max(1, opts.firstRows ?? early?.firstRows ?? 20), early);
      }
      return startPromise;
    },
    snapshot: state.snapshot,
    getSnapshot: () => state.snapshot.peek(),
    getJob: (id) => jobs.get(id),
    getImage: (hash) => (hash ? images.get(hash) : undefined),
    isImageAbsent: (hash) => !!hash && !images.has(hash) && absent.has(keys.image(hash)),
    ensureRows(ids) {
      wanted = ids;
      // Until the first rows' images are in, the first-paint reads cover them; it reads the rest after.
      return state.snapshot.peek().firstRowsReady ? requestRows() : Promise.resolve();
    },
    loadIndex,
    records,
    filter(text, status, reason = null) {
      const snap = state.snapshot.peek();
      return search.filter(snap.entries, snap.entriesVersion, text, status, reason);
    },
    dispose() {
      disposed = true;
      state.dispose();
      storage.onChanged.removeListener(onChanged);
    },
  };
}
