/**
 * The browser side of the bench: profiles seeded with a history, and the measurements made in the panel
 * page (first rows, search, memory, first sync).
 */
import type { Page } from 'playwright-core';
import { ROW_HEIGHT } from '../components/JobRow';
import { type BenchBrowser, heapAfterGc, launch } from './browser';
import { type Dataset, layoutChunks, layoutMeta, matches, seedJobChunks } from './dataset';
import { armSearch, type InitConfig, initScript, scrollThrough } from './page-scripts';

export { ROW_HEIGHT };

/** An address where nothing listens: the seeded profiles see their companion as offline, so no sync moves data. */
export const OFFLINE_COMPANION = 'http://127.0.0.1:9';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the background's migrations wrote `schema` (its first start is over). */
async function waitForBackground(b: BenchBrowser, tool: Page): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const got = (await tool.evaluate(() => (globalThis as any).chrome.storage.local.get('schema'))) as Record<
      string,
      unknown
    >;
    if (got.schema) return;
    await sleep(50);
  }
  throw new Error(`the extension's background never wrote its schema key (${b.userDataDir})`);
}

/** Launches `dir` (a fresh or an existing profile) and waits for the background to be ready. */
export async function openProfile(extDir: string, dir: string): Promise<BenchBrowser> {
  const b = await launch(extDir, dir);
  const tool = await b.openToolPage();
  try {
    await waitForBackground(b, tool);
  } finally {
    await tool.close();
  }
  return b;
}

/** Writes the dataset in the extension's layout: job and image keys first, then index, head, stats, settings. */
export async function seedLayout(b: BenchBrowser, dataset: Dataset): Promise<{ ms: number; keys: number }> {
  const started = performance.now();
  const tool = await b.openToolPage();
  try {
    for (const items of layoutChunks(dataset)) {
      await tool.evaluate((i) => (globalThis as any).chrome.storage.local.set(i), items);
    }
    const meta = layoutMeta(dataset, OFFLINE_COMPANION);
    await tool.evaluate((i) => (globalThis as any).chrome.storage.local.set(i), meta);
    // A clean sync state: offline, no backoff pending from the install-time attempt.
    await tool.evaluate(() => (globalThis as any).chrome.storage.local.remove('sync'));
    const keys = (await tool.evaluate(() => (globalThis as any).chrome.storage.local.getKeys())) as string[];
    const jobs = keys.filter((k) => k.startsWith('job:')).length;
    const imgs = keys.filter((k) => k.startsWith('img:')).length;
    if (jobs !== dataset.count || imgs !== dataset.count)
      throw new Error(`seeded ${jobs} job keys and ${imgs} image keys, expected ${dataset.count} of each`);
    return { ms: performance.now() - started, keys: keys.length };
  } finally {
    await tool.close();
  }
}

/** The panel's first read size: the rows that fit in the panel's height plus the overscan (entrypoints/sidepanel/main.tsx). */
export const FIRST_ROWS = Math.ceil(800 / ROW_HEIGHT) + 4;

/** The keys the newest `rows` rows need: their job records and thumbnails, newest first. */
export function floorKeys(dataset: Dataset, rows = FIRST_ROWS): string[] {
  const newest = dataset.jobs.slice(-rows).reverse();
  return [...newest.map((j) => `job:${j.id}`), ...newest.map((j) => `img:${j.image}`)];
}

export const baselineKey = (count: number, largest: number) =>
  count === largest ? 'baseline:history' : `baseline:history-${count}`;

/** Writes the whole history in the seed's format under ONE key, built in the page from chunks and set once. */
export async function seedBaseline(
  b: BenchBrowser,
  dataset: Dataset,
  key: string,
): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const tool = await b.openToolPage();
  let bytes = 0;
  try {
    await tool.evaluate(() => ((globalThis as any).__acc = []));
    for (const jobs of seedJobChunks(dataset)) {
      bytes += JSON.stringify(jobs).length;
      await tool.evaluate((j) => void (globalThis as any).__acc.push(...j), jobs);
    }
    await tool.evaluate(
      (k) =>
        (globalThis as any).chrome.storage.local.set({
          [k]: { jobs: (globalThis as any).__acc, lastJobId: 0, savedAt: new Date(0).toISOString() },
        }),
      key,
    );
    const back = (await tool.evaluate(
      async (k) => ((await (globalThis as any).chrome.storage.local.get(k))[k]?.jobs?.length ?? 0) as number,
      key,
    )) as number;
    if (back !== dataset.count) throw new Error(`baseline key ${key} holds ${back} jobs, expected ${dataset.count}`);
    await tool.evaluate(() => ((globalThis as any).__acc = null));
    return { ms: performance.now() - started, bytes };
  } finally {
    await tool.close();
  }
}

export interface FirstRowsSample {
  /** Navigation start to: the rows on screen show decoded thumbnails, and the next frame was produced. */
  painted: number;
  /** ...to the moment the check passed (before that frame). */
  dom: number;
  /** The panel's own mark, window.__panelTimings.firstRowsPainted (a layout effect; images may not be decoded yet). */
  app: number | null;
  rows: number;
  ids: string[];
  /** Navigation start to the first script of the page (the init script, at document start). */
  scriptStart: number;
  /** Long tasks until then. */
  longestTask: number;
  /** Baseline only: the one-key read finished. */
  read?: number;
  /** The page's chrome.storage.local.get calls until then: [start, end, keys]. */
  reads: [number, number | null, number | null][];
  /** Navigation timing: DOM parsed (module scripts run after it) and DOMContentLoaded. */
  domInteractive: number;
  domContentLoaded: number;
}

async function waitForBench(page: Page, field: 'firstRows' | 'baseline', timeoutMs: number): Promise<any> {
  await page.waitForFunction((f) => (window as any).__bench?.[f], field, { polling: 50, timeout: timeoutMs });
  return page.evaluate('window.__bench');
}

/** One navigation of a new panel tab, timed by the init script. The page stays open when `keep` is set. */
export async function firstRowsOnce(
  b: BenchBrowser,
  config: InitConfig,
  options: { timeoutMs?: number; keep?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<{ sample: FirstRowsSample; page: Page }> {
  const page = await b.newPanelTab();
  if (options.viewport) await page.setViewportSize(options.viewport);
  await page.addInitScript({ content: `window.__benchScriptStart = performance.now();\n${initScript(config)}` });
  await page.goto(b.panelUrl(), { waitUntil: 'commit' });
  const field = config.mode === 'panel' ? 'firstRows' : 'baseline';
  const bench = await waitForBench(page, field, options.timeoutMs ?? 60_000);
  const scriptStart = (await page.evaluate('window.__benchScriptStart')) as number;
  const nav = (await page.evaluate(
    `(() => { const n = performance.getEntriesByType('navigation')[0]; return n ? [n.domInteractive, n.domContentLoadedEventStart] : [NaN, NaN]; })()`,
  )) as [number, number];
  const mark = bench[field];
  const until = mark.painted;
  const longestTask = Math.max(0, ...bench.longtasks.filter((t: any) => t.start < until).map((t: any) => t.duration));
  const sample: FirstRowsSample = {
    painted: mark.painted,
    dom: mark.dom,
    app: mark.app ?? null,
    rows: mark.rows,
    ids: mark.ids ?? [],
    scriptStart,
    longestTask,
    ...(config.mode !== 'panel' ? { read: mark.read } : {}),
    reads: bench.reads
      .filter((r: any) => r.start < until)
      .map((r: any) => [Math.round(r.start * 10) / 10, r.end === null ? null : Math.round(r.end * 10) / 10, r.keys]),
    domInteractive: nav[0],
    domContentLoaded: nav[1],
  };
  if (!options.keep) await page.close();
  return { sample, page };
}

/** Waits until the panel has read its full index (app.getState().complete) and shows `total` jobs. */
export async function waitForFullIndex(page: Page, total: number, timeoutMs = 60_000): Promise<void> {
  const caption = `${total.toLocaleString('en-US')} ${total === 1 ? 'job' : 'jobs'}`;
  await page.waitForFunction(
    (c) =>
      (window as any).app?.getState().complete &&
      (document.getElementById('job-count')?.textContent ?? '').trim() === c,
    caption,
    { polling: 250, timeout: timeoutMs },
  );
}

// --- search ---------------------------------------------------------------------------------

export interface SearchQuery {
  query: string;
  prefix: string;
  expected: number;
}

/** Queries whose last keystroke changes the result (so the list must really change), from broad to none. */
export function pickQueries(dataset: Dataset, count: number): SearchQuery[] {
  const candidates = [
    // Broad (a single letter after an empty box), then narrower and narrower.
    'e',
    '#1',
    '#12',
    '#123',
    '#1234',
    '#5',
    '#56',
    '#567',
    '#5678',
    // A second word that starts to narrow a first one.
    'knight w',
    'mage c',
    'slime r',
    'golem h',
    'witch j',
    'pirate s',
    'owl f',
    'retro k',
    'gameboy d',
    'isometric wo',
    'soft shading n',
    'high contrast r',
    'skeleton i',
    'robot l',
    'paladin g',
    // Nothing matches.
    '#99999',
    'zebraz',
  ];
  const newestFirst = [...dataset.jobs].reverse();
  const result = (q: string) => newestFirst.filter((j) => matches(j.prompt, q));
  const out: SearchQuery[] = [];
  for (const query of candidates) {
    const prefix = query.slice(0, -1);
    const full = result(query);
    const before = result(prefix);
    if (full.length === before.length && full[0]?.id === before[0]?.id) continue;
    out.push({ query, prefix, expected: full.length });
    if (out.length >= count) break;
  }
  return out;
}

export interface SearchSample {
  query: string;
  results: number;
  /** input event -> the list DOM shows the new result (caption and first row). */
  domMs: number;
  /** input event -> after the next frame with that DOM. */
  paintedMs: number;
}

export async function measureSearch(page: Page, dataset: Dataset, queries: SearchQuery[]): Promise<SearchSample[]> {
  const total = dataset.count.toLocaleString('en-US');
  const newestFirst = [...dataset.jobs].reverse();
  const input = page.getByLabel('Search', { exact: true });
  const samples: SearchSample[] = [];
  for (const q of queries) {
    const prefixHits = newestFirst.filter((j) => matches(j.prompt, q.prefix));
    const hits = newestFirst.filter((j) => matches(j.prompt, q.query));
    const captionOf = (n: number, narrowed: boolean) =>
      narrowed ? `${n.toLocaleString('en-US')} of ${total}` : `${total} jobs`;
    await input.fill(q.prefix);
    // Settled on the prefix's result before the timed keystroke.
    await page.waitForFunction(
      (c) => (document.getElementById('job-count')?.textContent ?? '').trim() === c,
      captionOf(prefixHits.length, q.prefix.trim() !== ''),
      { polling: 50, timeout: 10_000 },
    );
    await page.waitForTimeout(150);
    await page.evaluate(armSearch({ caption: captionOf(hits.length, true), firstId: hits[0]?.id ?? null }));
    await page.keyboard.type(q.query.slice(-1));
    await page.waitForFunction(() => (window as any).__benchSearch?.painted != null, undefined, {
      polling: 20,
      timeout: 10_000,
    });
    const s = (await page.evaluate('window.__benchSearch')) as { t0: number; dom: number; painted: number };
    samples.push({ query: q.query, results: hits.length, domMs: s.dom - s.t0, paintedMs: s.painted - s.t0 });
  }
  await input.fill('');
  return samples;
}

// --- memory -----------------------------------------------------------------------------------

export interface MemorySample {
  heapAfterFirstPaint: number;
  heapAfterScroll: number;
  seen: number;
  steps: number;
  stuck: number;
  scrollMs: number;
  domRows: number;
}

/**
 * A fresh panel tab: heap after first paint, then after scrolling every row into view; both after a forced GC.
 * `viewport`: a taller panel shows more rows per scroll step (the caches do not depend on it), which keeps
 * the walk through 10,000 rows, each waiting for its thumbnail, within the bench's time.
 */
export async function measureMemory(
  b: BenchBrowser,
  dataset: Dataset,
  viewport?: { width: number; height: number },
): Promise<MemorySample> {
  const { page } = await firstRowsOnce(
    b,
    { mode: 'panel', expectRows: dataset.count, rowHeight: ROW_HEIGHT },
    { keep: true, viewport },
  );
  try {
    await waitForFullIndex(page, dataset.count);
    const first = await heapAfterGc(b.context, page);
    const scroll = (await page.evaluate(scrollThrough(ROW_HEIGHT))) as {
      seen: number;
      steps: number;
      stuck: number;
      ms: number;
    };
    const after = await heapAfterGc(b.context, page);
    const domRows = (await page.evaluate(`document.querySelectorAll('[data-job-id]').length`)) as number;
    return {
      heapAfterFirstPaint: first.usedBytes,
      heapAfterScroll: after.usedBytes,
      seen: scroll.seen,
      steps: scroll.steps,
      stuck: scroll.stuck,
      scrollMs: scroll.ms,
      domRows,
    };
  } finally {
    await page.close();
  }
}

/** The baseline page's heap once it holds the whole history (as a page keeping it in memory would). */
export async function baselineHeap(b: BenchBrowser, key: string): Promise<number> {
  const { page } = await firstRowsOnce(
    b,
    { mode: 'baseline', key, rows: 30, keep: true, expectRows: 30, rowHeight: ROW_HEIGHT },
    { keep: true },
  );
  try {
    return (await heapAfterGc(b.context, page)).usedBytes;
  } finally {
    await page.close();
  }
}

// --- first sync ---------------------------------------------------------------------------------

export interface FirstSyncSample {
  /** Settings saved (the sync starts) -> storage holds every job, the checkpoint is the companion's lastSeq and the run ended. */
  totalMs: number;
  /** Settings saved -> the rows on screen show decoded thumbnails (after the next frame). */
  firstRowsMs: number;
  /** Settings saved -> every job's image is stored too (the background fill is done). */
  imagesMs: number;
  /** Long tasks of the panel page from the settings save to the end of the sync. */
  maxLongTaskMs: number;
  longTasksOver50: number;
  longTasksOver200: number;
  longTasks: number[];
  /** Long tasks of the panel while the images were fetched in the background, after the sync. */
  maxLongTaskImagesMs: number;
  jobsStored: number;
  imagesStored: number;
  /** [start after the settings save, duration] of each long task of the panel, ms. */
  longTaskTimes: [number, number][];
  /**
   * Where the background's time went during the sync, from its fetch calls (timed by a wrapper installed in
   * the worker; storage calls cannot be wrapped there, the polyfill holds its own references): from the first
   * /changes request to the end of the run, the time with a /changes request in flight, with an image
   * request in flight (the head's images), and the rest (storage reads and writes, parsing, merging). Then
   * the background fill: its image requests and its wall time to the last one.
   */
  breakdown: {
    pages: number;
    pullWallMs: number;
    changesMs: number;
    headImageRequests: number;
    headImagesMs: number;
    restMs: number;
    fillImageRequests: number;
    fillWallMs: number;
  } | null;
}

/** Installed in the service worker before a sync: records [start, end, kind] of every fetch. */
const FETCH_RECORDER = `(() => {
  const g = globalThis;
  if (g.__benchFetch) { g.__benchFetch.length = 0; return true; }
  const original = g.fetch;
  g.__benchFetch = [];
  g.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const kind = url.includes('/api/v1/images') ? 'image' : url.includes('/api/v1/changes') ? 'changes' : url.includes('/api/v1/push') ? 'push' : url.includes('/health') ? 'health' : 'other';
    const entry = [performance.now(), null, kind];
    g.__benchFetch.push(entry);
    return original.call(this, input, init).then(
      (res) => { entry[1] = performance.now(); return res; },
      (err) => { entry[1] = performance.now(); throw err; },
    );
  };
  return true;
})()`;

/** Total time covered by at least one of the intervals. */
function covered(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

function breakdownOf(entries: [number, number | null, string][], pullEnd: number): FirstSyncSample['breakdown'] {
  const done = entries.filter((f): f is [number, number, string] => f[1] !== null);
  // The scheduler's later syncs (every 3 s while the panel is open) ask for changes too: not this sync's.
  const changes = done.filter((f) => f[2] === 'changes' && f[0] < pullEnd);
  if (changes.length === 0) return null;
  const start = Math.min(...changes.map((f) => f[0]));
  const images = done.filter((f) => f[2] === 'image');
  const head = images.filter((f) => f[0] < pullEnd);
  const fill = images.filter((f) => f[0] >= pullEnd);
  const interval = (f: [number, number, string]): [number, number] => [f[0], f[1]];
  const pullWallMs = pullEnd - start;
  return {
    pages: changes.length,
    pullWallMs,
    changesMs: covered(changes.map(interval)),
    headImageRequests: head.length,
    headImagesMs: covered(head.map(interval)),
    restMs: pullWallMs - covered([...changes, ...head].map(interval)),
    fillImageRequests: fill.length,
    fillWallMs: fill.length ? Math.max(...fill.map((f) => f[1])) - pullEnd : 0,
  };
}

/**
 * A fresh profile opens the panel (empty history), then points the extension at the companion through the
 * saveSettings intent (as the Settings form does); the background syncs the whole history while the panel
 * is open. Completion is polled from the service worker, so the panel's own thread only runs the panel.
 */
export async function firstSyncOnce(
  extDir: string,
  dir: string,
  companion: { url: string; lastSeq: number },
  expected: number,
  timeoutMs: number,
  /** Looks at the browser once the images are in, before it closes (while investigating). */
  inspect?: (b: BenchBrowser) => Promise<void>,
): Promise<FirstSyncSample> {
  const b = await openProfile(extDir, dir);
  try {
    const page = await b.newPanelTab();
    await page.addInitScript({ content: initScript({ mode: 'panel', expectRows: expected, rowHeight: ROW_HEIGHT }) });
    await page.goto(b.panelUrl());
    await page.getByLabel('Search', { exact: true }).waitFor();
    await sleep(1000);
    await b.worker.evaluate(FETCH_RECORDER);
    const t0 = (await page.evaluate(`(() => {
      const t = performance.now();
      chrome.runtime.sendMessage({ channel: 'pixellab-intent', intent: { type: 'saveSettings', settings: { companionUrl: ${JSON.stringify(companion.url)}, token: '', parallelLimit: 3 } } });
      return t;
    })()`)) as number;
    const nodeStart = performance.now();
    let totalMs = NaN;
    let jobsStored = 0;
    let pullEndWorker: number | null = null;
    // Polled every 50 ms with a small read: the worker's own clock marks when the run ended.
    for (;;) {
      const state = (await b.worker.evaluate(() =>
        (globalThis as any).chrome.storage.local
          .get(['sync', 'stats'])
          .then((r: any) => ({ ...r, at: performance.now() })),
      )) as any;
      jobsStored = state.stats?.total ?? 0;
      if (
        jobsStored >= expected &&
        (state.sync?.checkpoint ?? 0) >= companion.lastSeq &&
        state.sync?.syncing === false
      ) {
        totalMs = performance.now() - nodeStart;
        pullEndWorker = state.at;
        break;
      }
      if (performance.now() - nodeStart > timeoutMs)
        throw new Error(`first sync not done after ${timeoutMs} ms: ${JSON.stringify(state)}`);
      await sleep(50);
    }
    // Then every image: nothing left wanted (the background fill is done), counted once at the end.
    let imagesMs = NaN;
    for (;;) {
      const left = (await b.worker.evaluate(() =>
        (globalThis as any).chrome.storage.local
          .get('wanted')
          .then((r: any) => (r.wanted?.chunks ?? []).reduce((n: number, c: any) => n + c.count, 0)),
      )) as number;
      if (left === 0) {
        imagesMs = performance.now() - nodeStart;
        break;
      }
      if (performance.now() - nodeStart > timeoutMs)
        throw new Error(`images not all stored after ${timeoutMs} ms: ${left} wanted`);
      await sleep(100);
    }
    await page.waitForFunction(() => (window as any).__bench?.firstRows, undefined, { polling: 100, timeout: 30_000 });
    const bench = (await page.evaluate('window.__bench')) as any;
    const during = bench.longtasks.filter((t: any) => t.start >= t0 && t.start < t0 + totalMs);
    const afterSync = bench.longtasks.filter((t: any) => t.start >= t0 + totalMs);
    const tasks: number[] = during.map((t: any) => t.duration);
    const keys = (await b.worker.evaluate(() => (globalThis as any).chrome.storage.local.getKeys())) as string[];
    const fetches = (await b.worker.evaluate('globalThis.__benchFetch || []')) as [number, number | null, string][];
    await inspect?.(b);
    const imagesStored = keys.filter((k) => k.startsWith('img:')).length;
    if (imagesStored < expected)
      throw new Error(`nothing is wanted, yet only ${imagesStored} of ${expected} images are stored`);
    return {
      totalMs,
      firstRowsMs: bench.firstRows.painted - t0,
      imagesMs,
      maxLongTaskMs: Math.max(0, ...tasks),
      longTasksOver50: tasks.length,
      longTasksOver200: tasks.filter((d) => d > 200).length,
      longTasks: tasks.map((d) => Math.round(d)),
      maxLongTaskImagesMs: Math.max(0, ...afterSync.map((t: any) => t.duration)),
      jobsStored,
      imagesStored,
      longTaskTimes: [...during, ...afterSync].map((t: any) => [Math.round(t.start - t0), Math.round(t.duration)]),
      breakdown: pullEndWorker === null ? null : breakdownOf(fetches, pullEndWorker),
    };
  } finally {
    await b.close();
  }
}
