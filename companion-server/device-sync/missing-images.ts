import type { JobStore } from '../store/types';
import { jobImages } from './line-format';
import type { TargetFile } from './targets/types';

/** A missing image is asked for this long after the last ask with nothing changed, then twice as long, and so on. */
export const RECHECK_FIRST_MS = 60_000;
/** Up to this: an image put on the server by hand (no device's file changed) still comes within the hour. */
export const RECHECK_MAX_MS = 3_600_000;

/**
 * The images that jobs here name and the store lacks (issue 22), and when to ask the target for them again. On a
 * server (WebDAV, S3) a PUT lands whole and a device puts a job's images before the log that names the job, so an
 * image missing at one pass can only be there at a later one once some other device's files changed (a new log,
 * a new head): until the listing shows that, asking again costs a request per image per poll and finds nothing.
 * So there it is asked again when the other devices' listings changed since the last ask, and otherwise only
 * after a backoff (1 min doubling to 1 h, for an image restored by hand). A synced folder's client copies files in
 * any order (an image may come after its log, or cut short), and asking a folder costs nothing: every pass.
 * The first pass after a start asks for every image the store lacks (a process killed while waiting forgot them).
 */
export function createMissingImages(options: { store: JobStore; everyPass: boolean; now: () => number }) {
  const { store, everyPass, now } = options;
  const wanted = new Set<string>();
  let seeded = false;
  /** The other devices' listings at the last ask that finished (null: none yet since the start). */
  let askedWith: string | null = null;
  let backoffMs = RECHECK_FIRST_MS;
  let nextAt = Number.NEGATIVE_INFINITY;

  return {
    add: (hash: string) => wanted.add(hash),
    delete: (hash: string) => wanted.delete(hash),
    get size() {
      return wanted.size;
    },
    /** At a pass's start: the images to ask for at its end if `due` (after a start, every one the store lacks). */
    pending(): string[] {
      if (!seeded) {
        seeded = true;
        for (const job of store.list()) for (const hash of jobImages(job)) if (!store.hasImage(hash)) wanted.add(hash);
      }
      return [...wanted];
    },
    /** Whether to ask again, given the other devices' listings this pass (`listingStamp`). */
    due: (listings: string) => everyPass || listings !== askedWith || now() >= nextAt,
    /** After asking: `complete` false (a request failed, an image was still arriving) asks again at the next pass. */
    asked(listings: string, complete: boolean) {
      if (!complete) return;
      backoffMs = listings === askedWith ? Math.min(backoffMs * 2, RECHECK_MAX_MS) : RECHECK_FIRST_MS;
      askedWith = listings;
      nextAt = now() + backoffMs;
    },
  };
}

/** One device's listing as a string: equal strings, the same files at the same sizes and times. */
export const listingStamp = (device: string, listed: readonly TargetFile[]) =>
  `${device}:${listed.map((f) => `${f.name}/${f.size}/${f.mtimeMs}`).join(',')}`;
