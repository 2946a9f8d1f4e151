import type { Committer } from './committer';
import type { HistoryState } from './history-state';
import type { ImageBank } from './images';

/** The pause after a purge before its images are looked at: purges in a row (emptying the trash) share one pass. */
const PASS_DELAY_MS = 2_000;

export interface ImageCollector {
  /** Keeps `hash` until the returned function is called. */
  pin(hash: string): () => void;
  /** A put of `hash` was asked for: it is not freed in the next pass. */
  touched(hash: string): void;
  /** Something was written: look for images to free soon, if a purge left any. */
  changed(): void;
  /** One pass now; resolves with the hashes freed. */
  collect(): Promise<string[]>;
  close(): void;
}

/**
 * Image garbage collection. Images are content-addressed files that many jobs may share, so an image is freed
 * only when all of these hold:
 * - a job purged from the trash (a trashed job then deleted, by emptying the trash or after 30 days) pointed at
 *   it: an image is freed only because the user threw its job away, never because an edit (a retry, a re-run)
 *   stopped pointing at it, and a delete that did not go through the trash (an old client's) frees nothing;
 * - no live job points at it, the trash included, and no pending paid result (pinned by the result keeper);
 * - no live job of a dated copy in `snapshots/` points at it, so a restore from any copy kept brings its images;
 * - nobody put it since the last pass: a put is followed at once by the write of the job that points at it, so
 *   a pass never frees an image between the two.
 * The decision is made between two batches of writes (a committer barrier), and from then on the store says it
 * does not hold the image, so a job arriving later with the same hash asks its client for it (`needImages`);
 * content addressing makes that upload the same file again.
 */
export function createImageCollector(ctx: {
  state: HistoryState;
  committer: Committer;
  images: ImageBank;
  log: (line: string) => void;
  delayMs?: number;
  /** The candidates a dated copy in `snapshots/` still points at (snapshot-images.ts); none without copies. */
  heldByCopies?: (hashes: readonly string[]) => Promise<Set<string>>;
}): ImageCollector {
  const { state, committer, images } = ctx;
  const pins = new Map<string, number>();
  let touched = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  async function heldByCopies(hashes: string[]): Promise<Set<string>> {
    if (!ctx.heldByCopies || hashes.length === 0) return new Set();
    try {
      return await ctx.heldByCopies(hashes);
    } catch (error) {
      // Not knowing which copies need them, free none of them this pass.
      ctx.log(`Could not list the dated copies while freeing images: ${String(error)}`);
      return new Set(hashes);
    }
  }

  async function collect(): Promise<string[]> {
    // Read before the barrier (reading a copy takes time): a copy taken meanwhile holds the purged jobs as
    // tombstones, and a restore meanwhile makes the image referenced again, which the barrier sees.
    const unused = [...state.purgedImages()].filter((hash) => state.imageRefs(hash) === 0);
    const held = await heldByCopies(unused);
    const freed = await committer.barrier(() => {
      const done: string[] = [];
      const free: string[] = [];
      for (const hash of state.purgedImages()) {
        if (state.imageRefs(hash) > 0) done.push(hash);
        // Stays a candidate: freed by a pass after the last copy holding it is rotated out.
        else if (held.has(hash)) continue;
        else if (!pins.has(hash) && !touched.has(hash) && !images.busy(hash)) free.push(hash);
      }
      touched = new Set();
      state.forgetPurged([...done, ...free]);
      // Not held from now on, before the barrier ends: a job that arrives next asks for the image.
      return free.map((hash) => ({ hash, removal: images.free(hash) }));
    });
    await Promise.all(freed.map((f) => f.removal));
    if (freed.length > 0) ctx.log(`Freed ${freed.length} image(s) that only jobs purged from the trash used`);
    return freed.map((f) => f.hash);
  }

  return {
    pin(hash) {
      pins.set(hash, (pins.get(hash) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const n = (pins.get(hash) ?? 1) - 1;
        if (n > 0) pins.set(hash, n);
        else pins.delete(hash);
      };
    },
    touched(hash) {
      touched.add(hash);
    },
    changed() {
      if (closed || timer || state.purgedImages().size === 0) return;
      timer = setTimeout(() => {
        timer = null;
        collect().catch((error: unknown) => ctx.log(`Could not free unused images: ${String(error)}`));
      }, ctx.delayMs ?? PASS_DELAY_MS);
      timer.unref?.();
    },
    collect,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
