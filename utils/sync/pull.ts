import { type Answered, type CompanionClient, isCompanionError } from '@/utils/companion-client';
import { MAX_PULL_PAGE, type PullResponse, SYNC_API_VERSION } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import { checkServer } from '@/utils/sync/errors';
import type { ImageFetcher } from '@/utils/sync/images';

/**
 * Jobs per pulled page after the first. A page is one storage write of its jobs and the index pages they
 * fall in; its images are fetched afterwards. Fewer, larger pages cost fewer writes and requests.
 */
export const SYNC_PAGE_SIZE = MAX_PULL_PAGE;
/** The first page of a pull is smaller, so a fresh install shows its first rows sooner. */
export const FIRST_PAGE_SIZE = 100;
/** The largest page companions before MAX_PULL_PAGE grew accept: asked for when one refuses a larger one. */
export const LEGACY_MAX_PULL_PAGE = 500;

export interface PullOptions {
  store: HistoryStore;
  images: ImageFetcher;
  pageSize: number;
  firstPageSize: number;
  /** Image hashes the companion lacked in this run: not asked again (ImageFetcher.fillHead). */
  lacking: Set<string>;
}

export interface PullResult {
  /** Versions that arrived. */
  pulled: number;
  /** Images the companion lost and would like uploaded again (its last page's `needImages`). */
  needImages: string[];
  /** Records (boards, the queue) that arrived. */
  records: number;
}

/** One page; a companion that refuses the page size (an older one) is asked again with the size it takes. */
async function changesPage(
  client: CompanionClient,
  since: number,
  limit: number,
): Promise<{ page: PullResponse & Answered; limit: number }> {
  try {
    return { page: await client.changes(since, limit), limit };
  } catch (err) {
    const tooLarge = isCompanionError(err, 'http') && err.status === 400 && err.field === 'limit';
    if (!tooLarge || limit <= LEGACY_MAX_PULL_PAGE) throw err;
    return { page: await client.changes(since, LEGACY_MAX_PULL_PAGE), limit: LEGACY_MAX_PULL_PAGE };
  }
}

/**
 * Pulls the changes since the checkpoint page by page. Each page is stored with its checkpoint in one
 * write, so a stopped worker resumes at a whole page; the images its jobs show are wanted in that same
 * write. After each page the images of the head (the rows the panel shows first) are fetched, from the second
 * page on while the next page is stored; the rest come after the pull (ImageFetcher.fill).
 */
export async function pullChanges(
  options: PullOptions,
  client: CompanionClient,
  serverId: string,
): Promise<PullResult> {
  const { store, images, pageSize, firstPageSize, lacking } = options;
  const state = await store.getSyncState();
  let since = state.checkpoint;
  /** The lowest protocol the changes up to `since` came in (none yet from 0). */
  let reachedIn = since === 0 ? SYNC_API_VERSION : state.checkpointVersion;
  let pulled = 0;
  let records = 0;
  let size = pageSize;
  const fetchPage = (from: number, asked: number): Promise<PullResponse & Answered> => {
    const page = changesPage(client, from, asked).then((answer) => {
      // An older companion refused the size: its own from then on.
      if (answer.limit < asked) size = answer.limit;
      return answer.page;
    });
    // Asked for ahead, it may fail while the page before is stored: the failure counts when it is awaited
    // (or not at all, when the pull already stopped).
    page.catch(() => undefined);
    return page;
  };
  let next = fetchPage(since, Math.min(firstPageSize, size));
  /** The head's images being fetched while the next page is stored (at most one fill at a time). */
  let headFill: Promise<number> | null = null;
  let headSettled = true;
  /**
   * The head's images after a stored page: awaited after the first page (the first rows' thumbnails); after later
   * ones fetched while the next page is stored. A page that finds a fill running leaves the head to the next
   * page, or to the run's own fill after the pull. A failed fill fails the pull at the next page or at the end.
   */
  const fillHead = async (first: boolean): Promise<void> => {
    if (headFill && headSettled) {
      const settled = headFill;
      headFill = null;
      await settled;
    }
    if (headFill) return;
    headSettled = false;
    const fill = images.fillHead(store, client, lacking).finally(() => {
      headSettled = true;
    });
    fill.catch(() => undefined);
    if (first) await fill;
    else headFill = fill;
  };
  let first = true;
  for (;;) {
    const page = await next;
    checkServer(page.serverId, serverId);
    if (page.syncVersion >= 2 && reachedIn < 2 && since > 0) {
      // A checkpoint reached in version 1 passed over organising fields and records: a companion answering in 2
      // is read again from the start, once (the checkpoint then records the version it was reached in).
      since = 0;
      reachedIn = SYNC_API_VERSION;
      next = fetchPage(0, Math.min(firstPageSize, size));
      continue;
    }
    reachedIn = Math.min(reachedIn, page.syncVersion);
    const more = page.hasMore && page.lastSeq > since;
    // The next page is asked for while this one is stored: the companion answers while the worker writes.
    if (more) next = fetchPage(page.lastSeq, size);
    const v = page.syncVersion;
    await store.mergeRemote(page.changes, {
      records: page.records,
      syncVersion: v,
      sync: { checkpoint: page.lastSeq, checkpointVersion: reachedIn, syncVersion: v },
    });
    pulled += page.changes.length;
    records += page.records.length;
    if (page.changes.length > 0) {
      await fillHead(first);
      first = false;
    }
    if (!more) {
      if (headFill) await headFill;
      return { pulled, needImages: page.needImages, records };
    }
    since = page.lastSeq;
  }
}
