import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import v1Fixture from '@/tests/fixtures/layout/v1.json';
import v2Fixture from '@/tests/fixtures/layout/v2.json';
import { encodePng } from '@/tests/fixtures/png';
import { bytesToPngDataUrl, type Job, jobSchema, sha256Hex } from '@/utils/domain';
import { readIndex } from '@/utils/history/reads';
import { createHistoryStore } from '@/utils/history/store';
import { currentTimeZone } from '@/utils/insights/aggregate';
import type { StorageAreaLike } from '@/utils/storage/area';
import { decodePage, encodePage, INDEX_PAGE_MAX, indexMetaSchema } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import { HISTORY_SCHEMA_VERSION, type IndexEntry, toIndexEntry } from '@/utils/storage/layout';
import { LEGACY_KEY, LIST_INDEX_KEY, LIST_WANTED_KEY, migrateV2toV3, runMigrations } from '@/utils/storage/migrations';
import { decodeChunk } from '@/utils/storage/wanted';

/** Layout versions 2 -> 3, and the whole chain from the seed's blob, with the real table and a fixture per version. */

const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const all = () => local().get(null);
const v1 = v1Fixture.data as Record<string, unknown>;
/** Version 2's fixture, its aggregates in this machine's time zone (they were counted in UTC) so the store updates them. */
const v2 = {
  ...v2Fixture.data,
  [keys.insights]: { ...v2Fixture.data.insights, tz: currentTimeZone() },
} as Record<string, unknown>;

/** fakeBrowser's area with Chrome 130's getKeys, so a step that reads a few keys can skip the rest. */
function withGetKeys(): StorageAreaLike & { getKeys(): Promise<string[]> } {
  const area = local();
  return {
    get: (k) => area.get(k),
    set: (items) => area.set(items),
    remove: (k) => area.remove(k),
    getKeys: async () => Object.keys(await area.get(null)),
  };
}

beforeEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
});

describe('version 2 to version 3: the index in pages (with Insights facts), the wanted images in chunks', () => {
  it('turns the fixture index into pages the store reads, facts and all, and changes nothing else', async () => {
    await local().set(v2);
    const report = await runMigrations(local(), { now: () => 9 });
    expect(report).toMatchObject({ from: 2, to: HISTORY_SCHEMA_VERSION, ran: [3, 4, 5], quarantined: null });
    const after = await all();
    expect(after[LIST_INDEX_KEY]).toBeUndefined();
    expect(after[keys.schema]).toEqual({ version: HISTORY_SCHEMA_VERSION });
    expect(after[keys.indexPages]).toEqual({
      pages: [{ n: 0, count: 3, lastCreatedAt: 100, lastId: 'job-c' }],
      next: 0 + 1,
    });
    expect(decodePage(after[keys.indexPage(0)])).toEqual(v2[LIST_INDEX_KEY]);
    expect(decodePage(after[keys.indexPage(0)])![1]).toMatchObject({
      kind: 'generate',
      width: 64,
      reason: 'PixelLab said no',
    });
    expect(after[LIST_WANTED_KEY]).toBeUndefined();
    expect(after[keys.wanted]).toEqual({ chunks: [{ n: 0, count: 1 }], next: 1 });
    expect(decodeChunk(after[keys.wantedChunk(0)])).toEqual(v2[LIST_WANTED_KEY]);
    // Insights' aggregates, jobs, images, settings, sync state: as version 2 left them.
    for (const [key, value] of Object.entries(v2)) {
      if (![LIST_INDEX_KEY, LIST_WANTED_KEY, keys.schema].includes(key)) expect(after[key], key).toEqual(value);
    }

    const store = createHistoryStore(local());
    expect((await store.getIndex()).map((e) => e.id)).toEqual(['job-a', 'job-b', 'job-c']);
    expect(await store.getImagesWanted()).toEqual(v2[LIST_WANTED_KEY]);
    // And keeps it: a new job lands in the page (with its facts), the head, the stats and Insights' aggregates.
    await store.applyJobs([
      jobSchema.parse({
        id: 'job-e',
        prompt: 'new',
        width: 8,
        height: 8,
        status: 'success',
        usd: 0.02,
        duration: 1,
        createdAt: 400,
        updatedAt: 400,
      }),
    ]);
    const index = await readIndex(local());
    expect(index.map((e) => e.id)).toEqual(['job-e', 'job-a', 'job-b', 'job-c']);
    expect(index[0]).toMatchObject({ kind: 'generate', width: 8, height: 8, usd: 0.02, duration: 1 });
    expect((await local().get(keys.head))[keys.head]).toEqual(['job-e', 'job-a', 'job-b', 'job-c']);
    expect(await store.getStats()).toMatchObject({ total: 4, success: 3 });
    expect((await local().get(keys.insights))[keys.insights]).toMatchObject({
      total: { n: 4, micros: 20_000, paid: 1, timed: 3, by: { size: { '8x8': { n: 1, micros: 20_000 } } } },
      prices: { 'generate:8x8': { usd: 0.02 } },
    });
  });

  it('reads only the keys it changes (never the images), where the browser can list keys', async () => {
    const entries: IndexEntry[] = Array.from({ length: 2_500 }, (_, i) => ({
      id: `job-${i}`,
      createdAt: 10_000 - i,
      status: 'success',
      prompt: `prompt ${i}`,
      kind: 'generate',
      width: 64,
      height: 64,
      usd: 0.01,
      tags: i % 2 ? ['hero'] : undefined,
    }));
    await local().set({ ...v2, [LIST_INDEX_KEY]: entries });
    const area = withGetKeys();
    const get = vi.spyOn(area, 'get');
    await runMigrations(area);
    const asked = get.mock.calls.map(([k]) => (Array.isArray(k) ? [...k].sort() : k));
    // Version 4 makes entries again from the job records: those, never the images.
    const jobKeys = Object.keys(v2).filter((k) => k.startsWith('job:'));
    expect(asked).toEqual([[keys.schema, LEGACY_KEY].sort(), [LIST_WANTED_KEY, LIST_INDEX_KEY, ...jobKeys].sort()]);
    const meta = indexMetaSchema.parse((await all())[keys.indexPages]);
    expect(meta.pages.map((p) => p.count)).toEqual([834, 834, 832]);
    expect(meta.pages.every((p) => p.count <= INDEX_PAGE_MAX)).toBe(true);
    expect(await readIndex(local())).toEqual(entries.map((e) => JSON.parse(JSON.stringify(e))));
  });

  it('quarantines an unreadable index or wanted list; the store rebuilds both from the job records at its next write', async () => {
    await local().set({ ...v2, [LIST_INDEX_KEY]: 'garbage', [LIST_WANTED_KEY]: { not: 'a list' } });
    await runMigrations(local(), { now: () => 33 });
    const after = await all();
    expect(after['quarantine:33-index-v2']).toMatchObject({ data: 'garbage' });
    expect(after['quarantine:33-imagesWanted-v2']).toMatchObject({ data: { not: 'a list' } });
    const store = createHistoryStore(local());
    await store.applyJobs([
      jobSchema.parse({
        id: 'job-e',
        prompt: 'new',
        width: 8,
        height: 8,
        status: 'idle',
        createdAt: 400,
        updatedAt: 400,
      }),
    ]);
    expect((await store.getIndex()).map((e) => e.id)).toEqual(['job-e', 'job-a', 'job-b', 'job-c']);
    // Rebuilt entries carry the facts too.
    expect((await store.getIndex())[2]).toMatchObject({ id: 'job-b', kind: 'generate', reason: 'PixelLab said no' });
    // job-c's image is not held: wanted again, derived from what the jobs show.
    expect(await store.getImagesWanted()).toEqual(v2[LIST_WANTED_KEY]);
    expect((await local().get(keys.insights))[keys.insights]).toMatchObject({ total: { n: 4 } });
  });

  it('is pure: same input, same output, input untouched', () => {
    const input = structuredClone(v2);
    const a = migrateV2toV3(input, { now: 1 });
    const b = migrateV2toV3(input, { now: 1 });
    expect(a).toEqual(b);
    expect(input).toEqual(v2);
  });
});

describe('the whole chain', () => {
  it('takes the seed dashboard’s blob (version 0) to the current layout, usable by the store', async () => {
    const png = encodePng(2, 2, (x, y) => [x * 90, y * 90, 30, 255]);
    const hash = sha256Hex(png);
    const blob = {
      lastJobId: 2,
      jobs: [
        {
          id: 'job-1',
          prompt: 'knight',
          width: 64,
          height: 64,
          status: 'success',
          result: bytesToPngDataUrl(png),
          createdAt: 10,
          duration: 3,
        },
        { id: 'job-2', prompt: 'mage', width: 64, height: 64, status: 'error', error: 'no', createdAt: 20 },
      ],
    };
    await local().set({ [LEGACY_KEY]: JSON.stringify(blob) });
    const report = await runMigrations(local(), { now: () => 1_000 });
    expect(report).toMatchObject({ from: 0, to: 5, ran: [1, 2, 3, 4, 5], quarantined: null });
    const after = await all();
    expect(after[LEGACY_KEY]).toBeUndefined();
    expect(after[LIST_INDEX_KEY]).toBeUndefined();
    const store = createHistoryStore(local());
    expect((await store.getIndex()).map((e) => e.id)).toEqual(['job-2', 'job-1']);
    // Version 2's facts in version 3's pages, and version 2's aggregates.
    expect((await store.getIndex())[1]).toMatchObject({ id: 'job-1', kind: 'generate', width: 64, duration: 3 });
    expect(after[keys.insights]).toMatchObject({ total: { n: 2, timed: 1, by: { status: { error: { n: 1 } } } } });
    expect(((await store.getJob('job-1')) as Job).image).toBe(hash);
    expect((await store.getImages([hash])).get(hash)).toBe(bytesToPngDataUrl(png));
    expect(new Set(await store.getOutbox())).toEqual(new Set(['job-1', 'job-2']));
    expect(await runMigrations(local())).toMatchObject({ from: HISTORY_SCHEMA_VERSION, ran: [] });
  });

  it('takes the version 1 fixture to the current layout in one run: facts, aggregates, pages, chunks', async () => {
    await local().set(v1);
    expect(await runMigrations(local())).toMatchObject({ from: 1, ran: [2, 3, 4, 5] });
    const after = await all();
    expect(after[LIST_INDEX_KEY]).toBeUndefined();
    expect(after[LIST_WANTED_KEY]).toBeUndefined();
    // What version 2 derives from version 1, paged: the version 2 fixture's index and wanted list.
    expect(await readIndex(local())).toEqual(v2[LIST_INDEX_KEY]);
    expect(await createHistoryStore(local()).getImagesWanted()).toEqual(v2[LIST_WANTED_KEY]);
    expect(after[keys.insights]).toMatchObject({ total: (v2[keys.insights] as { total: object }).total });
    expect(await runMigrations(local())).toMatchObject({ from: HISTORY_SCHEMA_VERSION, ran: [] });
  });

  it('takes the version 2 fixture to the current layout in one run', async () => {
    await local().set(v2);
    expect(await runMigrations(local())).toMatchObject({ from: 2, ran: [3, 4, 5] });
    expect(await runMigrations(local())).toMatchObject({ from: HISTORY_SCHEMA_VERSION, ran: [] });
  });
});

describe('version 3 to version 4: entries name their batch and a rotation’s source', () => {
  const record = (id: string, createdAt: number, extra: Record<string, unknown> = {}) =>
    jobSchema.parse({
      id,
      prompt: `p ${id}`,
      width: 64,
      height: 64,
      status: 'success',
      createdAt,
      updatedAt: createdAt,
      ...extra,
    });

  it('makes each page’s entries again from the job records, reads no image, and leaves the rest as it was', async () => {
    const a = record('job-a', 300, { groupId: 'group-1' });
    const b = record('job-b', 200, { groupId: 'group-1' });
    const rot = {
      toDirection: 'east',
      fromDirection: null,
      sourceJobId: 'job-a',
      sourceImage: 'a'.repeat(64),
    };
    const c = record('job-c', 100, { kind: 'rotate', rotate: rot, options: { mode: 'rotate' } });
    // As version 3 wrote them: without groupId and sourceId.
    const v3Entries = [a, b, c].map((job) => {
      const { groupId: _g, sourceId: _s, ...entry } = toIndexEntry(job);
      return entry;
    });
    const v3 = {
      [keys.schema]: { version: 3 },
      [keys.indexPages]: { pages: [{ n: 0, count: 3, lastCreatedAt: 100, lastId: 'job-c' }], next: 1 },
      [keys.indexPage(0)]: encodePage(v3Entries),
      [keys.head]: ['job-a', 'job-b', 'job-c'],
      'job:job-a': a,
      'job:job-b': b,
      'job:job-c': c,
      [keys.image('f'.repeat(64))]: 'data:image/png;base64,AAAA',
    };
    await local().set(v3);
    const area = withGetKeys();
    const get = vi.spyOn(area, 'get');
    expect(await runMigrations(area)).toMatchObject({ from: 3, to: 5, ran: [4, 5], quarantined: null });
    expect(
      get.mock.calls.flatMap(([k]) => (Array.isArray(k) ? k : [k])).some((k) => String(k).startsWith('img:')),
    ).toBe(false);
    const index = await readIndex(local());
    expect(index.map((e) => [e.id, e.groupId, e.sourceId])).toEqual([
      ['job-a', 'group-1', undefined],
      ['job-b', 'group-1', undefined],
      ['job-c', undefined, 'job-a'],
    ]);
    // Read back through the schema, an entry equals one made now (the convergence layout rule).
    expect(index).toEqual([a, b, c].map(toIndexEntry));
    const after = await all();
    for (const key of [keys.indexPages, keys.head, 'job:job-a', keys.image('f'.repeat(64))])
      expect(after[key], key).toEqual(v3[key]);
  });
});

describe('version 4 to version 5: entries name the device that accepted the job', () => {
  it('makes each entry again with its device, and an entry read back equals one made now', async () => {
    const record = (id: string, createdAt: number, extra: Record<string, unknown> = {}) =>
      jobSchema.parse({
        id,
        prompt: `p ${id}`,
        width: 64,
        height: 64,
        status: 'success',
        createdAt,
        updatedAt: createdAt,
        ...extra,
      });
    const a = record('job-a', 200, { device: 'd-0123456789abcdef', author: 'Ana' });
    const b = record('job-b', 100);
    // As version 4 wrote them: without device.
    const v4Entries = [a, b].map((job) => {
      const { device: _d, ...entry } = toIndexEntry(job);
      return entry;
    });
    await local().set({
      [keys.schema]: { version: 4 },
      [keys.indexPages]: { pages: [{ n: 0, count: 2, lastCreatedAt: 100, lastId: 'job-b' }], next: 1 },
      [keys.indexPage(0)]: encodePage(v4Entries),
      [keys.head]: ['job-a', 'job-b'],
      'job:job-a': a,
      'job:job-b': b,
    });
    expect(await runMigrations(local())).toMatchObject({ from: 4, to: 5, ran: [5], quarantined: null });
    const index = await readIndex(local());
    expect(index.map((e) => [e.id, e.device, e.author])).toEqual([
      ['job-a', 'd-0123456789abcdef', 'Ana'],
      ['job-b', undefined, undefined],
    ]);
    expect(index).toEqual([a, b].map(toIndexEntry));
  });
});
