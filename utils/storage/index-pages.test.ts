import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareIndexEntries,
  decodePage,
  emptyIndexMeta,
  encodePage,
  type IndexMeta,
  pagesTouched,
  paginate,
  updatePages,
} from '@/utils/storage/index-pages';
import type { IndexEntry } from '@/utils/storage/layout';

const entry = (id: string, createdAt: number): IndexEntry => ({ id, createdAt, status: 'success', prompt: id });

/** Pages in order, each non-empty, within `max`, as its ref says; the concatenation sorted. */
function expectWellFormed(meta: IndexMeta, pages: Map<number, IndexEntry[]>, max: number): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const ref of meta.pages) {
    const page = pages.get(ref.n)!;
    expect(page.length).toBe(ref.count);
    expect(page.length).toBeGreaterThan(0);
    expect(page.length).toBeLessThanOrEqual(max);
    expect(page.at(-1)).toMatchObject({ id: ref.lastId, createdAt: ref.lastCreatedAt });
    out.push(...page);
  }
  for (let i = 1; i < out.length; i++) expect(compareIndexEntries(out[i - 1]!, out[i]!)).toBeLessThan(0);
  return out;
}

describe('index pages', () => {
  it('any sequence of adds, moves and removes keeps the pages equal to the sorted list, and well formed', () => {
    const op = fc.record({
      id: fc.integer({ min: 0, max: 29 }).map((i) => `j${i}`),
      createdAt: fc.integer({ min: 0, max: 9 }),
      live: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.array(op, { maxLength: 12 }), { maxLength: 15 }),
        (max, batches) => {
          let meta = emptyIndexMeta();
          const pages = new Map<number, IndexEntry[]>();
          const live = new Map<string, IndexEntry>();
          for (const batch of batches) {
            const byId = new Map(batch.map((o) => [o.id, o]));
            const change = {
              remove: [...byId.values()].map((o) => live.get(o.id) ?? entry(o.id, o.createdAt)),
              add: [...byId.values()].filter((o) => o.live).map((o) => entry(o.id, o.createdAt)),
            };
            const read = new Map(pagesTouched(meta, change).map((n) => [n, pages.get(n)!]));
            const update = updatePages(meta, read, change, max);
            for (const n of update.dropped) pages.delete(n);
            for (const [n, list] of update.write) pages.set(n, list);
            meta = update.meta;
            for (const o of byId.values()) {
              if (o.live) live.set(o.id, entry(o.id, o.createdAt));
              else live.delete(o.id);
            }
            const listed = new Set(meta.pages.map((p) => p.n));
            expect([...pages.keys()].every((n) => listed.has(n))).toBe(true);
            expect(expectWellFormed(meta, pages, max)).toEqual([...live.values()].sort(compareIndexEntries));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a change reads only the pages its entries fall in', () => {
    const sorted = Array.from({ length: 5_000 }, (_, i) => entry(`j${i}`, 10_000 - i));
    const { meta } = paginate(sorted);
    expect(meta.pages).toHaveLength(5);
    // The newest job, and one deep in the history: two pages of five.
    expect(pagesTouched(meta, { remove: [sorted[4_500]!], add: [entry('new', 20_000)] }).sort()).toEqual([0, 4]);
  });

  it('a full page splits in equal parts; new pages take fresh numbers', () => {
    const { meta, pages } = paginate(
      Array.from({ length: 4 }, (_, i) => entry(`j${i}`, 100 - i)),
      0,
      4,
    );
    // Among the page's own entries (100..97), so they merge into it.
    const add = [200, 99.5, 98.5, 96, 95].map((at, i) => entry(`n${i}`, at));
    const update = updatePages(meta, pages, { remove: [], add }, 4);
    expect(update.meta.pages.map((p) => [p.n, p.count])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(update.meta.next).toBe(3);
  });

  it('a page or more of entries newer than every page goes in front, leaving the first page unwritten', () => {
    const { meta, pages } = paginate(
      Array.from({ length: 4 }, (_, i) => entry(`j${i}`, 100 - i)),
      0,
      4,
    );
    const add = Array.from({ length: 5 }, (_, i) => entry(`n${i}`, 200 + i));
    const update = updatePages(meta, pages, { remove: [], add }, 4);
    expect(update.meta.pages.map((p) => [p.n, p.count])).toEqual([
      [1, 3],
      [2, 2],
      [0, 4],
    ]);
    expect([...update.write.keys()].sort()).toEqual([1, 2]);
    expect(update.write.get(1)!.map((e) => e.id)).toEqual(['n4', 'n3', 'n2']);
    // Fewer than a page merge into the first page as before (no page of one entry per change).
    const few = updatePages(meta, pages, { remove: [], add: add.slice(0, 3) }, 4);
    expect(few.write.has(0)).toBe(true);
  });

  it('decodes only what it encoded', () => {
    const list = [entry('a', 2), entry('b', 1)];
    expect(decodePage(encodePage(list))).toEqual(list);
    expect(decodePage('[{"id":1}]')).toBeNull();
    expect(decodePage('not json')).toBeNull();
    expect(decodePage(list)).toBeNull();
  });
});
