import type { Job } from '@/utils/domain';
import { imageItems, showsImage } from '@/utils/history/images';
import { readJobs } from '@/utils/history/reads';
import type { StoreWriter } from '@/utils/history/writer';
import type { StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import { type ImageWant, idListSchema } from '@/utils/storage/layout';
import {
  appendWanted,
  decodeChunk,
  emptyWantedMeta,
  encodeChunk,
  removeWanted,
  type WantedMeta,
  type WantedUpdate,
  wantedCount,
  wantedMetaSchema,
  wantKey,
} from '@/utils/storage/wanted';

/** An entry taken from the wanted chunks, with the chunk it is in. */
export interface TakenWant extends ImageWant {
  chunk: number;
}

/** `wanted`: empty when absent, null when unreadable. */
export function parseWantedMeta(value: unknown): WantedMeta | null {
  return value === undefined ? emptyWantedMeta() : (wantedMetaSchema.safeParse(value).data ?? null);
}

async function readChunks(storage: StorageAreaLike, numbers: readonly number[]): Promise<Map<number, ImageWant[]>> {
  const out = new Map<number, ImageWant[]>();
  if (numbers.length === 0) return out;
  const raw = await storage.get(numbers.map(keys.wantedChunk));
  // An unreadable chunk reads as empty: rebuild() derives the whole list again from the jobs.
  for (const n of numbers) out.set(n, decodeChunk(raw[keys.wantedChunk(n)]) ?? []);
  return out;
}

/** The items of a chunk update, and the keys of chunks dropped from the list. */
export function wantedItems(
  before: WantedMeta,
  update: WantedUpdate,
): { items: Record<string, unknown>; remove: string[] } {
  const items: Record<string, unknown> = {};
  for (const [n, entries] of update.write) items[keys.wantedChunk(n)] = encodeChunk(entries);
  if (JSON.stringify(update.meta) !== JSON.stringify(before)) items[keys.wanted] = update.meta;
  return { items, remove: update.dropped.map(keys.wantedChunk) };
}

/** Appends wanted entries (commit.ts): reads the last chunk when it has room, returns what to set. */
export async function appendWantedItems(
  storage: StorageAreaLike,
  meta: WantedMeta,
  add: readonly ImageWant[],
): Promise<Record<string, unknown>> {
  if (add.length === 0) return {};
  const tail = meta.chunks.at(-1);
  const last = tail ? ((await readChunks(storage, [tail.n])).get(tail.n) ?? null) : null;
  return wantedItems(meta, appendWanted(meta, last, add)).items;
}

/** Of these wants, those whose job no longer shows that image, and those whose image is held. */
async function staleOrHeld(storage: StorageAreaLike, wants: readonly ImageWant[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (wants.length === 0) return out;
  const jobs = await readJobs(storage, [...new Set(wants.map((w) => w.id))]);
  const held = await storage.get([...new Set(wants.map((w) => keys.image(w.hash)))]);
  for (const w of wants) {
    const job: Job | undefined = jobs.get(w.id);
    if (!job || !showsImage(job) || job.image !== w.hash || typeof held[keys.image(w.hash)] === 'string')
      out.add(wantKey(w));
  }
  return out;
}

export interface WantedStore {
  /** What is wanted now: entries whose job still shows the image, not held here. */
  getImagesWanted(): Promise<ImageWant[]>;
  /** Entries in the chunks (stale ones included until dropped). */
  countWanted(): Promise<number>;
  /**
   * Up to `limit` entries, newest chunk first, none that `exclude` names: `fetch` those still wanted,
   * `drop` those whose job moved on or whose image is held. Reads only.
   */
  takeWanted(limit: number, exclude: (want: ImageWant) => boolean): Promise<{ fetch: TakenWant[]; drop: TakenWant[] }>;
  /** Stores fetched images and removes the `settled` entries from their chunks, in one write. */
  settleWanted(images: Record<string, string>, settled: readonly TakenWant[]): Promise<void>;
  /** The images of the head's jobs (what the panel shows first) not held here. */
  headWants(): Promise<ImageWant[]>;
}

export function createWantedStore(w: StoreWriter): WantedStore {
  const { storage } = w;
  const readMeta = async () => parseWantedMeta((await storage.get(keys.wanted))[keys.wanted]) ?? emptyWantedMeta();

  return {
    async getImagesWanted() {
      await w.whenReady();
      const meta = await readMeta();
      const chunks = await readChunks(
        storage,
        meta.chunks.map((c) => c.n),
      );
      const all = meta.chunks.flatMap((c) => chunks.get(c.n) ?? []);
      const gone = await staleOrHeld(storage, all);
      const seen = new Set<string>();
      return all.filter((x) => !gone.has(wantKey(x)) && !seen.has(wantKey(x)) && seen.add(wantKey(x)));
    },

    async countWanted() {
      await w.whenReady();
      return wantedCount(await readMeta());
    },

    async takeWanted(limit, exclude) {
      await w.whenReady();
      const meta = await readMeta();
      const fetch: TakenWant[] = [];
      const drop: TakenWant[] = [];
      let group: TakenWant[] = [];
      const classify = async () => {
        const gone = await staleOrHeld(storage, group);
        for (const t of group) (gone.has(wantKey(t)) ? drop : fetch).push(t);
        group = [];
      };
      // Up to `limit` to fetch; the ones to drop found on the way come along (at most a few batches' worth).
      for (let i = meta.chunks.length - 1; i >= 0 && fetch.length < limit && drop.length < 10 * limit; i--) {
        const n = meta.chunks[i]!.n;
        const entries = (await readChunks(storage, [n])).get(n) ?? [];
        for (let j = entries.length - 1; j >= 0; j--) {
          const want = entries[j]!;
          if (exclude(want)) continue;
          group.push({ ...want, chunk: n });
          if (fetch.length + group.length >= limit) {
            await classify();
            if (fetch.length >= limit) break;
          }
        }
      }
      if (group.length > 0) await classify();
      return { fetch, drop };
    },

    settleWanted(images, settled) {
      return w.exclusive(async () => {
        const meta = await readMeta();
        const chunks = await readChunks(storage, [...new Set(settled.map((s) => s.chunk))]);
        const { items, remove } = wantedItems(meta, removeWanted(meta, chunks, new Set(settled.map(wantKey))));
        Object.assign(items, imageItems(images));
        if (Object.keys(items).length > 0 || remove.length > 0) await w.write(items, remove);
      });
    },

    async headWants() {
      await w.whenReady();
      const head = idListSchema.safeParse((await storage.get(keys.head))[keys.head]).data ?? [];
      const jobs = await readJobs(storage, head);
      const shown = [...jobs.values()].filter(showsImage).map((j) => ({ id: j.id, hash: j.image }));
      const gone = await staleOrHeld(storage, shown);
      return shown.filter((x) => !gone.has(wantKey(x)));
    },
  };
}
