/**
 * Chromium with the built extension, as tests/e2e/harness.ts starts it (Debian's /usr/bin/chromium through
 * playwright-core, the same flags), without vitest: the bench is a plain Node script.
 *
 * Loopback only: like the e2e harness, every non-loopback request goes to a refusing proxy and every name
 * but localhost resolves to NOTFOUND.
 */
import { spawnSync } from 'node:child_process';
import { type BrowserContext, type CDPSession, chromium, type Page, type Worker } from 'playwright-core';
import { extensionBrowserArgs, startSinkhole } from '../tests/helpers/loopback-browser';

export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
/** The side panel's size, as the e2e tests and screenshots use it. */
export const PANEL_VIEWPORT = { width: 400, height: 800 } as const;
const SW_URL = /^chrome-extension:\/\/([a-p]{32})\//;

export interface BenchBrowser {
  context: BrowserContext;
  extensionId: string;
  userDataDir: string;
  readonly worker: Worker;
  /** Browser process id (for clean-up if Playwright cannot close it). */
  pid: number | null;
  panelUrl(query?: string): string;
  /** An extension-origin page that runs no script of ours: `manifest.json` (chrome.* APIs are there). */
  openToolPage(): Promise<Page>;
  /** A new tab at the panel's size, not navigated yet. */
  newPanelTab(): Promise<Page>;
  close(): Promise<void>;
}

function browserPid(userDataDir: string): number | null {
  const out = spawnSync('pgrep', ['-o', '-f', `--user-data-dir=${userDataDir}`], { encoding: 'utf8' });
  const pid = Number(out.stdout?.trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Pids to SIGKILL if the bench dies without closing its browsers. */
export const livePids = new Set<number>();
process.once('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

export async function launch(extensionDir: string, userDataDir: string): Promise<BenchBrowser> {
  const sinkhole = await startSinkhole();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROME_PATH,
    headless: true,
    viewport: PANEL_VIEWPORT,
    args: extensionBrowserArgs({ extensionDir, sinkholePort: sinkhole.port }),
  });
  const pid = browserPid(userDataDir);
  if (pid) livePids.add(pid);
  const isOurs = (w: Worker) => SW_URL.test(w.url());
  // Polled as well as awaited: on a loaded machine the worker can appear between the check and the wait.
  let found: Worker | undefined;
  for (const deadline = Date.now() + 60_000; !found && Date.now() < deadline; ) {
    found =
      context.serviceWorkers().find(isOurs) ??
      (await context.waitForEvent('serviceworker', { predicate: isOurs, timeout: 1000 }).catch(() => undefined));
  }
  if (!found) {
    await context.close().catch(() => undefined);
    await sinkhole.close();
    throw new Error(`the extension's service worker did not start within 60 s (${extensionDir})`);
  }
  let worker = found;
  context.on('serviceworker', (w) => {
    if (isOurs(w)) worker = w;
  });
  const extensionId = SW_URL.exec(worker.url())![1]!;
  let closed = false;
  return {
    context,
    extensionId,
    userDataDir,
    pid,
    get worker() {
      return worker;
    },
    panelUrl: (query) => `chrome-extension://${extensionId}/sidepanel.html${query ? `?${query}` : ''}`,
    async openToolPage() {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/manifest.json`);
      return page;
    },
    async newPanelTab() {
      const page = await context.newPage();
      await page.setViewportSize(PANEL_VIEWPORT);
      return page;
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      await sinkhole.close();
      if (pid) livePids.delete(pid);
    },
  };
}

/** JS heap of a page after a forced GC: CDP HeapProfiler.collectGarbage, then Performance.getMetrics. */
export async function heapAfterGc(
  context: BrowserContext,
  page: Page,
): Promise<{ usedBytes: number; totalBytes: number }> {
  const session: CDPSession = await context.newCDPSession(page);
  try {
    await session.send('Performance.enable');
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.collectGarbage');
    const { metrics } = await session.send('Performance.getMetrics');
    const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    return { usedBytes: get('JSHeapUsedSize'), totalBytes: get('JSHeapTotalSize') };
  } finally {
    await session.detach().catch(() => undefined);
  }
}
