import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { OVERSCAN as LIST_OVERSCAN } from '@/components/JobList';
import { ROW_HEIGHT as JOB_ROW_HEIGHT } from '@/components/JobRow';
import {
  beginFirstReads,
  chromeLocalArea,
  firstRowsFor,
  OVERSCAN,
  type ReadArea,
  ROW_HEIGHT,
} from '@/entrypoints/sidepanel/first-reads';
import type { Job } from '@/utils/domain/job';
import { createPanelData } from '@/utils/panel/data';
import type { PanelStorage, StorageChange } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { IMAGE_PREFIX, JOB_PREFIX, keys, META_KEYS } from '@/utils/storage/keys';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const hashOf = (i: number) => i.toString(16).padStart(64, '0');

function makeJob(i: number, overrides: Partial<Job> = {}): Job {
  return {
    id: `job-${i}`,
    kind: 'generate',
    prompt: `knight number ${i}`,
    width: 64,
    height: 64,
    seed: i,
    status: 'success',
    error: null,
    image: hashOf(i),
    rotate: null,
    groupId: null,
    startTime: null,
    endTime: null,
    duration: 2,
    createdAt: 1_000_000 + i,
    updatedAt: 1_000_000 + i,
    deleted: false,
    ...overrides,
  };
}

/** The background's layout with `count` jobs, newest first. */
async function seedLayout(count: number) {
  const jobs = Array.from({ length: count }, (_, n) => makeJob(count - n));
  const items: Record<string, unknown> = {};
  for (const job of jobs) {
    items[keys.job(job.id)] = job;
    items[keys.image(job.image!)] = PNG + job.id;
  }
  items[keys.head] = jobs.slice(0, 60).map((j) => j.id);
  Object.assign(
    items,
    indexItems(jobs.map((j) => ({ id: j.id, createdAt: j.createdAt, status: j.status, prompt: j.prompt }))),
  );
  items[keys.stats] = { total: count, idle: 0, queued: 0, running: 0, success: count, error: 0, avgDuration: 2 };
  items[keys.sync] = { online: true };
  items[keys.outbox] = [];
  await fakeBrowser.storage.local.set(items);
}

const area = () => fakeBrowser.storage.local as unknown as ReadArea & PanelStorage;
const keysOf = (get: ReturnType<typeof vi.fn>, call: number) => get.mock.calls[call]?.[0] as string[];

async function flush() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

describe('first reads', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
  });

  it('reads the layout key names and copies the list metrics it must not import', () => {
    expect(META_KEYS).toEqual([keys.head, keys.stats, keys.sync, keys.settings, keys.storageError]);
    expect(JOB_PREFIX + 'x').toBe(keys.job('x'));
    expect(IMAGE_PREFIX + 'x').toBe(keys.image('x'));
    expect(ROW_HEIGHT).toBe(JOB_ROW_HEIGHT);
    expect(OVERSCAN).toBe(LIST_OVERSCAN);
    expect(firstRowsFor(800)).toBe(Math.ceil(800 / JOB_ROW_HEIGHT) + LIST_OVERSCAN);
    expect(firstRowsFor(0)).toBe(LIST_OVERSCAN);
  });

  it('reads head and the small keys, then the first rows jobs, then their images, each as soon as it can', async () => {
    await seedLayout(100);
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const early = beginFirstReads(area(), 3);
    const images = await early.images;

    expect(get).toHaveBeenCalledTimes(3);
    expect(keysOf(get, 0)).toEqual([...META_KEYS]);
    expect(keysOf(get, 1)).toEqual(['job:job-100', 'job:job-99', 'job:job-98']);
    expect(keysOf(get, 2)).toEqual([100, 99, 98].map((i) => keys.image(hashOf(i))));
    expect(images.got[keys.image(hashOf(100))]).toBe(PNG + 'job-100');
    expect(images.before).toEqual([0, 0, 0]);
  });

  it('without head reads no jobs and no images', async () => {
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const early = beginFirstReads(area(), 3);
    expect((await early.images).keys).toEqual([]);
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('lets the panel data paint from them without a read of its own', async () => {
    await seedLayout(100);
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const early = beginFirstReads(area(), 5);
    const scheduled: Array<() => void> = [];
    const data = createPanelData(area(), { afterPaint: (run) => scheduled.push(run) });

    await data.start({ early });

    expect(get).toHaveBeenCalledTimes(3);
    const snap = data.getSnapshot();
    expect(snap.firstRowsReady).toBe(true);
    expect(snap.phase).toBe('head');
    expect(snap.entries.map((e) => e.id)).toEqual(['job-100', 'job-99', 'job-98', 'job-97', 'job-96']);
    expect(snap.stats?.total).toBe(100);
    expect(snap.sync.online).toBe(true);
    expect(data.getImage(hashOf(96))).toBe(PNG + 'job-96');

    // After first paint: the index, then the rest of head.
    scheduled[0]!();
    expect(keysOf(get, 3).sort()).toEqual(['indexPages', 'outbox', 'records']);
    expect(keysOf(get, 4)).toHaveLength(55);
    await flush();
    expect(keysOf(get, 5)).toEqual(['index:0']);
    expect(data.getSnapshot().phase).toBe('full');
    expect(data.getSnapshot().entries).toHaveLength(100);
  });

  it('keeps a change that happened while the reads ran, before or after the panel data took over', async () => {
    // A storage whose reads answer when the test says so.
    const listeners = new Set<(changes: Record<string, StorageChange>) => void>();
    const answers: Array<{ list: string[]; resolve: (got: Record<string, unknown>) => void }> = [];
    const store: Record<string, unknown> = {
      head: ['job-3', 'job-2', 'job-1'],
      'job:job-3': makeJob(3),
      'job:job-2': makeJob(2),
      'job:job-1': makeJob(1),
      [keys.image(hashOf(3))]: PNG + 3,
      [keys.image(hashOf(2))]: PNG + 2,
      [keys.image(hashOf(1))]: PNG + 1,
    };
    const fake: ReadArea & PanelStorage = {
      get: (list) => {
        const names = Array.isArray(list) ? list : [list];
        const snapshot = Object.fromEntries(names.filter((k) => k in store).map((k) => [k, store[k]]));
        return new Promise((resolve) => answers.push({ list: names, resolve: () => resolve(snapshot) }));
      },
      onChanged: { addListener: (l) => void listeners.add(l), removeListener: (l) => void listeners.delete(l) },
    };
    const change = (key: string, value: unknown) => {
      const oldValue = store[key];
      store[key] = value;
      for (const l of [...listeners]) l({ [key]: { oldValue, newValue: value } });
    };
    const settle = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };

    const early = beginFirstReads(fake, 3);
    answers.shift()!.resolve({});
    await settle();
    // The jobs read is in flight (it saw job-3 as it was); job-3 changes before the panel data exists...
    expect(answers[0]!.list).toEqual(['job:job-3', 'job:job-2', 'job:job-1']);
    change('job:job-3', makeJob(3, { prompt: 'renamed before start' }));
    answers.shift()!.resolve({});
    await settle();

    const data = createPanelData(fake, { afterPaint: () => {} });
    const started = data.start({ early });
    // ...and job-2 after it took over, while the images read is still in flight.
    change('job:job-2', makeJob(2, { prompt: 'renamed after start' }));
    answers.shift()!.resolve({});
    await started;

    expect(answers).toHaveLength(0);
    expect(data.getJob('job-3')?.prompt).toBe('renamed before start');
    expect(data.getJob('job-2')?.prompt).toBe('renamed after start');
    expect(data.getJob('job-1')?.prompt).toBe('knight number 1');
    expect(data.getSnapshot().entries.map((e) => e.prompt)).toEqual([
      'renamed before start',
      'renamed after start',
      'knight number 1',
    ]);
    // The early reads stopped listening; the panel data listens instead.
    expect(listeners.size).toBe(1);
  });

  it('falls back to its own reads when an early read failed', async () => {
    await seedLayout(10);
    const failing: ReadArea = { get: () => Promise.reject(new Error('IO error')), onChanged: area().onChanged };
    const early = beginFirstReads(failing, 2);
    const data = createPanelData(area(), { afterPaint: () => {} });
    await data.start({ early });
    const snap = data.getSnapshot();
    expect(snap.readError).toBeNull();
    expect(snap.entries.map((e) => e.id)).toEqual(['job-10', 'job-9']);
    expect(data.getImage(hashOf(9))).toBe(PNG + 'job-9');
  });

  it('wraps chrome.storage.local in its callback form and reports lastError', async () => {
    expect(chromeLocalArea({})).toBeNull();
    expect(chromeLocalArea({ storage: {} })).toBeNull();
    const runtime: { lastError?: { message?: string } } = {};
    const onChanged = { addListener: vi.fn(), removeListener: vi.fn() };
    const get = vi.fn((list: string[], callback: (items: Record<string, unknown>) => void) =>
      callback({ [list[0]!]: 1 }),
    );
    const wrapped = chromeLocalArea({ runtime, storage: { local: { get, onChanged } } })!;
    await expect(wrapped.get(['head'])).resolves.toEqual({ head: 1 });
    expect(wrapped.onChanged).toBe(onChanged);
    runtime.lastError = { message: 'broken' };
    await expect(wrapped.get(['head'])).rejects.toThrow('broken');
  });
});
