import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Job, JobStatus } from '@/utils/domain/job';
import { createPanelData } from '@/utils/panel/data';
import { updateLowerPrompts } from '@/utils/panel/search';
import type { PanelStorage } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import type { IndexEntry, Stats } from '@/utils/storage/layout';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const statuses: JobStatus[] = ['success', 'error', 'running', 'queued', 'idle'];

function hashOf(i: number): string {
  return i.toString(16).padStart(64, '0');
}

function makeJob(i: number, overrides: Partial<Job> = {}): Job {
  const status = statuses[i % statuses.length]!;
  return {
    id: `job-${i}`,
    kind: 'generate',
    prompt: i % 2 ? `brave knight number ${i}` : `Tiny DRAGON number ${i}`,
    width: 64,
    height: 64,
    seed: i,
    status,
    error: status === 'error' ? 'PixelLab said no' : null,
    image: status === 'success' ? hashOf(i) : null,
    rotate: null,
    groupId: null,
    startTime: null,
    endTime: null,
    duration: status === 'success' ? 2 : null,
    createdAt: 1_000_000 + i,
    updatedAt: 1_000_000 + i,
    deleted: false,
    ...overrides,
  };
}

/** Writes the storage layout the background keeps: jobs newest first. */
async function seedLayout(count: number, headSize = 60) {
  const jobs = Array.from({ length: count }, (_, n) => makeJob(count - n));
  const items: Record<string, unknown> = {};
  for (const job of jobs) {
    items[keys.job(job.id)] = job;
    if (job.image) items[keys.image(job.image)] = PNG + job.id;
  }
  const index: IndexEntry[] = jobs.map((j) => ({
    id: j.id,
    createdAt: j.createdAt,
    status: j.status,
    prompt: j.prompt,
  }));
  const stats: Stats = {
    total: count,
    idle: 0,
    queued: 0,
    running: 0,
    success: 0,
    error: 0,
    cancelled: 0,
    trashed: 0,
    avgDuration: 2,
  };
  items[keys.head] = index.slice(0, headSize).map((e) => e.id);
  Object.assign(items, indexItems(index));
  items[keys.stats] = stats;
  items[keys.sync] = { online: true, lastSyncAt: 5 };
  items[keys.settings] = { companionUrl: 'http://127.0.0.1:9999' };
  items[keys.outbox] = ['job-1', 'job-2'];
  await fakeBrowser.storage.local.set(items);
  return { jobs, index };
}

function setup() {
  const storage = fakeBrowser.storage.local as unknown as PanelStorage;
  const get = vi.spyOn(fakeBrowser.storage.local, 'get');
  const scheduled: Array<() => void> = [];
  const data = createPanelData(storage, { afterPaint: (run) => scheduled.push(run) });
  const keysOf = (call: number) => {
    const arg = get.mock.calls[call]?.[0];
    return (Array.isArray(arg) ? arg : [arg]) as string[];
  };
  return { data, get, scheduled, keysOf };
}

async function flush() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

describe('createPanelData', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
  });

  it('reads head, the first rows jobs and their images before first paint; the rest of head and the index after', async () => {
    await seedLayout(500);
    const { data, get, scheduled, keysOf } = setup();

    await data.start({ firstRows: 5 });

    expect(get).toHaveBeenCalledTimes(3);
    expect(keysOf(0).sort()).toEqual(['head', 'settings', 'stats', 'storageError', 'sync']);
    // Only the rows on screen: job-500..496 of the 60 head ids.
    expect(keysOf(1)).toEqual([500, 499, 498, 497, 496].map((i) => keys.job(`job-${i}`)));
    // Images only for the first five rows that have one: of job-500..496 only job-500 succeeded.
    expect(keysOf(2).every((k) => k.startsWith('img:'))).toBe(true);
    expect(keysOf(2)).toEqual([keys.image(hashOf(500))]);
    const before = get.mock.calls.flatMap((c) => (Array.isArray(c[0]) ? c[0] : [c[0]]));
    expect(before.some((k) => String(k).startsWith('index'))).toBe(false);

    const snap = data.getSnapshot();
    expect(snap.phase).toBe('head');
    expect(snap.firstRowsReady).toBe(true);
    expect(snap.entries.map((e) => e.id)).toEqual(['job-500', 'job-499', 'job-498', 'job-497', 'job-496']);
    expect(snap.stats?.total).toBe(500);
    expect(snap.sync.online).toBe(true);
    expect(snap.settings.companionUrl).toBe('http://127.0.0.1:9999');
    expect(data.getImage(data.getJob('job-500')!.image)).toBe(PNG + 'job-500');

    // The list reporting its rows reads nothing more until after first paint.
    await data.ensureRows(snap.entries.map((e) => e.id));
    expect(get).toHaveBeenCalledTimes(3);

    // After first paint: the index (and the outbox) in one read, then the other 55 head jobs.
    expect(scheduled).toHaveLength(1);
    scheduled[0]!();
    expect(keysOf(3).sort()).toEqual(['indexPages', 'outbox', 'records']);
    expect(keysOf(4)).toHaveLength(55);
    expect(keysOf(4)[0]).toBe('job:job-495');
    await flush();
    // The index's one page, once `indexPages` named it.
    expect(keysOf(5)).toEqual(['index:0']);
    expect(data.getSnapshot().phase).toBe('full');
    expect(data.getSnapshot().entries).toHaveLength(500);
    expect(data.getSnapshot().outboxLength).toBe(2);
  });

  it('before first paint reads past deleted or missing head jobs until the first rows are there', async () => {
    await seedLayout(20);
    await fakeBrowser.storage.local.set({ [keys.job('job-19')]: makeJob(19, { deleted: true }) });
    await fakeBrowser.storage.local.remove(keys.job('job-18'));
    const { data, get, keysOf } = setup();

    await data.start({ firstRows: 4 });

    expect(keysOf(1)).toEqual(['job:job-20', 'job:job-19', 'job:job-18', 'job:job-17']);
    // Two of the four were no rows: two more.
    expect(keysOf(2)).toEqual(['job:job-16', 'job:job-15']);
    expect(keysOf(3).every((k) => k.startsWith('img:'))).toBe(true);
    expect(get).toHaveBeenCalledTimes(4);
    expect(data.getSnapshot().entries.map((e) => e.id)).toEqual(['job-20', 'job-17', 'job-16', 'job-15']);
  });

  it('reads job and image keys of rows entering the viewport in batches and caches them', async () => {
    await seedLayout(500);
    const { data, get, scheduled, keysOf } = setup();
    await data.start({ firstRows: 5 });
    scheduled[0]!();
    await flush();
    const callsBefore = get.mock.calls.length;

    const ids = data
      .getSnapshot()
      .entries.slice(300, 320)
      .map((e) => e.id);
    await data.ensureRows(ids);
    // One read for the 20 job keys, one for their images.
    expect(get.mock.calls.length).toBe(callsBefore + 2);
    expect(keysOf(callsBefore)).toEqual(ids.map(keys.job));
    expect(keysOf(callsBefore + 1).every((k) => k.startsWith('img:'))).toBe(true);
    expect(data.getJob(ids[0]!)?.prompt).toContain('number');
    const success = ids.map((id) => data.getJob(id)!).find((j) => j.status === 'success')!;
    expect(data.getImage(success.image)).toBe(PNG + success.id);

    // Cached: asking again reads nothing.
    await data.ensureRows(ids);
    expect(get.mock.calls.length).toBe(callsBefore + 2);
  });

  it('tells an image not stored here from one not read yet, until the image arrives', async () => {
    await seedLayout(20);
    const { data, scheduled } = setup();
    await data.start({ firstRows: 5 });
    scheduled[0]!();
    await flush();
    const lost = makeJob(20, { status: 'success', image: hashOf(9090) });
    await fakeBrowser.storage.local.set({ [keys.job('job-20')]: lost });
    await flush();
    await data.ensureRows(['job-20']);
    expect(data.getImage(hashOf(9090))).toBeUndefined();
    expect(data.isImageAbsent(hashOf(9090))).toBe(true);
    expect(data.isImageAbsent(hashOf(31337))).toBe(false);
    expect(data.isImageAbsent(null)).toBe(false);

    await fakeBrowser.storage.local.set({ [keys.image(hashOf(9090))]: PNG + 'late' });
    await flush();
    expect(data.isImageAbsent(hashOf(9090))).toBe(false);
    expect(data.getImage(hashOf(9090))).toBe(PNG + 'late');
  });

  it('filters in memory by words of the prompt and by status, with no storage reads', async () => {
    await seedLayout(1000);
    const { data, get, scheduled } = setup();
    await data.start();
    scheduled[0]!();
    await flush();
    const calls = get.mock.calls.length;

    expect(data.filter('', 'all')).toHaveLength(1000);
    expect(data.filter('dragon', 'all')).toHaveLength(500);
    expect(data.filter('  KNIGHT  number 99 ', 'all').map((e) => e.id)).toEqual(
      expect.arrayContaining(['job-99', 'job-991', 'job-993']),
    );
    expect(data.filter('', 'error').every((e) => e.status === 'error')).toBe(true);
    expect(data.filter('', 'error')).toHaveLength(200);
    expect(data.filter('dragon', 'success')).toHaveLength(100);
    expect(data.filter('no such words', 'all')).toHaveLength(0);
    expect(get.mock.calls.length).toBe(calls);
  });

  it('answers a search over 10,000 jobs well within 50 ms', async () => {
    await seedLayout(10_000);
    const { data, scheduled } = setup();
    await data.start();
    scheduled[0]!();
    await flush();
    const t0 = performance.now();
    for (const q of ['d', 'dr', 'dra', 'drag', 'dragon', 'dragon 9', 'dragon 99']) data.filter(q, 'all');
    const perKeystroke = (performance.now() - t0) / 7;
    expect(perKeystroke).toBeLessThan(50);
    expect(data.filter('dragon 99', 'all').length).toBeGreaterThan(0);
  });

  it('lowercases prompts for the first search only, and keeps them in step with index changes', async () => {
    await seedLayout(50);
    const { data, scheduled } = setup();
    await data.start();
    scheduled[0]!();
    await flush();
    const lower = vi.spyOn(String.prototype, 'toLowerCase');
    // No search yet: a new index lowercases nothing.
    const index = data.getSnapshot().entries;
    await fakeBrowser.storage.local.set(indexItems([...index]));
    expect(lower).not.toHaveBeenCalled();

    expect(data.filter('dragon', 'all')).toHaveLength(25);
    const firstSearch = lower.mock.calls.length;
    expect(firstSearch).toBeGreaterThanOrEqual(50);
    expect(data.filter('dragon 4', 'all').map((e) => e.id)).toContain('job-48');
    expect(lower.mock.calls.length - firstSearch).toBeLessThan(3);

    // A new job on top, then a renamed one: only the new prompt is lowercased each time.
    const now = data.getSnapshot().entries;
    const added = [
      { id: 'job-51', createdAt: 2_000_000, status: 'success' as const, prompt: 'Golden DRAGON' },
      ...now.map((e) => ({ ...e })),
    ];
    lower.mockClear();
    await fakeBrowser.storage.local.set(indexItems(added));
    await flush();
    expect(lower.mock.calls.length).toBe(1);
    expect(
      data
        .filter('dragon', 'all')
        .map((e) => e.id)
        .slice(0, 2),
    ).toEqual(['job-51', 'job-50']);
    const renamed = added.map((e) => (e.id === 'job-10' ? { ...e, prompt: 'Silver Dragon' } : { ...e }));
    lower.mockClear();
    await fakeBrowser.storage.local.set(indexItems(renamed));
    await flush();
    expect(lower.mock.calls.length).toBe(1);
    expect(data.filter('silver', 'all').map((e) => e.id)).toEqual(['job-10']);
    expect(data.filter('dragon', 'all')).toHaveLength(26);
  });

  it('reuses the lowercase prompts of rows an index change kept', () => {
    const e = (id: string, prompt: string) => ({ id, createdAt: 0, status: 'success' as const, prompt });
    const prev = [e('c', 'C c'), e('b', 'B b'), e('a', 'A a')];
    const prevLower = ['c c', 'b b', 'a a'];
    // Added on top.
    expect(updateLowerPrompts(prev, prevLower, [e('d', 'D D'), ...prev])).toEqual(['d d', 'c c', 'b b', 'a a']);
    // Changed in place, removed in the middle, emptied, and unrelated.
    expect(updateLowerPrompts(prev, prevLower, [e('c', 'C c'), e('b', 'NEW'), e('a', 'A a')])).toEqual([
      'c c',
      'new',
      'a a',
    ]);
    expect(updateLowerPrompts(prev, prevLower, [e('c', 'C c'), e('a', 'A a')])).toEqual(['c c', 'a a']);
    expect(updateLowerPrompts(prev, prevLower, [])).toEqual([]);
    expect(updateLowerPrompts(prev, prevLower, [e('x', 'X'), e('y', 'Y')])).toEqual(['x', 'y']);
    // The same prompt twice in a row cannot pair a kept row with the wrong one.
    const twins = [e('a', 'Same'), e('b', 'Same')];
    expect(updateLowerPrompts(twins, ['same', 'same'], [e('b', 'Same')])).toEqual(['same']);
  });

  it('updates only what changed from storage.onChanged', async () => {
    await seedLayout(100);
    const { data, get, scheduled } = setup();
    await data.start({ firstRows: 3 });
    scheduled[0]!();
    await flush();
    const listener = vi.fn();
    data.snapshot.subscribe(listener);
    listener.mockClear(); // A signal calls a new subscriber once at once; only changes count here.
    await data.ensureRows(['job-100', 'job-99']);
    const calls = get.mock.calls.length;

    // The background finishes job-99: its record, the new image and the index change together.
    const done = makeJob(99, { status: 'success', image: hashOf(4242), duration: 3 });
    const index = data.getSnapshot().entries.map((e) => (e.id === 'job-99' ? { ...e, status: 'success' as const } : e));
    await fakeBrowser.storage.local.set({
      [keys.job('job-99')]: done,
      [keys.image(hashOf(4242))]: PNG + 'new',
      ...indexItems(index),
      [keys.stats]: { total: 100, idle: 0, queued: 0, running: 0, success: 21, error: 0, avgDuration: 2.5 },
    });
    await flush();

    expect(data.getJob('job-99')?.status).toBe('success');
    expect(data.getImage(hashOf(4242))).toBe(PNG + 'new');
    expect(data.getSnapshot().entries.find((e) => e.id === 'job-99')?.status).toBe('success');
    expect(data.getSnapshot().stats?.success).toBe(21);
    expect(listener).toHaveBeenCalled();
    // Everything came with the change: no reads.
    expect(get.mock.calls.length).toBe(calls);

    // An image for a row not on screen is not kept.
    await fakeBrowser.storage.local.set({ [keys.image(hashOf(777))]: PNG + 'off' });
    expect(data.getImage(hashOf(777))).toBeUndefined();
  });

  it('follows head changes before the index is loaded, reading new head jobs', async () => {
    await seedLayout(10);
    const { data } = setup();
    await data.start({ firstRows: 3 });
    expect(data.getSnapshot().phase).toBe('head');
    const head = (await fakeBrowser.storage.local.get(keys.head))[keys.head] as string[];

    // A new job appears: head first, its record written separately.
    await fakeBrowser.storage.local.set({ [keys.head]: ['job-11', ...head] });
    await fakeBrowser.storage.local.set({ [keys.job('job-11')]: makeJob(11) });
    await flush();
    expect(data.getSnapshot().entries[0]!.id).toBe('job-11');
    expect(data.getSnapshot().entries).toHaveLength(11);
  });

  it('shows storage errors and survives an empty storage', async () => {
    await fakeBrowser.storage.local.set({ [keys.storageError]: { message: 'QUOTA_BYTES quota exceeded', at: 1 } });
    const { data, scheduled } = setup();
    await data.start();
    scheduled[0]!();
    await flush();
    const snap = data.getSnapshot();
    expect(snap.storageError?.message).toBe('QUOTA_BYTES quota exceeded');
    expect(snap.entries).toHaveLength(0);
    expect(snap.firstRowsReady).toBe(true);
    expect(snap.settings.companionUrl).toBe('http://127.0.0.1:8787');

    await fakeBrowser.storage.local.remove(keys.storageError);
    expect(data.getSnapshot().storageError).toBeNull();
  });

  it('reports a failed read instead of swallowing it', async () => {
    await seedLayout(5);
    const { data, get } = setup();
    get.mockRejectedValueOnce(new Error('IO error'));
    await data.start();
    expect(data.getSnapshot().readError).toContain('IO error');
    expect(data.getSnapshot().firstRowsReady).toBe(true);
  });
});
