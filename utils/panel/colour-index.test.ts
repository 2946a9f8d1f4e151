import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { WAIT } from '@/tests/helpers/until';
import { createHistoryStore } from '@/utils/history/store';
import { createColourIndexReader } from '@/utils/panel/colour-index';
import type { PanelStorage, StorageAreaLike } from '@/utils/storage/area';
import { colourCode, encodeColourEntry } from '@/utils/storage/colours';

const local = () => fakeBrowser.storage.local;
/** Changes reach listeners on a later turn. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A job's stored entry for these colours, as the background writes it. */
const entryOf = (colours: readonly number[]) =>
  encodeColourEntry({ hash8: '0123abcd', codes: [...new Set(colours)].map(colourCode).sort().join('') });

/** Few colours, so jobs share them. */
const colourArb = fc.integer({ min: 0, max: 12 }).map((n) => n * 0x0a0b0c);
const palettesArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.array(colourArb, { maxLength: 8 }), {
  maxKeys: 60,
});

describe('the panel colour index', () => {
  beforeEach(() => fakeBrowser.reset());

  it('finds exactly the jobs whose stored palette holds a colour, as brute force does, and follows changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        palettesArb,
        palettesArb,
        fc.array(colourArb, { minLength: 1, maxLength: 6 }),
        async (a, b, probes) => {
          fakeBrowser.reset();
          const store = createHistoryStore(local() as unknown as StorageAreaLike);
          await store.putColours(new Map(Object.entries(a).map(([id, c]) => [id, entryOf(c)])));
          const reader = createColourIndexReader(local() as unknown as PanelStorage);
          const brute = (palettes: Record<string, number[]>, c: number) =>
            new Set(Object.keys(palettes).filter((id) => palettes[id]!.includes(c)));
          expect(reader.jobsWith(probes[0]!).size).toBe(0);
          await reader.load();
          expect(reader.size).toBe(Object.keys(a).length);
          for (const c of probes) expect(reader.jobsWith(c)).toEqual(brute(a, c));

          // The background indexes b's jobs and drops a's others: the reader follows by storage changes alone.
          const before = reader.version.value;
          // Own keys only: a job named `valueOf` is `in` every object (CI drew one, and the drop went unmade).
          const dropped = Object.keys(a).filter((id) => !Object.hasOwn(b, id));
          await store.putColours(new Map(Object.entries(b).map(([id, c]) => [id, entryOf(c)])), dropped);
          // The change event comes on a later turn, later still on a loaded machine: waited for, not slept on.
          if (Object.keys(a).length + Object.keys(b).length > 0)
            await vi.waitFor(() => expect(reader.version.value).toBeGreaterThan(before), WAIT);
          else await settle();
          for (const c of probes) expect(reader.jobsWith(c)).toEqual(brute(b, c));
          reader.dispose();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives the same set until the index changes, and never reads storage before it is asked', async () => {
    const store = createHistoryStore(local() as unknown as StorageAreaLike);
    await store.putColours(new Map([['x', entryOf([0xff0000])]]));
    let reads = 0;
    const storage = local() as unknown as PanelStorage;
    const counted: PanelStorage = {
      get: (keys) => {
        reads++;
        return storage.get(keys);
      },
      onChanged: storage.onChanged,
    };
    const reader = createColourIndexReader(counted);
    expect(reads).toBe(0);
    await Promise.all([reader.load(), reader.load()]);
    expect(reads).toBe(1);
    const first = reader.jobsWith(0xff0000);
    expect(reader.jobsWith(0xff0000)).toBe(first);
    await store.putColours(new Map([['y', entryOf([0xff0000])]]));
    await settle();
    expect(reader.jobsWith(0xff0000)).not.toBe(first);
    expect([...reader.jobsWith(0xff0000)].sort()).toEqual(['x', 'y']);
  });
});
