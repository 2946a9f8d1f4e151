/**
 * The core scenarios in Firefox ESR, through the built firefox-mv2 extension, against the real companion
 * and the fake PixelLab. A Firefox start costs seconds on two cores, so two profiles (A and B, two UUIDs
 * both named with --allow-extension) are started once and the tests run in order on them, each building on
 * the one before: the MV2 background; generate; the history after a reload; search; sync with B; the
 * origin Firefox sends; the toolbar button and the sidebar; offline and back; pairing an unknown origin;
 * then storage.local's quota, with and without unlimitedStorage (tests/e2e-firefox/storage.ts says what
 * was measured).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCaller } from '../../companion-server/middleware/origin-policy';
import { parseAllowedExtension } from '../../companion-server/middleware/origin-policy/extension-ids';
import { decodePngSize } from '../fixtures/png';
import { disposeAll, type FirefoxExtension, type Stack, startFirefox, startStack } from './harness';
import { headerRecorder, type SeenHeaders } from './header-recorder';
import {
  clickButton,
  fillByLabel,
  recordStatuses,
  reloadPanel,
  renderedStatuses,
  rowIdByPrompt,
  statusHistory,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './panel';
import { clickToolbarButton, sidebarState, widgetId } from './sidebar';
import {
  bigHistory,
  buildUnderFreshId,
  buildWithoutUnlimitedStorage,
  importAndReadBack,
  MB,
  storageState,
} from './storage';

let stack: Stack;
let a: FirefoxExtension;
let b: FirefoxExtension;
/** A's panel tab, kept open from one test to the next. */
let page: Page;
const prompts = ['e2e firefox knight with a lantern', 'e2e firefox zebra on a hill', 'e2e firefox red lighthouse'];
const ids: string[] = [];

beforeAll(async () => {
  // Trusted by name, as the README tells Firefox users who do not pair: each profile's UUID is chosen first.
  const uuids = ['6f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5', randomUUID()];
  // The first job answers after well over one sync interval (3 s), so the panel gets to see it running.
  stack = await startStack({
    fakeDelayMs: 4000,
    args: uuids.flatMap((u) => ['--allow-extension', `moz-extension://${u}`]),
  });
  [a, b] = (await Promise.all(uuids.map((uuid) => startFirefox({ uuid, companionUrl: stack.url })))) as [
    FirefoxExtension,
    FirefoxExtension,
  ];
}, 120_000);
afterAll(disposeAll);

/** `{id: status}` of every job the companion has. */
const companionStatuses = async () =>
  Object.fromEntries(
    ((await stack.getJson('/load-jobs')).jobs as { id: string; status: string }[]).map((j) => [j.id, j.status]),
  );

describe('Firefox ESR scenarios', () => {
  it('installs the build with the pinned UUID, runs an MV2 background page, and keeps Firefox on loopback', async () => {
    expect(a.geckoId).toBe('pixellab-side-panel@pixellab-side-panel.dev');
    expect(a.origin).toBe('moz-extension://6f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5');
    page = await a.openPanel();
    const background = await page.evaluate(async () => {
      const api = (globalThis as any).browser;
      const bg: Window = await api.runtime.getBackgroundPage();
      return {
        url: bg.location.href,
        scripts: [...bg.document.scripts].map((s) => new URL(s.src).pathname),
        manifestVersion: api.runtime.getManifest().manifest_version,
        // The background answers intents: the panel's only way to change anything.
        reply: await api.runtime.sendMessage({ channel: 'pixellab-intent', intent: { type: 'syncNow' } }),
      };
    });
    expect(background).toMatchObject({
      manifestVersion: 2,
      url: `${a.origin}/_generated_background_page.html`,
      scripts: ['/background.js'],
      reply: { ok: expect.any(Boolean) },
    });

    // Off-machine addresses never leave: the sinkhole proxy gets them and refuses them.
    const outcomes = await page.evaluate(async () => {
      const tryFetch = (url: string) =>
        fetch(url).then(
          (r) => `answered ${r.status}`,
          (e: Error) => `failed: ${e.name}`,
        );
      return [await tryFetch('http://example.com/'), await tryFetch('https://example.com/')];
    });
    expect(outcomes).toEqual(['failed: TypeError', 'failed: TypeError']);
    expect(a.refusedRequests).toEqual(
      expect.arrayContaining(['GET http://example.com/', expect.stringContaining('CONNECT example.com:443')]),
    );
  }, 60_000);

  it('generates a job from the form and sees it run to success; the companion has it on disk', async () => {
    await waitForCompanionStatus(page, true);
    expect(await renderedStatuses(page)).toEqual({});
    await a.screenshot(page, 'empty');

    await recordStatuses(page);
    await submitGenerate(page, { prompt: prompts[0]!, width: 48, height: 40, seed: 1234 });
    ids.push(await rowIdByPrompt(page, prompts[0]!));
    await waitForStatus(page, ids[0]!, 'running', 15_000);
    await a.screenshot(page, 'generating');
    await waitForStatus(page, ids[0]!, 'success', 20_000);
    stack.fake.setDelay(0);
    expect(await waitForThumbnail(page, ids[0]!, prompts[0]!)).toEqual({ width: 48, height: 40 });
    const seen = await statusHistory(page, ids[0]!);
    expect(seen.indexOf('running')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('running')).toBeLessThan(seen.indexOf('success'));

    const calls = stack.fake.requests.filter((r) => r.path === '/generate-image-pixflux');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      authorized: true,
      body: { description: prompts[0], image_size: { width: 48, height: 40 }, seed: 1234 },
    });
    const job = (await stack.readHistory()).jobs.find((j: { id: string }) => j.id === ids[0]);
    expect(job).toMatchObject({ prompt: prompts[0], width: 48, height: 40, seed: 1234, status: 'success' });
    const png = await readFile(path.join(stack.dataDir, 'images', `${job.image}.png`));
    expect(createHash('sha256').update(png).digest('hex')).toBe(job.image);
    expect(decodePngSize(png)).toEqual({ width: 48, height: 40 });
  }, 60_000);

  it('shows the whole history with its images after the panel reloads, light and dark', async () => {
    for (const prompt of prompts.slice(1)) {
      await submitGenerate(page, { prompt, width: 32, height: 32 });
      ids.push(await rowIdByPrompt(page, prompt));
    }
    for (const id of ids) await waitForStatus(page, id, 'success', 30_000);

    await reloadPanel(page);
    for (const [i, id] of ids.entries()) {
      await waitForStatus(page, id, 'success', 10_000);
      expect((await waitForThumbnail(page, id, prompts[i]!)).width).toBeGreaterThan(0);
    }
    expect(Object.keys(await renderedStatuses(page)).sort()).toEqual([...ids].sort());
    await waitForCompanionStatus(page, true);
    await a.screenshot(page, 'history-light');

    const dark = await a.openPanel('theme=dark');
    for (const [i, id] of ids.entries()) await waitForThumbnail(dark, id, prompts[i]!);
    await waitForCompanionStatus(dark, true);
    await a.screenshot(dark, 'history-dark');
    await dark.close();
  }, 90_000);

  it('search narrows the list to the matching prompt, and clearing it brings every job back', async () => {
    await fillByLabel(page, 'Search', 'zebra');
    await expect.poll(async () => Object.keys(await renderedStatuses(page)), { timeout: 10_000 }).toEqual([ids[1]]);
    await waitForThumbnail(page, ids[1]!, prompts[1]!);
    await a.screenshot(page, 'search');
    await fillByLabel(page, 'Search', '');
    await expect
      .poll(async () => Object.keys(await renderedStatuses(page)).sort(), { timeout: 10_000 })
      .toEqual([...ids].sort());
  }, 30_000);

  it("sync: a second profile sees A's jobs, A sees B's, and a delete in A disappears from B", async () => {
    expect(b.origin).not.toBe(a.origin);
    const pageB = await b.openPanel();
    for (const [i, id] of ids.entries()) await waitForThumbnail(pageB, id, prompts[i]!, 20_000);
    const promptB = 'e2e firefox two: blue heron';
    await submitGenerate(pageB, { prompt: promptB, width: 32, height: 32 });
    const idB = await rowIdByPrompt(pageB, promptB);
    await waitForStatus(page, idB, 'success', 20_000);
    await waitForThumbnail(page, idB, promptB);
    await waitForThumbnail(pageB, idB, promptB);
    await waitForStatus(pageB, idB, 'success');
    await b.screenshot(pageB, 'synced');

    await clickButton(page, `More actions for ${ids[2]}`);
    await clickButton(page, `Delete ${ids[2]}`);
    // The panel may ask first: confirm in its dialog if one shows up.
    const dialog = await page
      .waitForSelector('[role="dialog"], [role="alertdialog"]', { timeout: 2000 })
      .catch(() => null);
    if (dialog) await clickButton(page, 'Delete');
    const deleted = ids.pop()!;
    await page.waitForSelector(`[data-job-id="${deleted}"]`, { hidden: true, timeout: 10_000 });
    await pageB.waitForSelector(`[data-job-id="${deleted}"]`, { hidden: true, timeout: 20_000 });
    ids.push(idB);
    prompts[2] = promptB;
    expect(Object.keys(await companionStatuses()).sort()).toEqual([...ids].sort());
    await pageB.close();
  }, 90_000);

  it('GET carries no Origin, POST and PUT carry moz-extension://<uuid>, from the sidebar and the background', async () => {
    const recorder = await headerRecorder();
    await page.evaluate(async (url) => {
      const api = (globalThis as any).browser;
      const json = { 'content-type': 'application/json' };
      // The real sidebar (Firefox opens it on install) and the background page each fetch from their own window.
      const sidebar: Window | undefined = api.extension.getViews({ type: 'sidebar' })[0];
      const background: Window = await api.runtime.getBackgroundPage();
      for (const [name, win] of [
        ['sidebar', sidebar],
        ['background', background],
      ] as const) {
        if (!win) throw new Error(`no ${name} window`);
        await win.fetch(`${url}/${name}/get`);
        await win.fetch(`${url}/${name}/get-with-token`, { headers: { authorization: 'Bearer t' } });
        await win.fetch(`${url}/${name}/post`, { method: 'POST', headers: json, body: '{}' });
        await win.fetch(`${url}/${name}/put`, { method: 'PUT', headers: json, body: '{}' });
      }
    }, recorder.url);

    const none = { origin: null, site: 'same-origin', referer: null };
    const extension = { origin: a.origin, site: 'same-origin', referer: null };
    expect(recorder.seen).toEqual(
      ['sidebar', 'background'].flatMap((name) => [
        { path: `/${name}/get`, ...none },
        { path: `/${name}/get-with-token`, ...none },
        { path: `/${name}/post`, ...extension },
        { path: `/${name}/put`, ...extension },
      ]),
    );

    // The companion's reading of exactly these headers: a GET looks like a local program, a POST is an
    // extension it does not know until --allow-extension names this profile's origin.
    const classify = (s: SeenHeaders, allowExtensions: string[]) =>
      classifyCaller(
        {
          origin: s.origin ?? undefined,
          site: s.site ?? undefined,
          referer: s.referer ?? undefined,
          host: '127.0.0.1:8787',
        },
        { allowOrigins: [], allowExtensions, dashboard: true },
      );
    const [get, , post] = recorder.seen;
    expect(classify(get!, [])).toEqual({ caller: { kind: 'script', origin: null } });
    expect(classify(post!, [])).toEqual({ caller: { kind: 'extension', origin: a.origin } });
    expect(classify(post!, [parseAllowedExtension(a.origin)])).toEqual({
      caller: { kind: 'trusted-extension', origin: a.origin },
    });
    // The UUID is the profile's: B's origin is not trusted by A's flag.
    expect(classify({ ...post!, origin: b.origin }, [parseAllowedExtension(a.origin)])).toEqual({
      caller: { kind: 'extension', origin: b.origin },
    });
  }, 30_000);

  it('the toolbar button shows the panel in the sidebar and hides it; the sidebar reaches the companion', async () => {
    const sidebarId = `${widgetId(a.geckoId)}-sidebar-action`;
    // Firefox shows a new add-on's sidebar once on install: hide it, so the button has something to do.
    await a.evaluateInBrowserWindow<void>('async () => SidebarController.hide()');
    await expect.poll(() => sidebarState(a), { timeout: 10_000 }).toEqual({ open: false, shown: null, url: null });

    await clickToolbarButton(a, true);
    // The sidebar's browser loads the panel a moment after the sidebar opens.
    await expect
      .poll(() => sidebarState(a), { timeout: 10_000 })
      .toEqual({ open: true, shown: sidebarId, url: a.panelUrl() });
    // The extension sees the same: one sidebar view, the panel, online.
    const online = await page.waitForFunction(
      () => {
        const [view] = (globalThis as any).browser.extension.getViews({ type: 'sidebar' }) as Window[];
        const status = view?.document.querySelector('[data-testid="companion-status"]');
        return status?.getAttribute('data-online') === 'true' ? view!.location.href : null;
      },
      { timeout: 15_000 },
    );
    expect(await online.jsonValue()).toBe(a.panelUrl());
    expect(await page.evaluate(() => (globalThis as any).browser.sidebarAction.isOpen({}))).toBe(true);

    await clickToolbarButton(a, false);
    await expect.poll(() => sidebarState(a), { timeout: 10_000 }).toEqual({ open: false, shown: null, url: null });
  }, 45_000);

  it('offline: shows the history without the companion, holds a new job, and runs it when the companion is back', async () => {
    await stack.stopCompanion();
    // A panel opened while the companion is down: everything comes from storage.local.
    await page.close();
    page = await a.openPanel();
    for (const [i, id] of ids.entries()) await waitForThumbnail(page, id, prompts[i]!, 10_000);
    await waitForCompanionStatus(page, false, 20_000);

    const waitingPrompt = 'e2e firefox offline queued wizard';
    await submitGenerate(page, { prompt: waitingPrompt, width: 32, height: 32 });
    const waitingId = await rowIdByPrompt(page, waitingPrompt);
    await waitForStatus(page, waitingId, 'idle', 10_000);
    await expect.poll(() => page.$eval(`[data-job-id="${waitingId}"]`, (row) => row.textContent)).toContain('Waiting');
    await a.screenshot(page, 'offline');

    await stack.restartCompanion();
    expect(stack.companion.port).toBe(stack.port);
    await waitForStatus(page, waitingId, 'success', 30_000);
    await waitForThumbnail(page, waitingId, waitingPrompt);
    await waitForCompanionStatus(page, true);
    // Both sides agree on every job and its status.
    await expect.poll(() => renderedStatuses(page), { timeout: 15_000 }).toEqual(await companionStatuses());
    expect(Object.keys(await companionStatuses()).sort()).toEqual([...ids, waitingId].sort());
  }, 90_000);

  it('an unknown moz-extension origin is asked to pair on its first write; paired, its waiting job runs', async () => {
    // A companion that trusts no extension, and a fresh install (its own id, so its own storage and UUID).
    const strict = await startStack();
    const fresh = await b.install(await buildUnderFreshId('pairing'));
    await fresh.configure({ companionUrl: strict.url });
    const freshPage = await fresh.openPanel();
    // /health (a GET) passes: the panel is online, and nothing asks to pair before the first write.
    await waitForCompanionStatus(freshPage, true);
    const prompt = 'e2e firefox paired owl';
    const seen = strict.companion.logs.length;
    await submitGenerate(freshPage, { prompt, width: 32, height: 32 });
    const id = await rowIdByPrompt(freshPage, prompt);

    // The job's POST carries moz-extension://<uuid>, which this companion does not know: 401, pair first.
    await clickButton(freshPage, 'Pair with companion', 20_000);
    let code = '';
    await expect
      .poll(
        () => {
          const line = strict.companion.logs.slice(seen).find((l) => l.startsWith('Pairing request from'));
          code = /enter code (\d{6})/.exec(line ?? '')?.[1] ?? '';
          return line ?? '';
        },
        { timeout: 10_000 },
      )
      .toContain(`"PixelLab Side Panel (Firefox)" (${fresh.origin})`);
    expect((await strict.readHistory()).jobs).toEqual([]);
    await fillByLabel(freshPage, 'Pairing code', code);
    await clickButton(freshPage, 'Confirm pairing');
    await expect.poll(() => strict.companion.logs).toContain('Paired with "PixelLab Side Panel (Firefox)".');

    await waitForStatus(freshPage, id, 'success', 30_000);
    expect(await waitForThumbnail(freshPage, id, prompt)).toEqual({ width: 32, height: 32 });
    expect((await strict.readHistory()).jobs.map((j: { id: string }) => j.id)).toEqual([id]);
  }, 90_000);
});

describe('Firefox storage.local quota', () => {
  /** The limit measured with unlimitedStorage (Firefox's global limit), for the comparison without it. */
  let persistentLimit = Number.NaN;
  // Fresh installs in B, away from the companion: port 9 (discard) has no listener on loopback.
  const quiet = { companionUrl: 'http://127.0.0.1:9' };

  it('with unlimitedStorage (the shipped manifest): persistent storage, bounded only by the global limit', async () => {
    const shipped = await b.install(await buildUnderFreshId('storage'));
    await shipped.configure(quiet);
    const state = await storageState(shipped);
    expect(state).toMatchObject({ origin: `${shipped.origin}^userContextId=4294967295`, persisted: true });
    expect(state.persistentPermission).toBe(true);
    expect(state.usage).toBeGreaterThan(0);
    persistentLimit = state.limit;
  }, 60_000);

  it('without it: a history past 10 MB still fits, but as best-effort storage Firefox may evict', async () => {
    // Past Chrome's 10 MB QUOTA_BYTES, where a quota would bite; with unlimitedStorage the limit is higher still.
    const history = bigHistory();
    expect(history.imageBytes).toBeGreaterThan(10 * MB);
    const limited = await b.install(await buildWithoutUnlimitedStorage());
    await limited.configure(quiet);
    const before = await storageState(limited);
    expect(before).toMatchObject({ persisted: false, persistentPermission: false });

    await importAndReadBack(limited, history.text);
    const after = await storageState(limited);
    expect(after.usage).toBeGreaterThan(10 * MB);
    expect(after.persisted).toBe(false);
    // Best-effort storage answers to the group limit, a part of the global one persistent storage has.
    expect(after.limit).toBeLessThan(persistentLimit);
  }, 90_000);
});
