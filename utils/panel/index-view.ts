import type { ReadableStorage } from '@/utils/storage/area';
import { decodePage, type IndexMeta, indexMetaSchema } from '@/utils/storage/index-pages';
import { isIndexPageKey, keys, pageOfKey } from '@/utils/storage/keys';
import type { IndexEntry } from '@/utils/storage/layout';

/**
 * The panel's copy of the index pages (utils/storage/index-pages.ts): `indexPages` and the pages it has read,
 * kept current from storage changes, and the rows they make in order. A change of one page costs that page's
 * parse and one concatenation, not a parse of the whole index.
 */
export interface IndexView {
  /** Applies a stored value of `indexPages` or `index:<n>`; false for any other key. */
  apply(key: string, value: unknown): boolean;
  /** Whether `indexPages` was read and is readable (else the panel lists the head's jobs). */
  readonly usable: boolean;
  /** Pages the list names that are not held yet. */
  missingPages(): number[];
  /** Every row, newest first; null while a page is missing. */
  entries(): IndexEntry[] | null;
}

export function createIndexView(): IndexView {
  let meta: IndexMeta | null = null;
  const pages = new Map<number, readonly IndexEntry[]>();

  return {
    apply(key, value) {
      if (key === keys.indexPages) {
        meta = indexMetaSchema.safeParse(value).data ?? null;
        // Pages no longer listed are let go.
        const listed = new Set(meta?.pages.map((p) => p.n) ?? []);
        for (const n of pages.keys()) if (!listed.has(n)) pages.delete(n);
        return true;
      }
      if (!isIndexPageKey(key)) return false;
      const n = pageOfKey(key);
      const listed = meta?.pages.some((p) => p.n === n) ?? false;
      // A page listed but absent or unreadable shows no rows (the background rebuilds it at its next write).
      if ((value === undefined || value === null) && !listed) pages.delete(n);
      else pages.set(n, decodePage(value) ?? []);
      return true;
    },
    get usable() {
      return meta !== null;
    },
    missingPages() {
      return meta ? meta.pages.filter((p) => !pages.has(p.n)).map((p) => p.n) : [];
    },
    entries() {
      if (!meta) return null;
      const out: IndexEntry[] = [];
      for (const ref of meta.pages) {
        const page = pages.get(ref.n);
        if (!page) return null;
        for (let i = 0; i < page.length; i++) out.push(page[i]!);
      }
      return out;
    },
  };
}

/** Every row, newest first, read at once (exports); null when there is no readable index. */
export async function readIndexEntries(storage: ReadableStorage): Promise<IndexEntry[] | null> {
  const view = createIndexView();
  view.apply(keys.indexPages, (await storage.get(keys.indexPages))[keys.indexPages]);
  const missing = view.missingPages().map(keys.indexPage);
  const got = missing.length > 0 ? await storage.get(missing) : {};
  for (const key of missing) view.apply(key, got[key]);
  return view.entries();
}
