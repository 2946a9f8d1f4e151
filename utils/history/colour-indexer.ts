import { errorMessage } from '@/utils/domain/error-message';
import type { ColourStore } from '@/utils/history/colour-store';
import { showsImage } from '@/utils/history/images';
import type { HistoryStore } from '@/utils/history/store';
import type { StorageChange } from '@/utils/storage/area';
import { colourBucketOf, decodeBucket, encodeColourEntry, hash8Of } from '@/utils/storage/colours';
import {
  COLOUR_BUCKET_PREFIX,
  hashOfImageKey,
  isColourBucketKey,
  isImageKey,
  isJobKey,
  jobIdOfKey,
  keys,
} from '@/utils/storage/keys';

/**
 * Keeps the colour index (utils/storage/colours.ts) up to date, in the background: a job's colours are computed
 * once its image is stored here, and jobs stored before the index existed are backfilled, newest first, a small
 * batch at a time with a pause between, so neither the worker nor the writes behind it wait long. It follows the
 * store's writes (`onStorageChanged`, fed by HistoryStore.onWrite): a job or image key that changes schedules a pass. All state that matters is in storage; a worker that
 * stops mid-pass picks up where it was at the next start.
 */
export interface ColourIndexer {
  /** chrome.storage.onChanged of the local area: jobs and images that changed schedule a pass. */
  onStorageChanged(changes: Record<string, StorageChange>): void;
  /** Schedules a pass (a call while one runs runs another after it). */
  schedule(): void;
  /** One pass now: every live finished job whose image is held and whose colours are missing or stale. */
  run(): Promise<number>;
  /** Resolves once no pass runs or is scheduled. */
  whenIdle(): Promise<void>;
}

export interface ColourIndexerOptions {
  store: Pick<HistoryStore, 'getIndex' | 'getJobs' | 'getImages'> & ColourStore;
  /** The sorted colour codes of a PNG data URL (colourCodes over its decoded pixels). */
  codesOf(dataUrl: string): string;
  /** Jobs per batch: one read of their records and images, one write. */
  batchSize?: number;
  /** Between batches, so other work runs (a timer of 0 by default). */
  pause?: () => Promise<void>;
  /** Delay before a scheduled pass, so a sync's burst of writes makes one pass. */
  debounceMs?: number;
  log?: (message: string) => void;
}

/** Images read at once to see which of the jobs a change named can be indexed yet. */
const READ_GROUP = 500;

export function createColourIndexer(options: ColourIndexerOptions): ColourIndexer {
  const { store, codesOf } = options;
  const batchSize = options.batchSize ?? 25;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  const debounceMs = options.debounceMs ?? 300;
  const log = options.log ?? ((message: string) => console.warn(message));
  /**
   * bucket -> job id -> hash8 of the image its stored colours came from: read once, then kept by the changes of
   * the buckets.
   */
  let known: Map<number, Map<string, string>> | null = null;
  const knownOf = (id: string) => known?.get(colourBucketOf(id))?.get(id);
  function setKnownBucket(n: number, value: unknown): void {
    const bucket = new Map<string, string>();
    for (const [id, entry] of decodeBucket(value) ?? []) bucket.set(id, entry.slice(0, 8));
    known!.set(n, bucket);
  }
  /** Jobs whose stored image changed since they were indexed. */
  const dirty = new Set<string>();
  /**
   * Jobs whose image is not held here yet, by that image: skipped until it arrives. Only the jobs waiting on an
   * image that arrives are looked at again (a first sync stores thousands of jobs before their images).
   */
  const waiting = new Map<string, string>();
  const waitingOn = new Map<string, Set<string>>();
  function wait(id: string, hash: string): void {
    unwait(id);
    waiting.set(id, hash);
    const ids = waitingOn.get(hash);
    if (ids) ids.add(id);
    else waitingOn.set(hash, new Set([id]));
  }
  function unwait(id: string): void {
    const hash = waiting.get(id);
    if (hash === undefined) return;
    waiting.delete(id);
    const ids = waitingOn.get(hash);
    ids?.delete(id);
    if (ids?.size === 0) waitingOn.delete(hash);
  }
  /**
   * Jobs a storage change showed with an image to index (or whose image arrived), with that image: a scheduled
   * pass looks at these alone, without reading the index or the job records. A full pass (the first after a
   * start, `run()`, or after a change a partial pass cannot follow) looks at every listed job.
   */
  const candidates = new Map<string, string>();
  let fullDue = true;
  /**
   * Whether a sync runs (the `sync` key's `syncing`, as written): scheduled passes wait for its end, so a pull's
   * pages are not slowed by reads and decoding for images that mostly arrive after it.
   */
  let syncing = false;
  let deferred = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<number> | null = null;
  let again = false;
  let againFull = false;

  async function loadKnown(): Promise<void> {
    if (known) return;
    const stored = await store.getColourIndex();
    known = new Map();
    for (const [id, value] of stored) {
      const n = colourBucketOf(id);
      if (!known.has(n)) known.set(n, new Map());
      known.get(n)!.set(id, value.slice(0, 8));
    }
  }

  /** Every listed job: drops the colours of jobs gone, and returns the ids to index (their images unknown). */
  async function fullTodo(): Promise<string[]> {
    fullDue = false;
    candidates.clear();
    const index = await store.getIndex();
    const live = new Set(index.map((e) => e.id));
    // Out of the index: dropped once its record says it is gone (a layout restored key by key may list it later).
    const unlisted = [...known!.values()].flatMap((bucket) => [...bucket.keys()].filter((id) => !live.has(id)));
    const drop: string[] = [];
    for (let at = 0; at < unlisted.length; at += 500) {
      const batch = unlisted.slice(at, at + 500);
      const jobs = await store.getJobs(batch);
      for (const id of batch) if (!jobs.has(id) || !showsImage(jobs.get(id)!)) drop.push(id);
    }
    if (drop.length > 0) {
      await store.putColours(new Map(), drop);
      for (const id of drop) known!.get(colourBucketOf(id))?.delete(id);
    }
    return index
      .filter((e) => e.status === 'success' && (knownOf(e.id) === undefined || dirty.has(e.id)) && !waiting.has(e.id))
      .map((e) => e.id);
  }

  async function pass(full: boolean): Promise<number> {
    await loadKnown();
    let todo: [string, string | null][];
    if (full || fullDue) todo = (await fullTodo()).map((id) => [id, null]);
    else {
      todo = [...candidates].filter(([id]) => knownOf(id) === undefined || dirty.has(id));
      candidates.clear();
    }
    let indexed = 0;
    /** Images met in this pass (hash -> codes): jobs sharing an image decode it once. */
    const byImage = new Map<string, string>();
    // Jobs a change named come with their image: their images are read READ_GROUP at a time (a first sync's
    // jobs are mostly without one yet); jobs found in the index are read a batch at a time.
    const step = todo.every(([, hash]) => hash !== null) ? READ_GROUP : batchSize;
    for (let at = 0; at < todo.length; at += step) {
      const group = todo.slice(at, at + step);
      const unread = group.filter(([, hash]) => hash === null).map(([id]) => id);
      const read = unread.length > 0 ? await store.getJobs(unread) : new Map();
      const shown: [string, string][] = [];
      for (const [id, hash] of group) {
        if (hash !== null) shown.push([id, hash]);
        else {
          const job = read.get(id);
          if (job && showsImage(job)) shown.push([id, job.image]);
        }
      }
      const images = await store.getImages([...new Set(shown.map(([, hash]) => hash))]);
      const held: [string, string][] = [];
      for (const [id, hash] of shown) {
        if (images.has(hash)) held.push([id, hash]);
        else wait(id, hash);
      }
      for (let b = 0; b < held.length; b += batchSize) {
        const set = new Map<string, string>();
        for (const [id, hash] of held.slice(b, b + batchSize)) {
          let codes = byImage.get(hash);
          if (codes === undefined) {
            try {
              codes = codesOf(images.get(hash)!);
            } catch (err) {
              // An unreadable image has no colours; it is not decoded again until it changes.
              log(`Could not read the colours of image ${hash}: ${errorMessage(err)}`);
              codes = '';
            }
            byImage.set(hash, codes);
          }
          set.set(id, encodeColourEntry({ hash8: hash8Of(hash), codes }));
        }
        if (set.size > 0) await store.putColours(set);
        for (const [id, value] of set) {
          const n = colourBucketOf(id);
          if (!known!.has(n)) known!.set(n, new Map());
          known!.get(n)!.set(id, value.slice(0, 8));
        }
        indexed += set.size;
        if (at + b + batchSize < todo.length) await pause();
      }
      for (const [id] of group) dirty.delete(id);
    }
    return indexed;
  }

  function start(full: boolean): Promise<number> {
    if (running) {
      again = true;
      againFull ||= full;
      return running;
    }
    running = (async () => {
      let total = 0;
      let nextFull = full;
      try {
        do {
          again = false;
          total += await pass(nextFull);
          nextFull = againFull;
          againFull = false;
        } while (again);
      } finally {
        running = null;
      }
      return total;
    })();
    return running;
  }

  function schedule(): void {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (syncing) {
        deferred = true;
        return;
      }
      start(false).catch((err: unknown) => log(`Could not update the colour index: ${errorMessage(err)}`));
    }, debounceMs);
  }

  return {
    onStorageChanged(changes) {
      let due = false;
      for (const [key, change] of Object.entries(changes)) {
        if (key === keys.sync) {
          syncing = (change.newValue as { syncing?: unknown } | undefined)?.syncing === true;
          if (!syncing && deferred) {
            deferred = false;
            due = true;
          }
        } else if (isColourBucketKey(key)) {
          if (known) setKnownBucket(Number.parseInt(key.slice(COLOUR_BUCKET_PREFIX.length), 16), change.newValue);
        } else if (isImageKey(key) && change.newValue !== undefined) {
          // An image arrived: the jobs waiting for it are looked at again.
          const hash = hashOfImageKey(key);
          for (const id of [...(waitingOn.get(hash) ?? [])]) {
            unwait(id);
            candidates.set(id, hash);
            due = true;
          }
        } else if (isJobKey(key)) {
          const id = jobIdOfKey(key);
          const value = change.newValue as { image?: unknown; deleted?: unknown; status?: unknown } | null | undefined;
          const image = value?.image;
          const seen = knownOf(id);
          const gone = value == null || value.deleted === true;
          if (typeof image === 'string' && seen !== undefined && seen !== hash8Of(image)) dirty.add(id);
          // Still waiting on the same image: nothing to look at until it arrives.
          if (typeof image === 'string' && waiting.get(id) !== image) unwait(id);
          const shows = !gone && value.status === 'success' && typeof image === 'string';
          if (shows && !waiting.has(id) && (seen === undefined || dirty.has(id))) {
            candidates.set(id, image);
            due = true;
          } else if (!shows) candidates.delete(id);
          // Colours of a job gone (or no longer showing an image) are dropped by a full pass.
          if (seen !== undefined && !shows) {
            fullDue = true;
            due = true;
          }
        }
      }
      if (due) schedule();
    },
    schedule() {
      fullDue = true;
      schedule();
    },
    run: () => start(true),
    async whenIdle() {
      while (timer !== null || running) {
        if (running) await running.catch(() => undefined);
        else await new Promise((resolve) => setTimeout(resolve, debounceMs + 5));
      }
    },
  };
}
