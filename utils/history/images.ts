import type { Job } from '@/utils/domain';
import type { StoreWriter } from '@/utils/history/writer';
import { keys } from '@/utils/storage/keys';
import { type ImageWant, imagesWantedSchema } from '@/utils/storage/layout';

/**
 * Images in the store: `img:<sha256>` keys holding PNG data URLs, and `imagesWanted`, the images of finished
 * jobs this replica shows but does not hold yet (the companion lacked them when asked).
 */

/** A live finished job with an image: one whose image the panel shows. */
export function showsImage(job: Job): job is Job & { image: string } {
  return !job.deleted && job.status === 'success' && job.image !== null;
}

export const wantKey = (w: ImageWant) => `${w.id}\u0000${w.hash}`;

/** The `img:` items of `images` (hash -> data URL), ready for a `set`. */
export function imageItems(images: Record<string, string> | undefined): Record<string, unknown> {
  const items: Record<string, unknown> = {};
  for (const [hash, dataUrl] of Object.entries(images ?? {})) items[keys.image(hash)] = dataUrl;
  return items;
}

/** The wanted list after a batch: entries answered by its images, or whose job moved on, out; `add` in. */
export function nextWanted(
  current: readonly ImageWant[],
  add: readonly ImageWant[],
  jobs: ReadonlyMap<string, Job>,
  images: Record<string, string> | undefined,
): ImageWant[] | null {
  if (current.length === 0 && add.length === 0) return null;
  const stored = new Set(Object.keys(images ?? {}));
  const keep = (w: ImageWant) => {
    if (stored.has(w.hash)) return false;
    const job = jobs.get(w.id);
    return !job || (showsImage(job) && job.image === w.hash);
  };
  const wanted = new Map(current.filter(keep).map((w) => [wantKey(w), w]));
  for (const w of add) if (keep(w)) wanted.set(wantKey(w), w);
  if (wanted.size === current.length && current.every((w) => wanted.has(wantKey(w)))) return null;
  return [...wanted.values()];
}

/** Of these winning versions, the images they show that are neither given nor held here. */
export async function unheldImages(
  w: StoreWriter,
  winners: Iterable<Job>,
  given: Record<string, string> | undefined,
): Promise<ImageWant[]> {
  const givenHashes = new Set(Object.keys(given ?? {}));
  const unheld = [...winners].filter(showsImage).filter((j) => !givenHashes.has(j.image));
  const out: ImageWant[] = [];
  if (unheld.length === 0) return out;
  const held = await w.storage.get([...new Set(unheld.map((j) => keys.image(j.image)))]);
  for (const j of unheld) if (typeof held[keys.image(j.image)] !== 'string') out.push({ id: j.id, hash: j.image });
  return out;
}

export interface ImageStore {
  putImage(hash: string, dataUrl: string): Promise<void>;
  putImages(images: Record<string, string>): Promise<void>;
  getImages(hashes: readonly string[]): Promise<Map<string, string>>;
  /** The subset of `hashes` held locally. */
  hasImages(hashes: readonly string[]): Promise<Set<string>>;
  /** Images of finished jobs this replica shows but does not hold (the companion lacked them when asked). */
  getImagesWanted(): Promise<ImageWant[]>;
  /** Stores fetched images and forgets the wanted entries they answer, and the `stale` ones, in one write. */
  settleImagesWanted(images: Record<string, string>, stale?: readonly ImageWant[]): Promise<void>;
}

export function createImageStore(w: StoreWriter): ImageStore {
  const { storage } = w;
  const readWanted = async () =>
    imagesWantedSchema.safeParse((await storage.get(keys.imagesWanted))[keys.imagesWanted]).data ?? [];

  const images: ImageStore = {
    putImage(hash, dataUrl) {
      return w.exclusive(() => w.write({ [keys.image(hash)]: dataUrl }));
    },

    putImages(batch) {
      return w.exclusive(() => w.write(imageItems(batch)));
    },

    async getImages(hashes) {
      await w.whenReady();
      const out = new Map<string, string>();
      if (hashes.length === 0) return out;
      const raw = await storage.get(hashes.map(keys.image));
      for (const hash of hashes) {
        const value = raw[keys.image(hash)];
        if (typeof value === 'string') out.set(hash, value);
      }
      return out;
    },

    async hasImages(hashes) {
      return new Set((await images.getImages(hashes)).keys());
    },

    async getImagesWanted() {
      await w.whenReady();
      return readWanted();
    },

    settleImagesWanted(fetched, stale = []) {
      return w.exclusive(async () => {
        const wanted = await readWanted();
        const drop = new Set(stale.map(wantKey));
        const hashes = new Set(Object.keys(fetched));
        const kept = wanted.filter((x) => !hashes.has(x.hash) && !drop.has(wantKey(x)));
        const items = imageItems(fetched);
        if (kept.length !== wanted.length) items[keys.imagesWanted] = kept;
        if (Object.keys(items).length > 0) await w.write(items);
      });
    },
  };
  return images;
}
