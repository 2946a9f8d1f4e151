import { errorMessage } from '@/utils/domain/error-message';
import type { ColourStore } from '@/utils/history/colour-store';
import { showsImage } from '@/utils/history/images';
import type { HistoryStore } from '@/utils/history/store';
import type { StorageChange } from '@/utils/storage/area';
import { colourBucketOf, decodeBucket, encodeColourEntry, hash8Of } from '@/utils/storage/colours';
import { COLOUR_BUCKET_PREFIX, isColourBucketKey, isImageKey, isJobKey, jobIdOfKey } from '@/utils/storage/keys';

/**
 * Keeps the colour index (utils/storage/colours.ts) up to date, in the background: a job's colours are computed
 * once its image is stored here, and jobs stored before the index existed are backfilled, newest first, a small
 * batch at a time with a pause between, so neither the worker nor the writes behind it wait long. It watches
 * storage: a job or image key that changes schedules a pass. All state that matters is in storage; a worker that
 * stops mid-pass picks up where it was at the next start. A start after a complete pass with no change since
 * (`coloursClean`) reads nothing more: at 100,000 jobs a pass reads about 50 MB (the colour index and the
 * index), which held up the panel's first reads on the storage backend after every browser or worker start.
 */
export interface ColourIndexer {
  /** chrome.storage.onChanged of the local area: jobs and images that changed schedule a pass. */
  onStorageChanged(changes: Record<string, StorageChange>): void;
  /** Schedules a pass (a call while one runs runs another after it). */
  schedule(): void;
  /** At the worker's start: schedules a pass unless the last one left the index complete and nothing changed. */
  start(): Promise<void>;
  /** One pass now: every live finished job whose image is held and whose colours are missing or stale. */
  run(): Promise<number>;
  /** Resolves once no pass runs or is scheduled. */
  whenIdle(): Promise<void>;
}

export interface ColourIndexerOptions {
  store: Pick<HistoryStore, 'getIndex' | 'getJobs' | 'getImages'> & ColourStore;
  /** Clock for `coloursClean`. */
  now?: () => number;
  /**
   * A start still makes a pass when the last complete one is older than this (a day by default): it catches a
   * change whose event never reached a worker stopped right after the write.
   */
  cleanForMs?: number;
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

export function createColourIndexer(options: ColourIndexerOptions): ColourIndexer {
  const { store, codesOf } = options;
  const batchSize = options.batchSize ?? 25;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  const debounceMs = options.debounceMs ?? 300;
  const log = options.log ?? ((message: string) => console.warn(message));
  const now = options.now ?? Date.now;
  const cleanForMs = options.cleanForMs ?? 24 * 60 * 60 * 1000;
  /** Changes that need a pass, counted: a pass leaves the index clean only if none came during it. */
  let changes = 0;
  /** What `coloursClean` says as far as this worker wrote or read it. */
  let marked: 'clean' | 'unclean' | 'unknown' = 'unknown';
  function markUnclean(): void {
    changes++;
    if (marked === 'unclean') return;
    marked = 'unclean';
    store
      .setColoursClean(null)
      .catch((err: unknown) => log(`Could not mark the colour index due: ${errorMessage(err)}`));
  }
  /**
   * bucket -> job id -> hash8 of the image its stored colours came from: read once, then kept by the storage
   * changes of the buckets (its own writes, and any other's).
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
  /** Jobs whose image is not held here yet: skipped until an image arrives. */
  const waiting = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<number> | null = null;
  let again = false;

  async function pass(): Promise<number> {
    if (!known) {
      const stored = await store.getColourIndex();
      known = new Map();
      for (const [id, value] of stored) {
        const n = colourBucketOf(id);
        if (!known.has(n)) known.set(n, new Map());
        known.get(n)!.set(id, value.slice(0, 8));
      }
    }
    const index = await store.getIndex();
    const live = new Set(index.map((e) => e.id));
    // Out of the index: dropped once its record says it is gone (a layout restored key by key may list it later).
    const unlisted = [...known.values()].flatMap((bucket) => [...bucket.keys()].filter((id) => !live.has(id)));
    const drop: string[] = [];
    for (let at = 0; at < unlisted.length; at += 500) {
      const batch = unlisted.slice(at, at + 500);
      const jobs = await store.getJobs(batch);
      for (const id of batch) if (!jobs.has(id) || !showsImage(jobs.get(id)!)) drop.push(id);
    }
    const todo = index
      .filter((e) => e.status === 'success' && (knownOf(e.id) === undefined || dirty.has(e.id)) && !waiting.has(e.id))
      .map((e) => e.id);
    let indexed = 0;
    if (drop.length > 0) {
      await store.putColours(new Map(), drop);
      for (const id of drop) known.get(colourBucketOf(id))?.delete(id);
    }
    /** Images met in this pass (hash -> codes): jobs sharing an image decode it once. */
    const byImage = new Map<string, string>();
    for (let at = 0; at < todo.length; at += batchSize) {
      const batch = todo.slice(at, at + batchSize);
      const jobs = await store.getJobs(batch);
      const shown = [...jobs.values()].filter(showsImage);
      const images = await store.getImages([...new Set(shown.map((j) => j.image))]);
      const set = new Map<string, string>();
      for (const job of shown) {
        const dataUrl = images.get(job.image);
        if (dataUrl === undefined) {
          waiting.add(job.id);
          continue;
        }
        let codes = byImage.get(job.image);
        if (codes === undefined) {
          try {
            codes = codesOf(dataUrl);
          } catch (err) {
            // An unreadable image has no colours; it is not decoded again until it changes.
            log(`Could not read the colours of image ${job.image}: ${errorMessage(err)}`);
            codes = '';
          }
          byImage.set(job.image, codes);
        }
        set.set(job.id, encodeColourEntry({ hash8: hash8Of(job.image), codes }));
      }
      if (set.size > 0) await store.putColours(set);
      for (const [id, value] of set) {
        const n = colourBucketOf(id);
        if (!known.has(n)) known.set(n, new Map());
        known.get(n)!.set(id, value.slice(0, 8));
      }
      for (const id of batch) dirty.delete(id);
      indexed += set.size;
      if (at + batchSize < todo.length) await pause();
    }
    return indexed;
  }

  function run(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        const seen = changes;
        do {
          again = false;
          total += await pass();
        } while (again);
        if (changes === seen && timer === null && marked !== 'clean') {
          marked = 'clean';
          await store.setColoursClean(now());
        }
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
      run().catch((err: unknown) => log(`Could not update the colour index: ${errorMessage(err)}`));
    }, debounceMs);
  }

  return {
    onStorageChanged(changes) {
      let due = false;
      for (const [key, change] of Object.entries(changes)) {
        if (isColourBucketKey(key)) {
          if (known) setKnownBucket(Number.parseInt(key.slice(COLOUR_BUCKET_PREFIX.length), 16), change.newValue);
        } else if (isImageKey(key) && change.newValue !== undefined) {
          // An image arrived: the jobs waiting for one may have it now.
          waiting.clear();
          due = true;
        } else if (isJobKey(key)) {
          const id = jobIdOfKey(key);
          const value = change.newValue as { image?: unknown; deleted?: unknown } | null | undefined;
          const image = value?.image;
          const seen = knownOf(id);
          if (typeof image === 'string' && seen !== undefined && seen !== hash8Of(image)) dirty.add(id);
          if (typeof image === 'string' && seen === undefined) waiting.delete(id);
          const gone = value == null || value.deleted === true;
          due ||= seen === undefined || dirty.has(id) || gone;
        }
      }
      if (due) {
        markUnclean();
        schedule();
      }
    },
    schedule,
    async start() {
      const seen = changes;
      try {
        const at = await store.getColoursClean();
        // A change since began its own pass; a clean mark from the future is a clock that went back.
        if (changes !== seen) return;
        if (at !== null && at <= now() && now() - at < cleanForMs) {
          if (marked === 'unknown') marked = 'clean';
          return;
        }
      } catch (err) {
        log(`Could not read whether the colour index is complete: ${errorMessage(err)}`);
      }
      schedule();
    },
    run,
    async whenIdle() {
      while (timer !== null || running) {
        if (running) await running.catch(() => undefined);
        else await new Promise((resolve) => setTimeout(resolve, debounceMs + 5));
      }
    },
  };
}
