/** Section 1's measurement: one navigation of a new panel tab, timed by the init script (page-scripts.ts). */
import os from 'node:os';
import type { Page } from 'playwright-core';
import type { BenchBrowser } from '../browser';
import { type InitConfig, initScript } from '../page-scripts';

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
  /** The machine's 1-minute load average when the sample was taken (the 2 cores are shared). */
  loadAverage: number;
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
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
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
