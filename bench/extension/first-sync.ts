/** Section 5's measurement: a fresh extension pulls the whole history from the companion, with the panel open. */
import type { BenchBrowser } from '../browser';
import { initScript } from '../page-scripts';
import { openProfile, ROW_HEIGHT } from './profile';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
