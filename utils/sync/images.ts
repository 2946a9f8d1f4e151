import pLimit from 'p-limit';
import { type CompanionClient, CompanionError, type ImageBatch, isCompanionError } from '@/utils/companion-client';
import { MAX_IMAGE_BATCH } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import type { ImageWant } from '@/utils/storage/layout';

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
   * Makes sure this replica holds the image of every finished job it shows. The merges record what they
   * stored without its image (imagesWanted): versions from push and submit answers, and pulled versions
   * whose image the companion did not have yet. Each sync asks for them again until they arrive, and
   * forgets those whose job moved on (deleted, retried, another image).
   */
  fetchWantedImages(store: HistoryStore, client: CompanionClient): Promise<void>;
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

  async function fetchWantedImages(store: HistoryStore, client: CompanionClient): Promise<void> {
    const wanted = await store.getImagesWanted();
    if (wanted.length === 0) return;
    const jobs = await store.getJobs([...new Set(wanted.map((w) => w.id))]);
    const stale: ImageWant[] = [];
    const hashes = new Set<string>();
    for (const w of wanted) {
      const job = jobs.get(w.id);
      if (!job || job.deleted || job.status !== 'success' || job.image !== w.hash) stale.push(w);
      else hashes.add(w.hash);
    }
    const have = await store.hasImages([...hashes]);
    for (const w of wanted) if (have.has(w.hash)) stale.push(w);
    const images = await fetchImages(
      client,
      [...hashes].filter((h) => !have.has(h)),
      { skipBroken: true },
    );
    if (stale.length > 0 || Object.keys(images).length > 0) await store.settleImagesWanted(images, stale);
  }

  return { fetchImages, fetchWantedImages };
}
