import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImageWant } from '@/utils/storage/layout';
import {
  appendWanted,
  emptyWantedMeta,
  removeWanted,
  type WantedMeta,
  wantedCount,
  wantKey,
} from '@/utils/storage/wanted';

const want = (i: number): ImageWant => ({ id: `j${i}`, hash: `h${i}` });

describe('wanted chunks', () => {
  it('fills the last chunk before starting another, and skips an entry already in it', () => {
    let meta = emptyWantedMeta();
    let update = appendWanted(meta, null, [want(1), want(2), want(3)], 2);
    expect(update.meta).toEqual({
      chunks: [
        { n: 0, count: 2 },
        { n: 1, count: 1 },
      ],
      next: 2,
    });
    meta = update.meta;
    update = appendWanted(meta, update.write.get(1)!, [want(3), want(4), want(5)], 2);
    expect([...update.write]).toEqual([
      [1, [want(3), want(4)]],
      [2, [want(5)]],
    ]);
    expect(wantedCount(update.meta)).toBe(5);
  });

  it('append then remove keeps the chunks equal to the entries left, in order, none empty', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ add: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 9 }) }),
            fc.record({ remove: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 9 }) }),
          ),
          { maxLength: 25 },
        ),
        (steps) => {
          let meta: WantedMeta = emptyWantedMeta();
          const chunks = new Map<number, ImageWant[]>();
          let expected: ImageWant[] = [];
          for (const step of steps) {
            if ('add' in step) {
              // Appended unless already in the last chunk (when it has room) or earlier in the same call.
              const tail = meta.chunks.at(-1);
              const seen = new Set(tail && tail.count < 3 ? chunks.get(tail.n)!.map(wantKey) : []);
              for (const i of step.add) {
                if (seen.has(wantKey(want(i)))) continue;
                seen.add(wantKey(want(i)));
                expected.push(want(i));
              }
            } else {
              const gone = new Set(step.remove.map((i) => `j${i}`));
              expected = expected.filter((w) => !gone.has(w.id));
            }
            const update =
              'add' in step
                ? appendWanted(meta, chunks.get(meta.chunks.at(-1)?.n ?? -1) ?? null, step.add.map(want), 3)
                : removeWanted(meta, chunks, new Set(step.remove.map((i) => wantKey(want(i)))));
            for (const n of update.dropped) chunks.delete(n);
            for (const [n, list] of update.write) chunks.set(n, list);
            meta = update.meta;
            const listed = meta.chunks.flatMap((c) => chunks.get(c.n)!);
            expect(listed).toEqual(expected);
            for (const c of meta.chunks) {
              expect(chunks.get(c.n)!.length).toBe(c.count);
              expect(c.count).toBeGreaterThan(0);
              expect(c.count).toBeLessThanOrEqual(3);
            }
            expect(new Set(chunks.keys())).toEqual(new Set(meta.chunks.map((c) => c.n)));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
