import { z } from 'zod';
import { type ImageWant, imageWantSchema } from '@/utils/storage/layout';

/**
 * The images this replica shows but does not hold yet, in chunks: `wanted:<n>` keys of at most
 * WANTED_CHUNK_MAX entries (JSON strings, like the index pages: cheaper to write, and to pass to the panel,
 * which receives every change), listed oldest first by `wanted`. A pulled page appends its entries (one chunk
 * write, not a rewrite of one list that grows with the history: a first sync of 10,000 jobs wants 10,000
 * images), and the image filler takes them newest chunk first and removes what it settled. Entries whose
 * job moved on are not looked for on every write: the filler drops them when it reaches them. Pure.
 */

export const WANTED_CHUNK_MAX = 500;

export const wantedMetaSchema = z.object({
  chunks: z.array(z.object({ n: z.number().int().nonnegative(), count: z.number().int().positive() })),
  next: z.number().int().nonnegative(),
});
export type WantedMeta = z.infer<typeof wantedMetaSchema>;

export const emptyWantedMeta = (): WantedMeta => ({ chunks: [], next: 0 });

const wantedChunkSchema = z.array(imageWantSchema);

export function encodeChunk(entries: readonly ImageWant[]): string {
  return JSON.stringify(entries);
}

/** A stored chunk's entries; null when it is not a readable chunk. */
export function decodeChunk(value: unknown): ImageWant[] | null {
  if (typeof value !== 'string') return null;
  try {
    return wantedChunkSchema.safeParse(JSON.parse(value)).data ?? null;
  } catch {
    return null;
  }
}

export const wantKey = (w: ImageWant) => `${w.id}\u0000${w.hash}`;

/** Entries counted in every chunk (stale ones included until the filler drops them). */
export const wantedCount = (meta: WantedMeta) => meta.chunks.reduce((n, c) => n + c.count, 0);

export interface WantedUpdate {
  meta: WantedMeta;
  /** Chunks to write, by number. */
  write: Map<number, ImageWant[]>;
  /** Chunk numbers no longer listed. */
  dropped: number[];
}

/**
 * `add` appended: to the last chunk (`last`: its entries, when it has room), then in new chunks. An entry
 * already in the last chunk is not added twice.
 */
export function appendWanted(
  meta: WantedMeta,
  last: readonly ImageWant[] | null,
  add: readonly ImageWant[],
  max = WANTED_CHUNK_MAX,
): WantedUpdate {
  const next: WantedMeta = { chunks: meta.chunks.slice(), next: meta.next };
  const write = new Map<number, ImageWant[]>();
  const tail = next.chunks.at(-1);
  // The last chunk takes more while it has room (it is then rewritten with them).
  let current: ImageWant[] | null = tail && last && tail.count < max ? last.slice() : null;
  const seen = new Set(current?.map(wantKey));
  for (const want of add) {
    if (seen.has(wantKey(want))) continue;
    seen.add(wantKey(want));
    if (!current || current.length >= max) {
      current = [];
      next.chunks.push({ n: next.next++, count: 0 });
    }
    current.push(want);
    write.set(next.chunks.at(-1)!.n, current);
  }
  // Counts once at the end: the chunks written are the last ones.
  next.chunks = next.chunks.map((c) => ({ n: c.n, count: write.get(c.n)?.length ?? c.count }));
  return { meta: next, write, dropped: [] };
}

/** The chunks after `settled` entries left them (`read`: the chunks they are in, by number). */
export function removeWanted(
  meta: WantedMeta,
  read: ReadonlyMap<number, readonly ImageWant[]>,
  settled: ReadonlySet<string>,
): WantedUpdate {
  const write = new Map<number, ImageWant[]>();
  const dropped: number[] = [];
  const chunks: WantedMeta['chunks'] = [];
  for (const chunk of meta.chunks) {
    const entries = read.get(chunk.n);
    if (!entries) {
      chunks.push(chunk);
      continue;
    }
    const kept = entries.filter((w) => !settled.has(wantKey(w)));
    if (kept.length === entries.length) chunks.push(chunk);
    else if (kept.length === 0) dropped.push(chunk.n);
    else {
      write.set(chunk.n, kept);
      chunks.push({ n: chunk.n, count: kept.length });
    }
  }
  return { meta: { chunks, next: meta.next }, write, dropped };
}
