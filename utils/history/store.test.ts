import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { encodePng } from '@/tests/fixtures/png';
import { bytesToPngDataUrl, type Job, type JobInput, jobSchema, sha256Hex } from '@/utils/domain';
import { deriveLayout } from '@/utils/history/derive';
import { readIndex } from '@/utils/history/reads';
import { createHistoryStore } from '@/utils/history/store';
import type { StorageAreaLike } from '@/utils/storage/area';
import { compareIndexEntries, decodePage, indexMetaSchema } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import { HEAD_SIZE, type IndexEntry } from '@/utils/storage/layout';
import { decodeChunk } from '@/utils/storage/wanted';

const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;

function job(overrides: Partial<JobInput> & { id: string }): Job {
  return jobSchema.parse({
    prompt: `prompt ${overrides.id}`,
    width: 64,
    height: 64,
    status: 'success',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  });
}

function png(n: number) {
  const bytes = encodePng(2, 2, () => [n & 255, (n >> 8) & 255, 7, 255]);
  return { hash: sha256Hex(bytes), dataUrl: bytesToPngDataUrl(bytes) };
}

async function raw(key: string) {
  return (await local().get(key))[key];
}

/** The index as its pages hold it, in order. */
const storedIndex = () => readIndex(local());
const storedIds = async () => (await storedIndex()).map((e) => e.id);

/** Every listed page is stored, in range order, within its size, as its ref says; no unlisted page is left. */
async function expectPagesWellFormed(max: number) {
  const all = await local().get(null);
  const meta = indexMetaSchema.parse(all[keys.indexPages] ?? { pages: [], next: 0 });
  let previous: IndexEntry | null = null;
  for (const ref of meta.pages) {
    const entries = decodePage(all[keys.indexPage(ref.n)])!;
    expect(entries.length).toBe(ref.count);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThanOrEqual(max);
    expect(entries.at(-1)).toMatchObject({ createdAt: ref.lastCreatedAt, id: ref.lastId });
    for (const entry of entries) {
      if (previous) expect(compareIndexEntries(previous, entry)).toBeLessThan(0);
      previous = entry;
    }
    expect(ref.n).toBeLessThan(meta.next);
  }
  const listed = new Set(meta.pages.map((p) => keys.indexPage(p.n)));
  expect(Object.keys(all).filter((k) => k.startsWith('index:') && !listed.has(k))).toEqual([]);
}

beforeEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
});

describe('history store layout', () => {
  it('writes job keys, a newest-first index, head and stats in one set per batch', async () => {
    const store = createHistoryStore();
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    await store.applyJobs(
      [
        job({ id: 'a', createdAt: 1, duration: 2 }),
        job({ id: 'b', createdAt: 3, status: 'error', error: 'boom' }),
        job({ id: 'c', createdAt: 2, duration: 4 }),
      ],
      { markDirty: true },
    );
    expect(set).toHaveBeenCalledTimes(1);
    expect(await raw('job:a')).toMatchObject({ id: 'a', status: 'success' });
    expect(await storedIds()).toEqual(['b', 'c', 'a']);
    expect(await raw(keys.head)).toEqual(['b', 'c', 'a']);
    expect(await raw(keys.stats)).toMatchObject({ total: 3, success: 2, error: 1, idle: 0, avgDuration: 3 });
    expect(await raw(keys.outbox)).toEqual(['a', 'b', 'c']);
  });

  it('updates index, head and stats from the changed jobs alone', async () => {
    const store = createHistoryStore();
    await store.applyJobs(Array.from({ length: 50 }, (_, i) => job({ id: `j${i}`, createdAt: i, status: 'queued' })));
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    await store.applyJobs([job({ id: 'j7', createdAt: 7, status: 'success', duration: 1.5, updatedAt: 2_000 })]);
    const requested = get.mock.calls.flatMap(([k]) => (Array.isArray(k) ? k : [k]));
    expect(requested.filter((k) => typeof k === 'string' && k.startsWith('job:'))).toEqual(['job:j7']);
    expect(requested).not.toContain(null);
    expect(await raw(keys.stats)).toMatchObject({ total: 50, queued: 49, success: 1, avgDuration: 1.5 });
    const index = await storedIndex();
    expect(index.find((e) => e.id === 'j7')?.status).toBe('success');
    expect(index).toHaveLength(50);
  });

  it('keeps only the newest HEAD_SIZE ids in head', async () => {
    const store = createHistoryStore();
    await store.applyJobs(
      Array.from({ length: HEAD_SIZE + 25 }, (_, i) => job({ id: `j${String(i).padStart(3, '0')}`, createdAt: i })),
    );
    const head = (await raw(keys.head)) as string[];
    expect(head).toHaveLength(HEAD_SIZE);
    expect(head[0]).toBe(`j${String(HEAD_SIZE + 24).padStart(3, '0')}`);
  });

  it('a deleted job leaves index, head and stats but keeps its job key as a tombstone', async () => {
    const store = createHistoryStore();
    await store.applyJobs([job({ id: 'a', createdAt: 1 }), job({ id: 'b', createdAt: 2 })]);
    const a = (await store.getJob('a'))!;
    await store.applyJobs([{ ...a, deleted: true, updatedAt: 5_000 }], { markDirty: true });
    expect(await raw(keys.head)).toEqual(['b']);
    expect(await storedIds()).toEqual(['b']);
    expect(await raw(keys.stats)).toMatchObject({ total: 1, success: 1 });
    expect(await raw('job:a')).toMatchObject({ deleted: true, updatedAt: 5_000 });
    expect(await raw(keys.tombstones)).toEqual(['a']);
    expect(await store.getOutbox()).toEqual(['a']);
  });

  it('incremental upkeep agrees with a rebuild from scratch for any sequence of changes (pages of 2)', async () => {
    const change = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      createdAt: fc.integer({ min: 0, max: 5 }),
      status: fc.constantFrom('idle', 'queued', 'running', 'success', 'error'),
      duration: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
      deleted: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(change, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        async (batches) => {
          fakeBrowser.reset();
          const store = createHistoryStore(local(), { indexPageMax: 2 });
          const all = new Map<string, Job>();
          for (const batch of batches) {
            const jobs = batch.map((c) => job({ ...c, status: c.status as Job['status'] }));
            await store.applyJobs(jobs);
            for (const j of jobs) all.set(j.id, j);
          }
          const expected = deriveLayout(all.values());
          // A store that never ran migrations starts without index and head keys.
          expect(await storedIndex()).toEqual(expected.index);
          await expectPagesWellFormed(2);
          expect((await raw(keys.head)) ?? []).toEqual(expected.head);
          const stats = (await raw(keys.stats)) as Record<string, number | null>;
          expect({ ...stats, avgDuration: null, durationSum: 0 }).toEqual({
            ...expected.stats,
            avgDuration: null,
            durationSum: 0,
          });
          expect(stats.avgDuration ?? 0).toBeCloseTo(expected.stats.avgDuration ?? 0);
          expect(new Set((await raw(keys.tombstones)) as string[] | undefined)).toEqual(new Set(expected.tombstones));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a head that spans many small pages as inserts and deletes move it', async () => {
    const store = createHistoryStore(local(), { indexPageMax: 3 });
    const all = new Map<string, Job>();
    const put = async (jobs: Job[]) => {
      await store.applyJobs(jobs);
      for (const j of jobs) all.set(j.id, j);
      const expected = deriveLayout(all.values());
      expect(await storedIds()).toEqual(expected.index.map((e) => e.id));
      expect(await raw(keys.head)).toEqual(expected.head);
      await expectPagesWellFormed(3);
    };
    await put(Array.from({ length: 100 }, (_, i) => job({ id: `j${i}`, createdAt: i })));
    // The newest 70 deleted, one by one and then in a batch: the head moves down into older pages.
    for (let i = 99; i > 90; i--) await put([{ ...all.get(`j${i}`)!, deleted: true, updatedAt: 2_000 }]);
    await put(Array.from({ length: 61 }, (_, i) => ({ ...all.get(`j${i + 30}`)!, deleted: true, updatedAt: 2_000 })));
    // Jobs older than all, in the middle, and newer than all; one moved by a changed createdAt.
    await put([
      job({ id: 'old', createdAt: 0 }),
      job({ id: 'mid', createdAt: 15 }),
      job({ id: 'new', createdAt: 500 }),
    ]);
    await put([{ ...all.get('j3')!, createdAt: 1_000, updatedAt: 3_000 }]);
  });

  it('serializes concurrent writers so no change is lost', async () => {
    const store = createHistoryStore();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.applyJobs([job({ id: `j${i}`, createdAt: i })], { markDirty: true })),
    );
    expect(await storedIndex()).toHaveLength(20);
    expect(await store.getOutbox()).toHaveLength(20);
    expect(await raw(keys.stats)).toMatchObject({ total: 20 });
  });

  it('editJobs decides on the version stored when it writes, after every write queued before it', async () => {
    const store = createHistoryStore();
    await store.applyJobs([job({ id: 'a', status: 'queued', updatedAt: 100 })]);
    const merged = store.mergeRemote([job({ id: 'a', status: 'success', updatedAt: 200 })]);
    const seen = store.editJobs(['a', 'missing'], (current) => {
      const a = current.get('a')!;
      return {
        jobs: [{ ...a, deleted: true, updatedAt: a.updatedAt + 1 }],
        options: { markDirty: true },
        result: [a.status, current.has('missing')],
      };
    });
    await merged;
    expect(await seen).toEqual(['success', false]);
    expect(await store.getJob('a')).toMatchObject({ deleted: true, status: 'success', updatedAt: 201 });
    expect(await store.getOutbox()).toEqual(['a']);
    expect(await store.getStats()).toMatchObject({ total: 0 });
  });

  it('patchSettings changes only what it is given, on top of a save made just before', async () => {
    const store = createHistoryStore();
    const saved = store.saveSettings({
      companionUrl: 'http://127.0.0.1:9999',
      token: '',
      parallelLimit: 5,
      askAboveUsd: 1,
    });
    const patched = await store.patchSettings({ token: 'paired-token' });
    await saved;
    expect(patched).toMatchObject({ companionUrl: 'http://127.0.0.1:9999', token: 'paired-token', parallelLimit: 5 });
    expect(await store.getSettings()).toEqual(patched);
  });

  it('editJobs writes nothing when the edit decides nothing, and refuses to write a job it did not read', async () => {
    const store = createHistoryStore();
    await store.applyJobs([job({ id: 'a' })]);
    await store.getClientId(); // minted once per replica; the clock of every edit is named after it
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    expect(await store.editJobs(['a'], () => ({ result: 'no change' }))).toBe('no change');
    expect(set).not.toHaveBeenCalled();
    await expect(store.editJobs(['a'], () => ({ jobs: [job({ id: 'b' })], result: null }))).rejects.toThrow(
      /did not read/,
    );
    expect(await store.getJob('b')).toBeNull();
    // The lock is free again after a refused edit.
    await store.applyJobs([job({ id: 'c' })]);
    expect(await store.getJob('c')).not.toBeNull();
  });

  it('stores images under img: keys and reports which it holds', async () => {
    const store = createHistoryStore();
    const one = png(1);
    const two = png(2);
    await store.putImage(one.hash, one.dataUrl);
    expect(await raw(`img:${one.hash}`)).toBe(one.dataUrl);
    expect(await store.hasImages([one.hash, two.hash])).toEqual(new Set([one.hash]));
  });
});

describe('merging versions from the companion', () => {
  it('takes newer versions, ignores older ones, and drops lost local edits from the outbox', async () => {
    const store = createHistoryStore();
    await store.applyJobs(
      [job({ id: 'a', updatedAt: 10, status: 'queued' }), job({ id: 'b', updatedAt: 50, prompt: 'mine' })],
      { markDirty: true },
    );
    const outcome = await store.mergeRemote([
      { ...job({ id: 'a', updatedAt: 20, status: 'success' }), seq: 4 } as Job,
      job({ id: 'b', updatedAt: 40, prompt: 'theirs' }),
      job({ id: 'c', updatedAt: 5 }),
    ]);
    expect(outcome).toEqual({ applied: ['a', 'c'], keptLocal: ['b'] });
    expect(await store.getJob('a')).not.toHaveProperty('seq');
    expect((await store.getJob('a'))!.status).toBe('success');
    expect((await store.getJob('b'))!.prompt).toBe('mine');
    // a lost to a newer version; b is newer here and stays dirty.
    expect(await store.getOutbox()).toEqual(['b']);
    expect(await raw(keys.stats)).toMatchObject({ total: 3, success: 3, queued: 0 });
  });

  it('a job deleted here stays deleted when a newer live version arrives', async () => {
    const store = createHistoryStore(local(), { now: () => 50 });
    await store.applyJobs([job({ id: 'a', deleted: true, updatedAt: 10 })]);
    const outcome = await store.mergeRemote([job({ id: 'a', status: 'success', updatedAt: 20 })]);
    expect(outcome.keptLocal).toEqual(['a']);
    expect(await store.getJob('a')).toMatchObject({ deleted: true, status: 'success', updatedAt: 50 });
    expect(await store.getOutbox()).toEqual(['a']);
    expect(await storedIndex()).toEqual([]);
  });

  it('stores a page, its images and the checkpoint in one write', async () => {
    const store = createHistoryStore();
    const image = png(3);
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    await store.mergeRemote([job({ id: 'a', image: image.hash })], {
      images: { [image.hash]: image.dataUrl },
      sync: { checkpoint: 7 },
    });
    expect(set).toHaveBeenCalledTimes(1);
    expect(set.mock.calls[0]![0]).toHaveProperty(`img:${image.hash}`);
    expect(set.mock.calls[0]![0]).toHaveProperty('job:a');
    expect((await store.getSyncState()).checkpoint).toBe(7);
  });

  it('a winning finished version whose image is neither given nor held is wanted, in the same write', async () => {
    const store = createHistoryStore();
    const held = png(4);
    const missing = png(5);
    await store.putImage(held.hash, held.dataUrl);
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    await store.mergeRemote([
      job({ id: 'a', image: held.hash }),
      job({ id: 'b', image: missing.hash }),
      job({ id: 'c', image: missing.hash, deleted: true }),
      job({ id: 'd', image: null, status: 'error' }),
    ]);
    expect(set).toHaveBeenCalledTimes(1);
    expect(set.mock.calls[0]![0]).toMatchObject({
      [keys.wanted]: { chunks: [{ n: 0, count: 1 }], next: 1 },
      [keys.wantedChunk(0)]: JSON.stringify([{ id: 'b', hash: missing.hash }]),
    });
    expect(await store.getImagesWanted()).toEqual([{ id: 'b', hash: missing.hash }]);
    // A later version of the job with another image no longer wants it (the entry goes when the filler reaches it).
    await store.mergeRemote([job({ id: 'b', image: held.hash, updatedAt: 2_000 })]);
    expect(await store.getImagesWanted()).toEqual([]);
    expect(await store.takeWanted(10, () => false)).toEqual({
      fetch: [],
      drop: [{ id: 'b', hash: missing.hash, chunk: 0 }],
    });
    await store.mergeRemote([job({ id: 'e', image: missing.hash })]);
    const { fetch, drop } = await store.takeWanted(10, () => false);
    expect(fetch).toEqual([{ id: 'e', hash: missing.hash, chunk: 0 }]);
    await store.settleWanted({ [missing.hash]: missing.dataUrl }, [...fetch, ...drop]);
    expect(await store.getImagesWanted()).toEqual([]);
    expect(await store.countWanted()).toBe(0);
    expect(await raw(keys.wantedChunk(0))).toBeUndefined();
    expect(await store.hasImages([missing.hash])).toEqual(new Set([missing.hash]));
  });

  it('wanted images are appended in chunks and taken newest chunk first, past those left out', async () => {
    const store = createHistoryStore();
    const images = Array.from({ length: 1_200 }, (_, i) => png(100 + i));
    await store.mergeRemote(images.map((image, i) => job({ id: `w${i}`, image: image.hash, createdAt: i })));
    expect(await raw(keys.wanted)).toEqual({
      chunks: [
        { n: 0, count: 500 },
        { n: 1, count: 500 },
        { n: 2, count: 200 },
      ],
      next: 3,
    });
    // The next page tops up the last chunk before starting a new one.
    await store.mergeRemote([job({ id: 'late', image: png(99).hash, createdAt: 5_000 })]);
    expect(await store.countWanted()).toBe(1_201);
    expect(decodeChunk(await raw(keys.wantedChunk(2)))).toHaveLength(201);
    const first = await store.takeWanted(100, () => false);
    expect(first.fetch.map((t) => t.id).slice(0, 2)).toEqual(['late', 'w1199']);
    expect(first.fetch).toHaveLength(100);
    const skipped = new Set(first.fetch.map((t) => t.id));
    const second = await store.takeWanted(150, (w) => skipped.has(w.id));
    expect(second.fetch[0]!.id).toBe('w1100');
    expect(second.fetch.at(-1)!.id).toBe('w951');
    expect(new Set(second.fetch.map((t) => t.chunk))).toEqual(new Set([2, 1]));
  });

  it('a submission answered: its entry goes, unless the local idle version stays newer than a live answer', async () => {
    const store = createHistoryStore();
    await store.applyJobs(
      [job({ id: 'a', status: 'idle', updatedAt: 10 }), job({ id: 'b', status: 'idle', updatedAt: 10 })],
      { submit: 'create' },
    );
    // A retry: the next generation of the job (clock.ts), so the answer below does not outrank it.
    await store.applyJobs([job({ id: 'c', status: 'idle', updatedAt: 10, clock: { c: 0, node: 'ext-a', gen: 1 } })], {
      submit: 'retry',
    });
    await store.mergeRemote([job({ id: 'a', status: 'queued', updatedAt: 11 })], { submitted: ['a'] });
    // Asked again while the submission was in flight: submitted again, as a retry.
    await store.mergeRemote([job({ id: 'b', status: 'queued', updatedAt: 9 })], { submitted: ['b'] });
    // A tombstone answer ends it: the push carries the local version.
    await store.mergeRemote([job({ id: 'c', status: 'error', deleted: true, updatedAt: 9 })], { submitted: ['c'] });
    expect(await store.getSubmitQueue()).toEqual([{ id: 'b', action: 'retry' }]);
    expect(await store.getJob('a')).toMatchObject({ status: 'queued' });
    expect(new Set(await store.getOutbox())).toEqual(new Set(['b', 'c']));
  });

  it('resetForServer marks every job, tombstones too, dirty and restarts the checkpoint', async () => {
    const store = createHistoryStore();
    await store.applyJobs([job({ id: 'a' }), job({ id: 'b', deleted: true })]);
    await store.setSyncState({ serverId: 'old', checkpoint: 99 });
    await store.setPendingPush({ requestId: 'push-1234567', jobs: [] });
    await store.resetForServer('new');
    expect(new Set(await store.getOutbox())).toEqual(new Set(['a', 'b']));
    expect(await store.getSyncState()).toMatchObject({ serverId: 'new', checkpoint: 0 });
    expect(await store.getPendingPush()).toBeNull();
  });
});

describe('clear and export', () => {
  it('clear tombstones every live job and marks it dirty', async () => {
    const store = createHistoryStore(local(), { now: () => 9_000 });
    await store.applyJobs([job({ id: 'a' }), job({ id: 'b', status: 'error' })]);
    expect(await store.clear()).toBe(2);
    expect(await storedIndex()).toEqual([]);
    expect(await raw(keys.head)).toEqual([]);
    expect(await raw(keys.stats)).toMatchObject({ total: 0, success: 0, error: 0 });
    expect(await store.getJob('a')).toMatchObject({ deleted: true, updatedAt: 9_000 });
    expect(new Set(await store.getOutbox())).toEqual(new Set(['a', 'b']));
  });

  it('exports the live history in the seed format, oldest first, images as data URLs', async () => {
    const store = createHistoryStore();
    const image = png(4);
    await store.applyJobs(
      [
        job({ id: 'job-2', createdAt: 2, image: image.hash }),
        job({ id: 'job-1', createdAt: 1 }),
        job({ id: 'job-9', deleted: true }),
      ],
      {
        images: { [image.hash]: image.dataUrl },
      },
    );
    const file = await store.exportSeed();
    expect(file.jobs.map((j) => j.id)).toEqual(['job-1', 'job-2']);
    expect(file.jobs[1]!.result).toBe(image.dataUrl);
    expect(file.lastJobId).toBe(2);
  });
});

describe('storage failures', () => {
  it('records the error for the panel and still rejects the write', async () => {
    const store = createHistoryStore(local(), { now: () => 1234 });
    vi.spyOn(fakeBrowser.storage.local, 'set').mockRejectedValueOnce(new Error('QUOTA_BYTES quota exceeded'));
    await expect(store.applyJobs([job({ id: 'a' })])).rejects.toThrow('QUOTA_BYTES');
    expect(await raw(keys.storageError)).toEqual({ message: 'QUOTA_BYTES quota exceeded', at: 1234 });
    expect(await store.getJob('a')).toBeNull();
    // The next good write clears the banner.
    await store.applyJobs([job({ id: 'a' })]);
    expect(await raw(keys.storageError)).toBeUndefined();
  });

  it('tells onWrite listeners what each write stored, and nothing of a refused write', async () => {
    const store = createHistoryStore(local(), { now: () => 1 });
    const told: Record<string, { newValue?: unknown }>[] = [];
    store.onWrite((changes) => told.push(changes));
    vi.spyOn(fakeBrowser.storage.local, 'set').mockRejectedValueOnce(new Error('refused'));
    await expect(store.applyJobs([job({ id: 'a' })])).rejects.toThrow('refused');
    expect(told.flatMap((c) => Object.keys(c)).filter((k) => k.startsWith('job:'))).toEqual([]);
    told.length = 0;
    const a = job({ id: 'a', updatedAt: 2_000 });
    await store.applyJobs([a]);
    const stored = Object.assign({}, ...told);
    expect(stored[keys.job('a')]).toEqual({ newValue: a });
    expect(stored[keys.head]).toEqual({ newValue: ['a'] });
    // What it stored is what storage holds.
    for (const [key, change] of Object.entries(stored))
      expect(await raw(key)).toEqual((change as any).newValue ?? undefined);
  });

  it('quarantines an unreadable index and rebuilds it from the job records', async () => {
    const store = createHistoryStore(local(), { now: () => 77 });
    await store.applyJobs([job({ id: 'a', createdAt: 1 }), job({ id: 'b', createdAt: 2 })]);
    await local().set({ [keys.indexPages]: 'garbage', 'job:bad': { nope: true } });
    await store.applyJobs([job({ id: 'c', createdAt: 3 })]);
    expect(await storedIds()).toEqual(['c', 'b', 'a']);
    expect(await raw('job:bad')).toBeUndefined();
    const all = await local().get(null);
    const quarantined = Object.entries(all).filter(([k]) => k.startsWith('quarantine:'));
    expect(quarantined.length).toBeGreaterThan(0);
    expect(JSON.stringify(quarantined)).toContain('garbage');
    expect(JSON.stringify(quarantined)).toContain('"nope":true');
  });
});
