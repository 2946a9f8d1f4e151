import type { CompanionClient } from '@/utils/companion-client';
import { pickWinner } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import { checkServer } from '@/utils/sync/errors';
import type { ImageFetcher } from '@/utils/sync/images';

/**
 * Jobs per pulled page. Each page is stored in one write that also rewrites the index, so fewer, larger
 * pages make a first sync of 10,000 jobs about a quarter faster (measured: 16.5 s at 200, 12.2-13.3 s at 500).
 */
export const SYNC_PAGE_SIZE = 500;
/** The first page of a pull is smaller, so a fresh install shows its first rows sooner. */
export const FIRST_PAGE_SIZE = 100;

export interface PullOptions {
  store: HistoryStore;
  images: ImageFetcher;
  pageSize: number;
  firstPageSize: number;
}

export interface PullResult {
  /** Versions that arrived. */
  pulled: number;
  /** Images the companion lost and would like uploaded again (its last page's `needImages`). */
  needImages: string[];
}

/** Pulls the changes since the checkpoint page by page, each stored with its images. */
export async function pullChanges(
  options: PullOptions,
  client: CompanionClient,
  serverId: string,
): Promise<PullResult> {
  const { store, images: fetcher, pageSize, firstPageSize } = options;
  let since = (await store.getSyncState()).checkpoint;
  let pulled = 0;
  let first = true;
  for (;;) {
    const page = await client.changes(since, first ? firstPageSize : pageSize);
    first = false;
    checkServer(page.serverId, serverId);
    const locals = await store.getJobs(page.changes.map((j) => j.id));
    const wanted = new Set<string>();
    for (const job of page.changes) {
      const local = locals.get(job.id);
      if (job.deleted || local?.deleted || job.status !== 'success' || !job.image) continue;
      // By what is held here, not by the local hash: a version merged from a push or submit answer
      // may point at the image without it having been fetched.
      if (pickWinner(local, job) === job) wanted.add(job.image);
    }
    const have = await store.hasImages([...wanted]);
    const images = await fetcher.fetchImages(
      client,
      [...wanted].filter((h) => !have.has(h)),
    );
    // Jobs, images and checkpoint in one write: a stopped worker resumes at a whole page. Images the
    // companion lacks too (not uploaded yet) go to imagesWanted in the same write.
    await store.mergeRemote(page.changes, { images, sync: { checkpoint: page.lastSeq } });
    pulled += page.changes.length;
    if (!page.hasMore || page.lastSeq <= since) return { pulled, needImages: page.needImages };
    since = page.lastSeq;
  }
}
