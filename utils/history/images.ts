import type { Job } from '@/utils/domain';
import type { StoreWriter } from '@/utils/history/writer';
import { keys } from '@/utils/storage/keys';
import type { ImageWant } from '@/utils/storage/layout';

/** Images in the store: `img:<sha256>` keys holding PNG data URLs (what is wanted: wanted-store.ts). */

/** A live finished job with an image: one whose image the panel shows. */
export function showsImage(job: Job): job is Job & { image: string } {
  return !job.deleted && job.status === 'success' && job.image !== null;
}

/** The `img:` items of `images` (hash -> data URL), ready for a `set`. */
export function imageItems(images: Record<string, string> | undefined): Record<string, unknown> {
  const items: Record<string, unknown> = {};
  for (const [hash, dataUrl] of Object.entries(images ?? {})) items[keys.image(hash)] = dataUrl;
  return items;
}

/** Of these image hashes, those held here (one read). */
export async function heldImages(w: StoreWriter, hashes: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(hashes)];
  const held = new Set<string>();
  if (list.length === 0) return held;
  const raw = await w.storage.get(list.map(keys.image));
  for (const hash of list) if (typeof raw[keys.image(hash)] === 'string') held.add(hash);
  return held;
}

/**
 * Of these winning versions, the images they show that are neither given nor held here. `held`: what
 * heldImages found of the hashes read ahead; the others are read now.
 */
export async function unheldImages(
  w: StoreWriter,
  winners: Iterable<Job>,
  given: Record<string, string> | undefined,
  ahead?: { read: ReadonlySet<string>; held: ReadonlySet<string> },
): Promise<ImageWant[]> {
  const givenHashes = new Set(Object.keys(given ?? {}));
  const unheld = [...winners].filter(showsImage).filter((j) => !givenHashes.has(j.image));
  const out: ImageWant[] = [];
  if (unheld.length === 0) return out;
  const more = await heldImages(
    w,
    unheld.map((j) => j.image).filter((hash) => !ahead?.read.has(hash)),
  );
  for (const j of unheld) if (!ahead?.held.has(j.image) && !more.has(j.image)) out.push({ id: j.id, hash: j.image });
  return out;
}

export interface ImageStore {
  putImage(hash: string, dataUrl: string): Promise<void>;
  putImages(images: Record<string, string>): Promise<void>;
  getImages(hashes: readonly string[]): Promise<Map<string, string>>;
  /** The subset of `hashes` held locally. */
  hasImages(hashes: readonly string[]): Promise<Set<string>>;
}

export function createImageStore(w: StoreWriter): ImageStore {
  const { storage } = w;
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
  };
  return images;
}
