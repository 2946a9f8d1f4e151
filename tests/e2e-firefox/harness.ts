/**
 * The Firefox tests' harness: the built `firefox-mv2` extension in Debian's Firefox ESR, headless, driven by
 * puppeteer-core over WebDriver BiDi (no browser download, no geckodriver). The companion, the fake
 * PixelLab and the cleanup registry are the Chromium harness's own (tests/helpers/e2e-stack.ts, disposal.ts).
 *
 * Firefox's quirks, each found by trying:
 * - `--remote-allow-system-access` lets BiDi open `moz-extension://` pages and reach the browser window
 *   itself (the toolbar and the sidebar live there);
 * - the extension's UUID is random per profile: `extensions.webextensions.uuids` pins it before install
 *   (set at launch for the first extension, from the browser window for any other one installed later);
 * - `page.goto` of an extension page loads it but never resolves: do not await it, wait for the page's DOM;
 * - `page.on('console')` receives nothing from extension pages.
 *
 * Network: Firefox only reaches loopback. Every other address goes through a proxy pref to the same local
 * sinkhole as Chromium's, which refuses it and records it.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { inject } from 'vitest';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { Settings } from '@/utils/storage/settings';
import { killOnExit, onDispose, withTimeout } from '../helpers/disposal';
import { startSinkhole } from '../helpers/loopback-browser';

export { disposeAll, onDispose } from '../helpers/disposal';
export { type Stack, startStack } from '../helpers/e2e-stack';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Where `npx wxt build -b firefox` writes the extension. */
export const FIREFOX_EXTENSION_DIR = path.join(ROOT, '.output/firefox-mv2');
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** Ignored by git; the Chromium harness writes here too, so every Firefox name starts with `firefox-`. */
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results/screenshots');
export const PANEL_VIEWPORT = { width: 400, height: 800 } as const;
export const WIDE_VIEWPORT = { width: 1280, height: 800 } as const;

export interface StartFirefoxOptions {
  /** The unpacked extension; default: the snapshot of `.output/firefox-mv2` made by tests/e2e/global-setup.ts. */
  extensionDir?: string;
  /** The extension's UUID in this profile (its origin is `moz-extension://<uuid>`); default: a fresh random one. */
  uuid?: string;
  /** When given, the extension's settings are saved (through the `saveSettings` intent) before this returns. */
  companionUrl?: string;
  settings?: Partial<Settings>;
}

export interface FirefoxExtension {
  browser: Browser;
  /** The add-on id (`browser_specific_settings.gecko.id`). */
  geckoId: string;
  uuid: string;
  /** `moz-extension://<uuid>`: what Firefox sends as `Origin` from this profile. */
  origin: string;
  panelUrl(query?: string): string;
  /** Opens `sidepanel.html` in a tab at the sidebar's size (400x800) and waits for the form. */
  openPanel(query?: string): Promise<Page>;
  /** Opens any page of the extension in a tab and waits until `selector` is there. */
  openExtensionPage(file: string, selector: string): Promise<Page>;
  /** Sends an intent from an extension page, as the panel does, and returns the background's reply. */
  sendIntent(page: Page, intent: IntentInput): Promise<IntentReply>;
  /** Saves the extension's settings from a short-lived panel tab through the `saveSettings` intent. */
  configure(settings: Partial<Settings> & { companionUrl: string }): Promise<void>;
  /**
   * Runs `source` (an async function's text) in the browser window itself (chrome scope, with Firefox's
   * privileged globals: CustomizableUI, SidebarController, Services) and returns its JSON-able result.
   */
  evaluateInBrowserWindow<T>(source: string): Promise<T>;
  /** Saves test-results/screenshots/firefox-<name>.png at 400x800 and firefox-<name>-wide.png at 1280x800. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Requests Firefox tried to send off the machine (all refused). */
  readonly refusedRequests: readonly string[];
  /** Installs another unpacked extension (its own gecko id) in this same Firefox, with its UUID pinned. */
  install(extensionDir: string, options?: { uuid?: string }): Promise<FirefoxExtension>;
  /** Closes the whole Firefox (every extension installed in it). */
  close(): Promise<void>;
}

/** The raw BiDi connection: puppeteer has no API for Firefox's chrome-scope browsing contexts. */
interface BidiConnection {
  send(method: string, params: object): Promise<{ result: any }>;
}

export async function startFirefox(options: StartFirefoxOptions = {}): Promise<FirefoxExtension> {
  const buildError = inject('firefoxBuildError');
  if (buildError) throw new Error(`the Firefox extension was not built, so no Firefox test can run: ${buildError}`);
  const extensionDir = path.resolve(options.extensionDir ?? inject('firefoxExtensionDir') ?? FIREFOX_EXTENSION_DIR);
  const geckoId = await geckoIdOf(extensionDir);
  const uuid = options.uuid ?? randomUUID();
  const sinkhole = await startSinkhole();
  onDispose('sinkhole proxy', sinkhole.close);

  // A browser that cannot start fails the test: a missing Firefox is never a skip.
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocol: 'webDriverBiDi',
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
      // Loopback never goes through a proxy (network.proxy.allow_hijacking_localhost is false); the rest does.
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': sinkhole.port,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': sinkhole.port,
      'network.proxy.share_proxy_settings': true,
      // No red spell-check underlines under typed prompts in the screenshots.
      'layout.spellcheckDefault': 0,
    },
  });
  const pid = browser.process()?.pid;
  const forgetPid = pid ? killOnExit(pid) : () => undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (process.env.E2E_LOG_REFUSED === '1' && sinkhole.refused.length) {
      process.stdout.write(`e2e-firefox: refused off-machine requests:\n  ${sinkhole.refused.join('\n  ')}\n`);
    }
    await withTimeout(browser.close(), 10_000, 'closing Firefox').catch(() => browser.process()?.kill('SIGKILL'));
    forgetPid();
  };
  onDispose(`Firefox ${uuid}`, close);

  const connection = (browser as unknown as { connection: BidiConnection }).connection;
  const evaluateInBrowserWindow = async <T>(source: string): Promise<T> => {
    const tree = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome', maxDepth: 0 });
    const window = tree.result.contexts.find(
      (c: { url: string }) => c.url === 'chrome://browser/content/browser.xhtml',
    );
    if (!window) throw new Error(`no browser window among ${JSON.stringify(tree.result.contexts)}`);
    const { result } = await connection.send('script.evaluate', {
      expression: `(async () => JSON.stringify(await (${source})()))()`,
      target: { context: window.context },
      awaitPromise: true,
      resultOwnership: 'none',
    });
    if (result.type !== 'success') throw new Error(`in the browser window: ${JSON.stringify(result.exceptionDetails)}`);
    return JSON.parse(result.result.value ?? 'null') as T;
  };
  const shared: SharedFirefox = { browser, evaluateInBrowserWindow, sinkhole, close };
  const extension = await installInto(shared, extensionDir, geckoId, uuid);
  if (options.companionUrl) await extension.configure({ ...options.settings, companionUrl: options.companionUrl });
  return extension;
}

/** What every extension installed in one Firefox shares. */
interface SharedFirefox {
  browser: Browser;
  evaluateInBrowserWindow: FirefoxExtension['evaluateInBrowserWindow'];
  sinkhole: { readonly refused: string[] };
  close(): Promise<void>;
}

/** Reads the unpacked extension's gecko id from its manifest. */
async function geckoIdOf(extensionDir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(extensionDir, 'manifest.json'), 'utf8'));
  return manifest.browser_specific_settings.gecko.id;
}

async function installInto(
  shared: SharedFirefox,
  extensionDir: string,
  geckoId: string,
  uuid: string,
): Promise<FirefoxExtension> {
  const { browser, evaluateInBrowserWindow, sinkhole, close } = shared;
  const origin = `moz-extension://${uuid}`;
  const installed = await browser.installExtension(extensionDir);
  if (installed !== geckoId) throw new Error(`Firefox installed the extension as ${installed}, not ${geckoId}`);

  const panelUrl = (query?: string) => `${origin}/sidepanel.html${query ? `?${query.replace(/^\?/, '')}` : ''}`;

  const openUrl = async (url: string, selector: string) => {
    const page = await browser.newPage();
    await page.setViewport(PANEL_VIEWPORT);
    // Never resolves for moz-extension:// pages (it does load them): wait for the DOM instead.
    page.goto(url).catch(() => undefined);
    await acrossNavigation((timeout) => page.waitForSelector(selector, { timeout }), 20_000);
    return page;
  };
  const openPanel = (query?: string) => openUrl(panelUrl(query), '#gen-prompt');
  const openExtensionPage = (file: string, selector: string) => openUrl(`${origin}/${file}`, selector);

  const sendIntent = (page: Page, intent: IntentInput) =>
    page.evaluate((message) => (globalThis as any).browser.runtime.sendMessage(message) as Promise<IntentReply>, {
      channel: 'pixellab-intent',
      intent,
    } as const);

  const configure: FirefoxExtension['configure'] = async (settings) => {
    const page = await openPanel();
    try {
      const reply = await sendIntent(page, {
        type: 'saveSettings',
        settings: { token: '', parallelLimit: 3, ...settings },
      });
      if (reply?.ok !== true) {
        throw new Error(`saveSettings intent was not accepted by the background: ${JSON.stringify(reply)}`);
      }
      // Read back (never written from here): the background stored what was sent.
      const stored = await page.evaluate(
        async () =>
          ((await (globalThis as any).browser.storage.local.get('settings')) as { settings?: Settings }).settings,
      );
      if (stored?.companionUrl !== settings.companionUrl) {
        throw new Error(`after saveSettings the stored settings are ${JSON.stringify(stored)}`);
      }
    } finally {
      await page.close();
    }
  };

  const screenshot = async (page: Page, name: string) => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `firefox-${name}.png`);
    // No caret or focus ring from the last typed field in the pictures.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.setViewport(WIDE_VIEWPORT);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `firefox-${name}-wide.png`) as `${string}.png` });
    // The narrow one last, so the page is left at the panel's size for what the test does next.
    await page.setViewport(PANEL_VIEWPORT);
    await page.screenshot({ path: file as `${string}.png` });
    return file;
  };

  const extension: FirefoxExtension = {
    browser,
    geckoId,
    uuid,
    origin,
    panelUrl,
    openPanel,
    openExtensionPage,
    sendIntent,
    configure,
    evaluateInBrowserWindow,
    screenshot,
    get refusedRequests() {
      return sinkhole.refused;
    },
    install: async (dir, more = {}) => {
      const otherUuid = more.uuid ?? randomUUID();
      const otherId = await geckoIdOf(path.resolve(dir));
      // Firefox reads this pref when it gives an add-on its UUID: add the new one before installing.
      await evaluateInBrowserWindow<void>(`async () => {
        const pref = 'extensions.webextensions.uuids';
        const map = JSON.parse(Services.prefs.getStringPref(pref, '{}'));
        map[${JSON.stringify(otherId)}] = ${JSON.stringify(otherUuid)};
        Services.prefs.setStringPref(pref, JSON.stringify(map));
      }`);
      return installInto(shared, path.resolve(dir), otherId, otherUuid);
    },
    close,
  };
  return extension;
}

/** A copy of the Firefox build with its manifest edited (removed after the test), e.g. under another gecko id. */
export async function editedBuild(edit: (manifest: any) => void): Promise<string> {
  const source = path.resolve(inject('firefoxExtensionDir') ?? FIREFOX_EXTENSION_DIR);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pixellab-e2e-firefox-build-'));
  onDispose(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  await cp(source, dir, { recursive: true });
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
  return dir;
}

/**
 * Runs a puppeteer wait that may straddle a navigation. Firefox's BiDi fails a script call whose document
 * is replaced under it (`right-hand side of 'in' should be an object, got null`, seen when a new tab leaves
 * about:blank) instead of moving to the new document as Chromium does: such a failure is retried; a
 * timeout is not.
 */
export async function acrossNavigation<T>(wait: (timeout: number) => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await wait(Math.max(1, deadline - Date.now()));
    } catch (err) {
      if ((err as Error).name === 'TimeoutError' || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
