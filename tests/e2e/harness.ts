/**
 * The browser tests' harness: the built extension in Debian's headless Chromium (playwright-core, no browser
 * download), the real companion as its own process, and the in-process fake PixelLab.
 *
 * Everything started here is registered for cleanup. Each test file calls `afterEach(disposeAll)` (or
 * `afterAll`), and a last-resort exit hook kills companion processes and removes temp dirs even when a
 * test times out or the worker is torn down.
 *
 * Network: Chromium only ever reaches loopback. Every other address goes to a local sinkhole proxy that
 * refuses it (and records it), and the host resolver answers NOTFOUND for every name but localhost.
 */

import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type BrowserContext, type CDPSession, chromium, type Page, type Worker } from 'playwright-core';
import { inject } from 'vitest';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { Settings } from '@/utils/storage/settings';
import { killOnExit, onDispose, tempDir, withTimeout } from '../helpers/disposal';
import { extensionBrowserArgs, startSinkhole } from '../helpers/loopback-browser';

// The registry and the stack are shared with the Firefox harness (tests/e2e-firefox/harness.ts).
export { disposeAll, onDispose } from '../helpers/disposal';
export { PIXELLAB_KEY, type Stack, type StartStackOptions, startStack } from '../helpers/e2e-stack';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Where `npx wxt build` writes the extension. */
export const EXTENSION_DIR = path.join(ROOT, '.output/chrome-mv3');
/** Ignored by git: a test never rewrites tracked files. `npm run screenshots` copies the chosen ones to docs/. */
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results/screenshots');
/** The wide view: the same app in a tab, or a panel dragged wide. */
export const WIDE_VIEWPORT = { width: 1280, height: 800 } as const;
/** The manifest `key` pins the unpacked build to this id (wxt.config.ts). */
export const EXPECTED_EXTENSION_ID = 'nicmafealdkogdhcobglaenalcjpnhen';
export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
/** The panel is a side panel: tests and screenshots see it at this size. */
export const PANEL_VIEWPORT = { width: 400, height: 800 } as const;

// ---------------------------------------------------------------------------------------------------------
// The browser with the extension

export interface StartBrowserOptions {
  /** The unpacked extension; default: the snapshot of `.output/chrome-mv3` made by tests/e2e/global-setup.ts. */
  extensionDir?: string;
  /** When given, the extension's settings are saved (through the `saveSettings` intent) before this returns. */
  companionUrl?: string;
  /** Extra settings for that intent. */
  settings?: Partial<Settings>;
  /** Extra host-resolver mappings, e.g. `['MAP rebind.test 127.0.0.1']` (such names bypass the sinkhole proxy). */
  mapHosts?: { host: string; to: string }[];
}

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  userDataDir: string;
  /**
   * The extension's service worker. Playwright keeps this handle across a stop and restart (Chromium reuses
   * the target id), so it evaluates in whichever worker runs now; while the worker is stopped, calls wait.
   */
  readonly worker: Worker;
  /** After stopServiceWorker(): true once a new worker (a fresh global scope) runs. */
  workerRestarted(): Promise<boolean>;
  panelUrl(query?: string): string;
  /** Opens `sidepanel.html` in a tab at the side panel's size (400x800). `query` without the leading `?`. */
  openPanel(query?: string): Promise<Page>;
  /** Sends an intent from an extension page, as the panel does, and returns the background's reply. */
  sendIntent(page: Page, intent: IntentInput): Promise<IntentReply>;
  /** Saves the extension's settings from a short-lived panel tab through the `saveSettings` intent. */
  configure(settings: Partial<Settings> & { companionUrl: string }): Promise<void>;
  /** Stops the extension's service worker through the DevTools protocol and waits until it has really stopped. */
  stopServiceWorker(): Promise<void>;
  /** Saves test-results/screenshots/<name>.png at 400x800 and <name>-wide.png at 1280x800; returns the first. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Requests Chromium tried to send off the machine (all refused). */
  readonly refusedRequests: readonly string[];
  close(): Promise<void>;
}

const SW_URL = /^chrome-extension:\/\/([a-p]{32})\//;

export async function startBrowser(options: StartBrowserOptions = {}): Promise<ExtensionBrowser> {
  const buildError = inject('e2eBuildError');
  if (buildError) throw new Error(`the extension was not built, so no browser test can run: ${buildError}`);
  // global-setup.ts snapshots the fresh build, so a rebuild of .output by someone else mid-run cannot pull
  // files out from under a running browser.
  const extensionDir = path.resolve(options.extensionDir ?? inject('e2eExtensionDir') ?? EXTENSION_DIR);
  const userDataDir = await tempDir('pixellab-e2e-profile-');
  const sinkhole = await startSinkhole();
  onDispose('sinkhole proxy', sinkhole.close);

  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROME_PATH,
    headless: true,
    viewport: PANEL_VIEWPORT,
    acceptDownloads: true,
    args: extensionBrowserArgs({ extensionDir, sinkholePort: sinkhole.port, mapHosts: options.mapHosts }),
  });
  const pid = browserPid(userDataDir);
  const forgetPid = pid ? killOnExit(pid) : () => undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (process.env.E2E_LOG_REFUSED === '1' && sinkhole.refused.length) {
      process.stdout.write(
        `e2e: refused off-machine requests from ${userDataDir}:\n  ${sinkhole.refused.join('\n  ')}\n`,
      );
    }
    await context.close().catch(() => undefined);
    forgetPid();
  };
  onDispose(`browser ${userDataDir}`, close);

  const isOurs = (w: Worker) => SW_URL.test(w.url());
  let worker =
    context.serviceWorkers().find(isOurs) ??
    (await context.waitForEvent('serviceworker', { predicate: isOurs, timeout: 20_000 }));
  context.on('serviceworker', (w) => {
    if (isOurs(w)) worker = w;
  });
  const extensionId = SW_URL.exec(worker.url())![1]!;
  if (!options.extensionDir && extensionId !== EXPECTED_EXTENSION_ID) {
    throw new Error(
      `the extension loaded as ${extensionId}, not ${EXPECTED_EXTENSION_ID}: is the manifest key still in wxt.config.ts?`,
    );
  }

  const panelUrl = (query?: string) =>
    `chrome-extension://${extensionId}/sidepanel.html${query ? `?${query.replace(/^\?/, '')}` : ''}`;

  let lastStopMark: string | null = null;

  const openPanel = async (query?: string) => {
    const page = await context.newPage();
    await page.setViewportSize(PANEL_VIEWPORT);
    await page.goto(panelUrl(query));
    return page;
  };

  const sendIntent = (page: Page, intent: IntentInput) =>
    page.evaluate((message) => (globalThis as any).chrome.runtime.sendMessage(message) as Promise<IntentReply>, {
      channel: 'pixellab-intent',
      intent,
    });

  const configure: ExtensionBrowser['configure'] = async (settings) => {
    const page = await openPanel();
    try {
      const reply = await sendIntent(page, {
        type: 'saveSettings',
        settings: { token: '', parallelLimit: 3, ...settings },
      });
      if (reply?.ok !== true) {
        throw new Error(`saveSettings intent was not accepted by the background: ${JSON.stringify(reply)}`);
      }
      // Read back (never written) through the worker: the background stored what was sent.
      const stored = await worker.evaluate(
        async () =>
          ((await (globalThis as any).chrome.storage.local.get('settings')) as { settings?: Settings }).settings,
      );
      if (stored?.companionUrl !== settings.companionUrl) {
        throw new Error(
          `after saveSettings the stored settings are ${JSON.stringify(stored)}, not companionUrl ${settings.companionUrl}`,
        );
      }
    } finally {
      await page.close();
    }
  };

  const stopServiceWorker = async () => {
    const scriptPrefix = `chrome-extension://${extensionId}/`;
    // Mark the running worker's global scope: a worker that really stopped comes back without the mark.
    const mark = `stopped-${Date.now()}-${Math.random()}`;
    await withTimeout(
      worker.evaluate((m) => ((globalThis as any).__e2eStopMark = m), mark),
      10_000,
      'reaching the service worker',
    );
    // The ServiceWorker domain answers for the storage partition of the page it is attached to, so the
    // session must sit on an extension page; manifest.json runs no script that could wake the worker.
    const page = await context.newPage();
    let session: CDPSession | undefined;
    try {
      await page.goto(`${scriptPrefix}manifest.json`);
      session = await context.newCDPSession(page);
      const status = new Map<string, string>();
      let changed: () => void = () => undefined;
      session.on('ServiceWorker.workerVersionUpdated', (e) => {
        for (const v of e.versions) if (v.scriptURL.startsWith(scriptPrefix)) status.set(v.versionId, v.runningStatus);
        changed();
      });
      await session.send('ServiceWorker.enable');
      await session.send('ServiceWorker.stopAllWorkers');
      const allStopped = () => status.size > 0 && [...status.values()].every((s) => s === 'stopped');
      await withTimeout(
        new Promise<void>((resolve) => {
          changed = () => allStopped() && resolve();
          changed();
        }),
        10_000,
        `waiting for the extension service worker to stop (last status: ${JSON.stringify([...status.values()])})`,
      );
      await session.send('ServiceWorker.disable').catch(() => undefined);
      // And the browser agrees: no service-worker target of the extension is left.
      const browserSession = await context.browser()?.newBrowserCDPSession();
      if (browserSession) {
        const { targetInfos } = await browserSession.send('Target.getTargets');
        await browserSession.detach().catch(() => undefined);
        const left = targetInfos.filter((t) => t.type === 'service_worker' && t.url.startsWith(scriptPrefix));
        if (left.length)
          throw new Error(`the extension service worker is still a live target: ${JSON.stringify(left)}`);
      }
    } finally {
      await session?.detach().catch(() => undefined);
      await page.close();
    }
    lastStopMark = mark;
  };

  /** Whether the worker runs in a new global scope since the last stopServiceWorker() (waits for it to run). */
  const workerRestarted = async () => {
    const seen = await withTimeout(
      worker.evaluate(() => (globalThis as any).__e2eStopMark ?? null),
      10_000,
      'waking the service worker',
    );
    return lastStopMark !== null && seen !== lastStopMark;
  };

  const screenshot = async (page: Page, name: string) => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    await page.setViewportSize(WIDE_VIEWPORT);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-wide.png`), fullPage: false });
    // The narrow one last, so the page is left at the panel's size for what the test does next.
    await page.setViewportSize(PANEL_VIEWPORT);
    await page.screenshot({ path: file, fullPage: false });
    return file;
  };

  const browser: ExtensionBrowser = {
    context,
    extensionId,
    userDataDir,
    get worker() {
      return worker;
    },
    workerRestarted,
    panelUrl,
    openPanel,
    sendIntent,
    configure,
    stopServiceWorker,
    screenshot,
    get refusedRequests() {
      return sinkhole.refused;
    },
    close,
  };
  if (options.companionUrl) await configure({ ...options.settings, companionUrl: options.companionUrl });
  return browser;
}

/** The pid of the Chromium started for this profile, so an exit hook can kill it if Playwright could not. */
function browserPid(userDataDir: string): number | null {
  const out = spawnSync('pgrep', ['-o', '-f', `--user-data-dir=${userDataDir}`], { encoding: 'utf8' });
  const pid = Number(out.stdout?.trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

// ---------------------------------------------------------------------------------------------------------
// DOM helpers shared by the scenarios (the hooks the panel promises: data-job-id, data-status, alt = prompt)

/** Waits until the panel's status bar says the companion is online (or offline). */
export async function waitForCompanionStatus(page: Page, online: boolean, timeout = 15_000): Promise<void> {
  await page.locator(`[data-testid="companion-status"][data-online="${online}"]`).waitFor({ timeout });
}

/** Rows of the job list, as the panel renders them. */
export const jobRows = (page: Page) => page.locator('[data-job-id]');
export const jobRow = (page: Page, id: string) => page.locator(`[data-job-id="${id}"]`);

/** `{id, status}` of every rendered row, in screen order. */
export function renderedJobs(page: Page): Promise<{ id: string; status: string | null }[]> {
  return page.$$eval('[data-job-id]', (rows) =>
    rows.map((row) => ({ id: row.getAttribute('data-job-id')!, status: row.getAttribute('data-status') })),
  );
}

/** True once the <img> has decoded real pixels. */
export function imageLoaded(page: Page, selector: string): Promise<boolean> {
  return page
    .locator(selector)
    .first()
    .evaluate((img) => img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0)
    .catch(() => false);
}

export interface GenerateInput {
  prompt: string;
  width?: number;
  height?: number;
  /** null leaves the field empty (a random seed). */
  seed?: number | null;
}

/** Fills the form through its labels and presses Generate, as a user would. */
export async function submitGenerate(page: Page, input: GenerateInput): Promise<void> {
  await page.getByLabel('Prompt', { exact: true }).fill(input.prompt);
  if (input.width !== undefined) await page.getByLabel('Width', { exact: true }).fill(String(input.width));
  if (input.height !== undefined) await page.getByLabel('Height', { exact: true }).fill(String(input.height));
  if (input.seed !== undefined)
    await page.getByLabel('Seed', { exact: true }).fill(input.seed === null ? '' : String(input.seed));
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
}

/** The id of the one row showing this prompt (prompts are unique per test), once it is rendered. */
export async function rowIdByPrompt(page: Page, prompt: string, timeout = 15_000): Promise<string> {
  const row = jobRows(page).filter({ hasText: prompt });
  await row.first().waitFor({ state: 'attached', timeout });
  const count = await row.count();
  if (count !== 1) throw new Error(`expected one row showing "${prompt}", found ${count}`);
  return (await row.getAttribute('data-job-id'))!;
}

export { recordStatuses, statusHistory } from '../helpers/status-log';

export async function waitForStatus(page: Page, id: string, status: string, timeout = 20_000): Promise<void> {
  const row = jobRow(page, id);
  try {
    await row.and(page.locator(`[data-status="${status}"]`)).waitFor({ state: 'attached', timeout });
  } catch (err) {
    const now = await row.getAttribute('data-status', { timeout: 1000 }).catch(() => '(no such row)');
    const text = await row.innerText({ timeout: 1000 }).catch(() => '');
    throw new Error(
      `row ${id} did not reach "${status}" in ${timeout} ms; it shows "${now}": ${text.replace(/\s+/g, ' ')}`,
      { cause: err },
    );
  }
}

/** Waits until the row's thumbnail (alt = the prompt) has decoded pixels; returns its natural size. */
export async function waitForThumbnail(
  page: Page,
  id: string,
  prompt: string,
  timeout = 15_000,
): Promise<{ width: number; height: number }> {
  const img = jobRow(page, id).getByAltText(prompt, { exact: true });
  await img.waitFor({ state: 'attached', timeout });
  await page.waitForFunction(
    (el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 0,
    await img.elementHandle(),
    { timeout },
  );
  return img.evaluate((el: HTMLImageElement) => ({ width: el.naturalWidth, height: el.naturalHeight }));
}

/** Every row of the (virtualized) list, by scrolling the job scroller from top to bottom. */
export async function collectAllRows(
  page: Page,
): Promise<Map<string, { status: string; imageLoaded: boolean | null }>> {
  const scroller = page.getByTestId('job-scroller');
  const rows = new Map<string, { status: string; imageLoaded: boolean | null }>();
  await scroller.evaluate((el) => (el.scrollTop = 0));
  for (let guard = 0; guard < 10_000; guard++) {
    const seen = await page.$$eval('[data-job-id]', (els) =>
      els.map((el) => {
        const img = el.querySelector('img');
        return {
          id: el.getAttribute('data-job-id')!,
          status: el.getAttribute('data-status') ?? '',
          imageLoaded: img ? img.complete && img.naturalWidth > 0 : null,
        };
      }),
    );
    for (const row of seen) rows.set(row.id, { status: row.status, imageLoaded: row.imageLoaded });
    const atEnd = await scroller.evaluate((el) => {
      const before = el.scrollTop;
      el.scrollTop = before + Math.max(1, el.clientHeight - 10);
      return el.scrollTop === before;
    });
    if (atEnd) break;
    // Let the list render the new window.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  return rows;
}
