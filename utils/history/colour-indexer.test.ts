import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { encodePng, type Rgba } from '@/tests/fixtures/png';
import { bytesToPngDataUrl, type Job, type JobInput, jobSchema, sha256Hex } from '@/utils/domain';
import { colourCodesOfPng } from '@/utils/history/colour-codes';
import { createColourIndexer } from '@/utils/history/colour-indexer';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import type { StorageAreaLike, StorageChangeListener } from '@/utils/storage/area';
import { codeColour, decodeColourEntry } from '@/utils/storage/colours';
import { keys } from '@/utils/storage/keys';

const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;

function job(overrides: Partial<JobInput> & { id: string }): Job {
  return jobSchema.parse({
    prompt: `prompt ${overrides.id}`,
    width: 4,
    height: 4,
    status: 'success',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  });
}

/** A 4x4 PNG whose pixels cycle through `colours` (RGBA). */
function png(...colours: Rgba[]) {
  const bytes = encodePng(4, 4, (x, y) => colours[(y * 4 + x) % colours.length]!);
  return { hash: sha256Hex(bytes), dataUrl: bytesToPngDataUrl(bytes) };
}

/** The stored colours of every job, as sorted 0xRRGGBB lists. */
async function storedColours(store: HistoryStore): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [id, value] of await store.getColourIndex())
    out[id] = (decodeColourEntry(value).codes.match(/.{4}/g) ?? []).map(codeColour).sort((a, b) => a - b);
  return out;
}

describe('the colour indexer', () => {
  let store: HistoryStore;
  let decoded: number;
  let pauses: number;
  let listener: StorageChangeListener | null = null;

  beforeEach(() => {
    fakeBrowser.reset();
    store = createHistoryStore(local(), { now: () => 5_000 });
    decoded = 0;
    pauses = 0;
  });

  const indexer = (batchSize = 25) => {
    const ix = createColourIndexer({
      store,
      codesOf: (url) => {
        decoded++;
        return colourCodesOfPng(url);
      },
      batchSize,
      debounceMs: 5,
      pause: async () => {
        pauses++;
      },
    });
    listener = (changes) => ix.onStorageChanged(changes);
    fakeBrowser.storage.local.onChanged.addListener(listener);
    return ix;
  };

  it('indexes each held image once, leaves out transparent pixels, failed jobs and images not held yet', async () => {
    const red = png([255, 0, 0, 255], [0, 255, 0, 128], [9, 9, 9, 0]);
    const blue = png([0, 0, 255, 255]);
    const later = png([1, 2, 3, 255]);
    await store.applyJobs(
      [
        job({ id: 'a', image: red.hash, createdAt: 1 }),
        job({ id: 'b', image: blue.hash, createdAt: 2 }),
        job({ id: 'twin', image: blue.hash, createdAt: 3 }),
        job({ id: 'c', status: 'error', createdAt: 4 }),
        job({ id: 'd', image: later.hash, createdAt: 5 }),
      ],
      { images: { [red.hash]: red.dataUrl, [blue.hash]: blue.dataUrl } },
    );
    const ix = indexer();
    expect(await ix.run()).toBe(3);
    expect(decoded).toBe(2);
    expect(await storedColours(store)).toEqual({ a: [0x00ff00, 0xff0000], b: [0x0000ff], twin: [0x0000ff] });

    // Its image arrives (the filler stores it): the storage change schedules a pass that indexes it.
    await store.putImage(later.hash, later.dataUrl);
    await ix.whenIdle();
    expect((await storedColours(store)).d).toEqual([0x010203]);
    expect(await ix.run()).toBe(0);
  });

  it('indexes a job again when its image changes, and forgets a deleted one', async () => {
    const one = png([10, 20, 30, 255]);
    const two = png([40, 50, 60, 255]);
    await store.applyJobs([job({ id: 'a', image: one.hash }), job({ id: 'b', image: one.hash, createdAt: 2 })], {
      images: { [one.hash]: one.dataUrl, [two.hash]: two.dataUrl },
    });
    const ix = indexer();
    await ix.run();
    await store.applyJobs([job({ id: 'a', image: two.hash, updatedAt: 2_000 })]);
    await ix.whenIdle();
    expect((await storedColours(store)).a).toEqual([0x28323c]);
    await store.applyJobs([job({ id: 'b', image: one.hash, deleted: true, updatedAt: 3_000 })]);
    await ix.whenIdle();
    expect(Object.keys(await storedColours(store))).toEqual(['a']);
  });

  it('backfills a history in small batches, newest first, pausing between them', async () => {
    const images: Record<string, string> = {};
    const jobs = Array.from({ length: 60 }, (_, i) => {
      const p = png([i, 0, 0, 255]);
      images[p.hash] = p.dataUrl;
      return job({ id: `j${i}`, image: p.hash, createdAt: i });
    });
    await store.applyJobs(jobs, { images });
    const ix = indexer(25);
    expect(await ix.run()).toBe(60);
    expect(pauses).toBe(2);
    const stored = await storedColours(store);
    for (let i = 0; i < 60; i++) expect(stored[`j${i}`]).toEqual([i << 16]);
    // A fresh worker reads what is stored and has nothing to do.
    decoded = 0;
    expect(await indexer().run()).toBe(0);
    expect(decoded).toBe(0);
  });

  it('takes colours stored by another writer (a restored or seeded profile) as they are, without decoding', async () => {
    const ix = indexer();
    expect(await ix.run()).toBe(0);
    const one = png([10, 20, 30, 255]);
    const a = job({ id: 'a', image: one.hash });
    // Restored key by key: the job and its image, then its colours, and the index last.
    await local().set({ [keys.job('a')]: a, [keys.image(one.hash)]: one.dataUrl });
    await store.putColours(new Map([['a', `${one.hash.slice(0, 8)}:AAAA`]]));
    expect(await ix.run()).toBe(0);
    await store.applyJobs([a]);
    await ix.whenIdle();
    expect(decoded).toBe(0);
    expect(await storedColours(store)).toEqual({ a: [0] });
    // Colours of a job neither listed nor stored (purged): they go.
    await store.putColours(new Map([['ghost', `${one.hash.slice(0, 8)}:AAAA`]]));
    expect(await ix.run()).toBe(0);
    expect(Object.keys(await storedColours(store))).toEqual(['a']);
  });

  it('looks again only at the jobs whose image arrived, and at new jobs without reading the index', async () => {
    const pngs = Array.from({ length: 30 }, (_, i) => png([i, 1, 2, 255]));
    await store.applyJobs(pngs.map((p, i) => job({ id: `w${i}`, image: p.hash, createdAt: i })));
    const asked: string[] = [];
    let indexReads = 0;
    const getImages = store.getImages.bind(store);
    const getIndex = store.getIndex.bind(store);
    store.getImages = (hashes) => {
      asked.push(...hashes);
      return getImages(hashes);
    };
    store.getIndex = () => {
      indexReads++;
      return getIndex();
    };
    const ix = indexer();
    expect(await ix.run()).toBe(0);
    expect(indexReads).toBe(1);
    asked.length = 0;
    // One image arrives (the filler stores it): only the job showing it is looked at.
    await store.putImage(pngs[7]!.hash, pngs[7]!.dataUrl);
    await ix.whenIdle();
    expect(asked).toEqual([pngs[7]!.hash]);
    expect(Object.keys(await storedColours(store))).toEqual(['w7']);
    // A new job with its image (a pulled page): indexed from the change, the index not read again.
    const fresh = png([200, 100, 50, 255]);
    await store.applyJobs([job({ id: 'new', image: fresh.hash, createdAt: 99 })], {
      images: { [fresh.hash]: fresh.dataUrl },
    });
    await ix.whenIdle();
    expect((await storedColours(store)).new).toEqual([0xc86432]);
    expect(indexReads).toBe(1);
    expect(decoded).toBe(2);
  });

  it('waits for a sync to end before a scheduled pass', async () => {
    const ix = indexer();
    await ix.run();
    const one = png([7, 8, 9, 255]);
    await store.setSyncState({ syncing: true });
    await store.applyJobs([job({ id: 'a', image: one.hash })], { images: { [one.hash]: one.dataUrl } });
    // The scheduled pass came and found the sync running.
    await ix.whenIdle();
    expect(await storedColours(store)).toEqual({});
    await store.setSyncState({ syncing: false });
    await ix.whenIdle();
    expect(await storedColours(store)).toEqual({ a: [0x070809] });
  });

  it('an unreadable image gets no colours and is not decoded again', async () => {
    const bad = 'data:image/png;base64,AAAA';
    await store.applyJobs([job({ id: 'x', image: 'f'.repeat(64) })], { images: { ['f'.repeat(64)]: bad } });
    const logs: string[] = [];
    const ix = createColourIndexer({ store, codesOf: colourCodesOfPng, log: (m) => logs.push(m) });
    expect(await ix.run()).toBe(1);
    expect(logs[0]).toMatch(/Could not read the colours/);
    expect(await storedColours(store)).toEqual({ x: [] });
    expect(await ix.run()).toBe(0);
  });
});
