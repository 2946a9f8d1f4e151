import pLimit from 'p-limit';
import { type CompanionClient, CompanionError, type ImageBatch, isCompanionError } from '@/utils/companion-client';
import { MAX_IMAGE_BATCH } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import type { TakenWant } from '@/utils/history/wanted-store';
import type { ImageWant } from '@/utils/storage/layout';
import { wantKey } from '@/utils/storage/wanted';

export interface ImageFetcherOptions {
  /** Image requests in flight at once (each a batch, or one image from a companion without batches). */
  concurrency?: number;
  /** Images asked for per batch request (at most MAX_IMAGE_BATCH). */
  batchSize?: number;
}

export interface ImageFetcher {
  /**
   * `hashes` fetched from the companion in batches, at most `concurrency` requests at once; those it
   * lacks are left out. `skipBroken`: an image that fails its check is left out too (it stays wanted)
   * instead of failing the sync.
   */
  fetchImages(
    client: CompanionClient,
    hashes: readonly string[],
    options?: { skipBroken?: boolean },
  ): Promise<Record<string, string>>;
  /**
   * Fetches the images of the head's jobs (what the panel shows first) that are not held; returns how many.
   * `lacking`: hashes the companion did not have in this run, not asked again (and added to).
   */
  fillHead(store: HistoryStore, client: CompanionClient, lacking?: Set<string>): Promise<number>;
  /**
   * Makes sure this replica holds the image of every finished job it shows. The merges record what they
   * stored without its image (the wanted chunks): pulled versions, versions from push and submit answers,
   * and versions whose image the companion did not have yet. This fetches them newest chunk first, a few
   * batch requests at a time while the ones before are stored, until none is left but those the companion
   * lacks (asked again at the next call), and forgets those whose job moved on. One fill at a time: a call
   * while one runs joins it. Returns how many images it stored. `lacking` as for fillHead.
   */
  fill(store: HistoryStore, client: CompanionClient, lacking?: Set<string>): Promise<number>;
  /** Whether a fill is running. */
  readonly filling: boolean;
  /** Resolves once no fill runs (whatever its outcome). */
  whenIdle(): Promise<void>;
}

export function createImageFetcher(options: ImageFetcherOptions = {}): ImageFetcher {
  const concurrency = options.concurrency ?? 4;
  const batchSize = Math.min(options.batchSize ?? MAX_IMAGE_BATCH, MAX_IMAGE_BATCH);
  /** Companions (by URL) that answered the batch route 404: asked one image at a time from then on. */
  const noBatchRoute = new Set<string>();

  async function fetchImages(
    client: CompanionClient,
    hashes: readonly string[],
    opts: { skipBroken?: boolean } = {},
  ): Promise<Record<string, string>> {
    const images: Record<string, string> = {};
    const tolerated = (err: unknown) =>
      opts.skipBroken && (isCompanionError(err, 'bad-response') || isCompanionError(err, 'http'));
    const one = async (hash: string) => {
      try {
        const dataUrl = await client.getImage(hash);
        if (dataUrl) images[hash] = dataUrl;
      } catch (err) {
        // One unreadable image must not stop every sync: it stays wanted and is asked for next time.
        if (!tolerated(err)) throw err;
      }
    };
    const fetchBatch = async (batch: string[]) => {
      let pending = batch;
      while (pending.length > 0) {
        if (noBatchRoute.has(client.baseUrl)) {
          for (const hash of pending) await one(hash);
          return;
        }
        let answer: ImageBatch | null;
        try {
          answer = await client.getImageBatch(pending);
        } catch (err) {
          if (!tolerated(err)) throw err;
          return;
        }
        if (answer === null) {
          noBatchRoute.add(client.baseUrl);
          continue;
        }
        for (const [hash, dataUrl] of answer.images) images[hash] = dataUrl;
        if (answer.broken.length > 0 && !opts.skipBroken) {
          throw new CompanionError(
            'bad-response',
            `/api/v1/images: the image ${answer.broken[0]} is not a PNG matching its sha-256`,
          );
        }
        // The companion always sends at least one image, so this ends.
        pending = answer.images.size > 0 ? answer.deferred : [];
      }
    };
    const batches: string[][] = [];
    for (let i = 0; i < hashes.length; i += batchSize) batches.push(hashes.slice(i, i + batchSize));
    const limit = pLimit(concurrency);
    try {
      await limit.map(batches, fetchBatch);
    } finally {
      // After a failure the batches not yet started are dropped: the sync is failing anyway.
      limit.clearQueue();
    }
    return images;
  }

  async function fillHead(
    store: HistoryStore,
    client: CompanionClient,
    lacking: Set<string> = new Set(),
  ): Promise<number> {
    const hashes = [...new Set((await store.headWants()).map((w) => w.hash))].filter((h) => !lacking.has(h));
    if (hashes.length === 0) return 0;
    const images = await fetchImages(client, hashes, { skipBroken: true });
    for (const hash of hashes) if (images[hash] === undefined) lacking.add(hash);
    if (Object.keys(images).length > 0) await store.putImages(images);
    return Object.keys(images).length;
  }

  async function fillAll(store: HistoryStore, client: CompanionClient, lacking: Set<string>): Promise<number> {
    /** Taken and not stored yet: the next batch is fetched while this one is written. */
    const inFlight = new Set<string>();
    let stored = 0;
    let writing: Promise<void> = Promise.resolve();
    // Asked for in this run and not given (the companion lacks them): not asked again until the next run.
    const exclude = (want: ImageWant) => lacking.has(want.hash) || inFlight.has(wantKey(want));
    try {
      for (;;) {
        // As many as `concurrency` batch requests carry at once, stored in one write while the next are fetched.
        const { fetch, drop } = await store.takeWanted(batchSize * concurrency, exclude);
        if (fetch.length === 0 && drop.length === 0) break;
        for (const t of [...fetch, ...drop]) inFlight.add(wantKey(t));
        const images = await fetchImages(client, [...new Set(fetch.map((t) => t.hash))], { skipBroken: true });
        const settled: TakenWant[] = [...drop, ...fetch.filter((t) => images[t.hash] !== undefined)];
        for (const t of fetch) if (images[t.hash] === undefined) lacking.add(t.hash);
        await writing;
        stored += Object.keys(images).length;
        writing = store.settleWanted(images, settled).finally(() => {
          for (const t of [...fetch, ...drop]) inFlight.delete(wantKey(t));
        });
      }
    } finally {
      // The last write is awaited even when a fetch failed: what arrived stays stored.
      await writing;
    }
    return stored;
  }

  let running: Promise<number> | null = null;

  return {
    fetchImages,
    fillHead,
    fill(store, client, lacking = new Set()) {
      running ??= fillAll(store, client, lacking).finally(() => {
        running = null;
      });
      return running;
    },
    get filling() {
      return running !== null;
    },
    async whenIdle() {
      while (running) await running.catch(() => 0);
    },
  };
}
