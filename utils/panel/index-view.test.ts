import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Job } from '@/utils/domain/job';
import { createPanelData } from '@/utils/panel/data';
import { createIndexView, readIndexEntries } from '@/utils/panel/index-view';
import type { PanelStorage } from '@/utils/storage/area';
import { encodePage, paginate } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import type { IndexEntry } from '@/utils/storage/layout';

/** The panel's side of the index pages: what a change of one page costs it, and what a first sync's burst does. */

const entry = (i: number): IndexEntry => ({ id: `job-${i}`, createdAt: 1_000 + i, status: 'success', prompt: `p${i}` });

function job(i: number): Job {
  return {
    id: `job-${i}`,
    kind: 'generate',
    prompt: `p${i}`,
    width: 8,
    height: 8,
    seed: 1,
    status: 'success',
    error: null,
    image: null,
    rotate: null,
    groupId: null,
    startTime: null,
    endTime: null,
    duration: 1,
    createdAt: 1_000 + i,
    updatedAt: 1_000 + i,
    deleted: false,
  };
}

/** The layout of `count` jobs (newest first) in pages of `max`. */
function layout(count: number, max: number) {
  const sorted = Array.from({ length: count }, (_, n) => entry(count - n));
  const { meta, pages } = paginate(sorted, 0, max);
  const items: Record<string, unknown> = { [keys.indexPages]: meta, [keys.head]: sorted.slice(0, 3).map((e) => e.id) };
  for (const [n, list] of pages) items[keys.indexPage(n)] = encodePage(list);
  for (let i = 1; i <= count; i++) items[keys.job(`job-${i}`)] = job(i);
  return { sorted, meta, pages, items };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

beforeEach(() => {
  fakeBrowser.reset();
  vi.restoreAllMocks();
});

describe('the panel and the index pages', () => {
  it('reads every page, a few per read, and lists them in order', async () => {
    const { sorted, items } = layout(95, 5);
    await fakeBrowser.storage.local.set(items);
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, { afterPaint: (run) => run() });
    await data.start({ firstRows: 3 });
    await data.loadIndex();
    expect(data.getSnapshot().entries).toEqual(sorted);
    const pageReads = get.mock.calls.map(([k]) => k as string[]).filter((k) => k.some((x) => x.startsWith('index:')));
    // 19 pages, 8 per read.
    expect(pageReads.map((k) => k.length)).toEqual([8, 8, 3]);
  });

  it('applies a changed page from the change itself, without reading the others', async () => {
    const { sorted, meta, pages, items } = layout(40, 10);
    await fakeBrowser.storage.local.set(items);
    const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, { afterPaint: (run) => run() });
    await data.start({ firstRows: 3 });
    await data.loadIndex();
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const renamed = pages.get(2)!.map((e) => (e.id === 'job-15' ? { ...e, prompt: 'renamed' } : e));
    await fakeBrowser.storage.local.set({ [keys.indexPage(2)]: encodePage(renamed), [keys.indexPages]: meta });
    await flush();
    expect(data.getSnapshot().entries.find((e) => e.id === 'job-15')?.prompt).toBe('renamed');
    expect(data.getSnapshot().entries).toHaveLength(sorted.length);
    expect(get.mock.calls.flat().flat()).not.toContain(keys.indexPage(0));
  });

  it('keeps only the job records of rows it shows when thousands change at once', async () => {
    const { items } = layout(20, 10);
    await fakeBrowser.storage.local.set(items);
    const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, { afterPaint: (run) => run() });
    await data.start({ firstRows: 3 });
    await data.loadIndex();
    await data.ensureRows(['job-20', 'job-19', 'job-18']);
    const burst: Record<string, unknown> = {};
    for (let i = 1; i <= 2_000; i++) burst[keys.job(`job-${i}`)] = { ...job(i), prompt: `again ${i}` };
    await fakeBrowser.storage.local.set(burst);
    await flush();
    expect(data.getJob('job-20')?.prompt).toBe('again 20');
    expect(data.getJob('job-1500')).toBeUndefined();
    // A row scrolled to later is read then, with its current record.
    await data.ensureRows(['job-1500']);
    expect(data.getJob('job-1500')?.prompt).toBe('again 1500');
  });

  it('shows no rows for a page the list names but storage lacks, and the rest in order', async () => {
    const { sorted, items } = layout(30, 10);
    delete items[keys.indexPage(1)];
    await fakeBrowser.storage.local.set(items);
    const entries = await readIndexEntries(fakeBrowser.storage.local as unknown as PanelStorage);
    expect(entries).toEqual([...sorted.slice(0, 10), ...sorted.slice(20)]);
    const view = createIndexView();
    view.apply(keys.indexPages, 'unreadable');
    expect(view.usable).toBe(false);
    expect(view.entries()).toBeNull();
  });
});
