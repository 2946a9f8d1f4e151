import { headOf, sameIds } from '@/utils/history/derive';
import type { StorageAreaLike } from '@/utils/storage/area';
import {
  decodePage,
  encodePage,
  type IndexChange,
  type IndexMeta,
  leadingPages,
  pagesTouched,
  updatePages,
} from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import { HEAD_SIZE, type IndexEntry } from '@/utils/storage/layout';

export interface IndexWrite {
  /** Items to set: the pages written, `indexPages` and `head` when they changed. */
  items: Record<string, unknown>;
  /** Keys of pages no longer listed. */
  remove: string[];
}

/**
 * What a change of the index writes: reads the pages it touches (one `get`), updates them, and the head from
 * the leading pages when one of them moved. Null when a page it needs is unreadable: the caller rebuilds.
 */
export async function writeIndexChange(
  storage: StorageAreaLike,
  meta: IndexMeta,
  head: readonly string[],
  change: IndexChange,
  pageMax: number,
): Promise<IndexWrite | null> {
  const read = new Map<number, IndexEntry[]>();
  const readPages = async (numbers: readonly number[]): Promise<boolean> => {
    const missing = numbers.filter((n) => !read.has(n));
    if (missing.length === 0) return true;
    const raw = await storage.get(missing.map(keys.indexPage));
    for (const n of missing) {
      const entries = decodePage(raw[keys.indexPage(n)]);
      if (!entries) return false;
      read.set(n, entries);
    }
    return true;
  };
  if (!(await readPages(pagesTouched(meta, change)))) return null;
  const update = updatePages(meta, read, change, pageMax);

  const items: Record<string, unknown> = {};
  for (const [n, entries] of update.write) items[keys.indexPage(n)] = encodePage(entries);
  if (JSON.stringify(update.meta) !== JSON.stringify(meta)) items[keys.indexPages] = update.meta;

  // The head changes only when a page it is read from did.
  const before = leadingPages(meta, HEAD_SIZE).map((p) => p.n);
  const after = leadingPages(update.meta, HEAD_SIZE).map((p) => p.n);
  if (!sameIds(before.map(String), after.map(String)) || after.some((n) => update.write.has(n))) {
    if (!(await readPages(after.filter((n) => !update.write.has(n))))) return null;
    const leading = after.flatMap((n) => update.write.get(n) ?? read.get(n)!);
    const next = headOf(leading);
    if (!sameIds(next, head)) items[keys.head] = next;
  }
  return { items, remove: update.dropped.map(keys.indexPage) };
}
