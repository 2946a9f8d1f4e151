import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { encodePng } from '@/tests/fixtures/png';
import { bytesToPngDataUrl, type Job, sha256Hex } from '@/utils/domain';
import { readIndex } from '@/utils/history/reads';
import { createHistoryStore } from '@/utils/history/store';
import type { StorageAreaLike } from '@/utils/storage/area';
import { emptyIndexMeta } from '@/utils/storage/index-pages';
import { keys, QUARANTINE_PREFIX } from '@/utils/storage/keys';
import { HISTORY_SCHEMA_VERSION } from '@/utils/storage/layout';
import {
  type LayoutData,
  LEGACY_KEY,
  LIST_INDEX_KEY,
  type Migration,
  migrateV0toV1,
  runMigrations,
} from '@/utils/storage/migrations';

const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const all = () => local().get(null);

const PNG = encodePng(2, 2, (x, y) => [x * 100, y * 100, 9, 255]);
const DATA_URL = bytesToPngDataUrl(PNG);
const HASH = sha256Hex(PNG);

/** What the seed dashboard kept in localStorage (fixture for layout version 0). */
const seedBlob = {
  lastJobId: 3,
  jobs: [
    {
      id: 'job-1',
      prompt: 'knight',
      width: 64,
      height: 64,
      seed: null,
      status: 'success',
      result: DATA_URL,
      error: null,
      startTime: 100,
      endTime: 2_100,
      duration: 2,
      createdAt: 90,
    },
    {
      id: 'job-2',
      prompt: 'mage',
      width: 32,
      height: 32,
      seed: '7',
      status: 'error',
      result: null,
      error: 'PixelLab said no',
      createdAt: 200,
    },
    { id: 'job-3', prompt: 'rogue', width: 64, height: 64, status: 'running', createdAt: 300 },
  ],
};

beforeEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
});

describe('fresh install', () => {
  it('writes the current version directly and runs no old migration (wxt#1775)', async () => {
    const table: Record<number, Migration> = { 1: vi.fn(migrateV0toV1), 2: vi.fn((d: LayoutData) => d) };
    const report = await runMigrations(local(), { migrations: table, currentVersion: 2 });
    expect(report).toEqual({ from: null, to: 2, ran: [], quarantined: null });
    expect(table[1]).not.toHaveBeenCalled();
    expect(table[2]).not.toHaveBeenCalled();
    expect(await all()).toMatchObject({
      [keys.schema]: { version: 2 },
      [keys.indexPages]: emptyIndexMeta(),
      [keys.head]: [],
      [keys.stats]: { total: 0 },
    });
  });

  it('with the real table leaves the current version and an empty history', async () => {
    await runMigrations(local());
    expect((await local().get(keys.schema))[keys.schema]).toEqual({ version: HISTORY_SCHEMA_VERSION });
    expect(await createHistoryStore().getIndex()).toEqual([]);
  });

  it('once current, reads only the schema key', async () => {
    await runMigrations(local());
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    expect(await runMigrations(local())).toMatchObject({ from: HISTORY_SCHEMA_VERSION, ran: [] });
    expect(get).toHaveBeenCalledTimes(1);
    expect(get.mock.calls[0]![0]).toEqual([keys.schema, LEGACY_KEY]);
    expect(set).not.toHaveBeenCalled();
  });
});

describe('version 0 (the seed blob) to version 1', () => {
  it.each([
    ['an object', seedBlob],
    ['a JSON string, as localStorage keeps it', JSON.stringify(seedBlob)],
  ])('moves jobs to job: keys and images to img: keys when the blob is %s', async (_label, blob) => {
    await local().set({
      [LEGACY_KEY]: blob,
      [keys.settings]: { companionUrl: 'http://127.0.0.1:9000', token: '', parallelLimit: 2 },
    });
    const report = await runMigrations(local(), {
      now: () => 5_000,
      migrations: { 1: migrateV0toV1 },
      currentVersion: 1,
    });
    expect(report).toMatchObject({ from: 0, to: 1, ran: [1], quarantined: null });
    const data = await all();
    expect(data[LEGACY_KEY]).toBeUndefined();
    expect(data[keys.schema]).toEqual({ version: 1 });
    expect(data['job:job-1']).toMatchObject({
      id: 'job-1',
      status: 'success',
      image: HASH,
      duration: 2,
      deleted: false,
    });
    expect(data['job:job-1']).not.toHaveProperty('result');
    expect(data[`img:${HASH}`]).toBe(DATA_URL);
    expect(data['job:job-2']).toMatchObject({ status: 'error', seed: 7, error: 'PixelLab said no' });
    // Nothing runs it any more: a job saved while running is an interrupted error.
    expect(data['job:job-3']).toMatchObject({ status: 'error' });
    expect((data[LIST_INDEX_KEY] as { id: string }[]).map((e) => e.id)).toEqual(['job-3', 'job-2', 'job-1']);
    expect(data[keys.head]).toEqual(['job-3', 'job-2', 'job-1']);
    expect(data[keys.stats]).toMatchObject({ total: 3, success: 1, error: 2, avgDuration: 2 });
    expect(new Set(data[keys.outbox] as string[])).toEqual(new Set(['job-1', 'job-2', 'job-3']));
    expect(data[keys.settings]).toMatchObject({ companionUrl: 'http://127.0.0.1:9000' });

    // The store reads the job records the migration wrote.
    expect((await createHistoryStore().getJob('job-1'))!.image).toBe(HASH);
    expect(await runMigrations(local(), { migrations: { 1: migrateV0toV1 }, currentVersion: 1 })).toMatchObject({
      from: 1,
      ran: [],
    });
  });

  it('keeps the readable jobs and quarantines the unreadable ones', async () => {
    await local().set({ [LEGACY_KEY]: { jobs: [seedBlob.jobs[0], { prompt: 'no id' }] } });
    await runMigrations(local(), { now: () => 42, migrations: { 1: migrateV0toV1 }, currentVersion: 1 });
    const data = await all();
    expect(data['job:job-1']).toBeDefined();
    expect(data['quarantine:42']).toMatchObject({ data: [{ job: { prompt: 'no id' } }] });
  });

  it('runs the whole chain in order, from any older version', async () => {
    const calls: number[] = [];
    const table: Record<number, Migration> = {
      1: (d, c) => (calls.push(1), migrateV0toV1(d, c)),
      2: (d) => (calls.push(2), { ...d, v2: true }),
      3: (d) => (calls.push(3), { ...d, v3: d.v2 === true }),
    };
    await local().set({ [LEGACY_KEY]: seedBlob });
    expect(await runMigrations(local(), { migrations: table, currentVersion: 3 })).toMatchObject({
      from: 0,
      ran: [1, 2, 3],
    });
    expect(calls).toEqual([1, 2, 3]);
    expect(await all()).toMatchObject({ v2: true, v3: true, [keys.schema]: { version: 3 } });

    fakeBrowser.reset();
    calls.length = 0;
    await local().set({ [keys.schema]: { version: 1 }, [LIST_INDEX_KEY]: [] });
    expect(await runMigrations(local(), { migrations: table, currentVersion: 3 })).toMatchObject({
      from: 1,
      ran: [2, 3],
    });
    expect(calls).toEqual([2, 3]);
  });
});

describe('version 1 to version 2 (facts in the index, Insights aggregates), then 3 (the index in pages)', () => {
  it('derives the richer index and the aggregates from the job records, pages keep the facts, and the store keeps them up to date', async () => {
    const job = (id: string, createdAt: number, extra: object) => ({
      id,
      kind: 'generate',
      prompt: `p ${id}`,
      width: 64,
      height: 48,
      status: 'success',
      createdAt,
      updatedAt: createdAt,
      deleted: false,
      ...extra,
    });
    const day = new Date(2025, 2, 14, 10).getTime();
    await local().set({
      [keys.schema]: { version: 1 },
      [LIST_INDEX_KEY]: [{ id: 'a', createdAt: day, status: 'success', prompt: 'p a' }],
      [keys.head]: ['a'],
      'job:a': job('a', day, { usd: 0.02, duration: 3.5, tags: ['hero'] }),
      'job:b': job('b', day + 1, { status: 'error', error: 'PixelLab did not answer within 120 s' }),
      'job:c': job('c', day + 2, { deleted: true }),
    });
    expect(await runMigrations(local())).toMatchObject({ from: 1, to: 5, ran: [2, 3, 4, 5] });
    const data = await all();
    expect(data[LIST_INDEX_KEY]).toBeUndefined();
    expect(await readIndex(local())).toEqual([
      expect.objectContaining({ id: 'b', kind: 'generate', reason: 'PixelLab did not answer within N s' }),
      expect.objectContaining({ id: 'a', width: 64, height: 48, usd: 0.02, duration: 3.5, tags: ['hero'] }),
    ]);
    expect(data[keys.insights]).toMatchObject({
      total: { n: 2, micros: 20_000, paid: 1, by: { tag: { hero: { n: 1 } } } },
      days: { '2025-03-14': { status: { success: 1, error: 1 }, spend: { generate: 20_000 } } },
    });
    expect(data[keys.insightsMonth('2025-03')]).toMatchObject({ days: { '14': { n: 2 } } });

    // From here the store updates them from the changed job alone.
    const store = createHistoryStore();
    await store.applyJobs([
      { ...(data['job:b'] as Job), status: 'success', error: null, usd: 0.01, updatedAt: day + 9 },
    ]);
    expect((await all())[keys.insights]).toMatchObject({
      total: { n: 2, micros: 30_000, paid: 2 },
      days: { '2025-03-14': { status: { success: 2 }, spend: { generate: 30_000 } } },
    });
  });
});

describe('corrupt or unknown data is quarantined, never a crash', () => {
  const settings = { companionUrl: 'http://127.0.0.1:8787', token: 't', parallelLimit: 3 };

  it.each([
    ['a legacy blob that is not a seed file', { [LEGACY_KEY]: { jobs: 'nope' } }],
    ['a legacy string that is not JSON', { [LEGACY_KEY]: '{"jobs": [' }],
    ['an unknown newer version', { [keys.schema]: { version: 99 }, [keys.indexPages]: {}, 'job:x': { id: 'x' } }],
    ['an unreadable schema value', { [keys.schema]: 'one', 'job:x': { id: 'x' } }],
    ['layout keys without a schema', { [LIST_INDEX_KEY]: [{ id: 'x' }], 'job:x': { id: 'x' } }],
    ['index pages without a schema', { 'index:0': '[]', 'job:x': { id: 'x' } }],
  ])('%s', async (_label, data) => {
    await local().set({ ...data, [keys.settings]: settings });
    const report = await runMigrations(local(), { now: () => 777 });
    expect(report.quarantined).toBe('quarantine:777');
    const after = await all();
    expect(after['quarantine:777']).toMatchObject({ at: 777, data });
    expect(after[keys.schema]).toEqual({ version: HISTORY_SCHEMA_VERSION });
    expect(after[keys.indexPages]).toEqual(emptyIndexMeta());
    expect(after['job:x']).toBeUndefined();
    expect(after[LEGACY_KEY]).toBeUndefined();
    // Valid settings stay where they are.
    expect(after[keys.settings]).toEqual(settings);
    expect(await createHistoryStore().getIndex()).toEqual([]);
  });

  it('a migration that throws leaves the data in quarantine and a usable layout', async () => {
    await local().set({ [keys.schema]: { version: 1 }, 'job:a': { id: 'a' } });
    const table: Record<number, Migration> = {
      1: migrateV0toV1,
      2: () => {
        throw new Error('bug in migration 2');
      },
    };
    const report = await runMigrations(local(), { migrations: table, currentVersion: 2, now: () => 5 });
    expect(report.quarantined).toBe('quarantine:5');
    expect((await all())['quarantine:5']).toMatchObject({
      reason: expect.stringContaining('bug in migration 2') as unknown,
    });
    expect((await all())[keys.schema]).toEqual({ version: 2 });
  });

  it('never overwrites an earlier quarantine', async () => {
    await local().set({ [keys.schema]: { version: 99 }, [`${QUARANTINE_PREFIX}777`]: { old: true } });
    const report = await runMigrations(local(), { now: () => 777 });
    expect(report.quarantined).toBe('quarantine:777-2');
    expect((await all())['quarantine:777']).toEqual({ old: true });
  });
});
