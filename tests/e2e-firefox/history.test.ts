/**
 * The core scenarios in Firefox ESR, in one profile against the real companion and the fake PixelLab:
 * generate a job and see it run to success; the history with its images after the panel reloads; search.
 * The tests run in order and share the profile (a Firefox start costs seconds on two cores).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePngSize } from '../fixtures/png';
import { disposeAll, type FirefoxExtension, type Stack, startFirefox, startStack } from './harness';
import {
  fillByLabel,
  recordStatuses,
  renderedStatuses,
  rowIdByPrompt,
  statusHistory,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './panel';

let stack: Stack;
let firefox: FirefoxExtension;
let page: Page;
const prompts = ['e2e firefox knight with a lantern', 'e2e firefox zebra on a hill', 'e2e firefox red lighthouse'];
const ids: string[] = [];

beforeAll(async () => {
  // Well over one sync interval (3 s), so the panel gets to see the first job running.
  // Trusted by name, as the README tells Firefox users who do not pair: the profile's UUID is chosen first.
  const uuid = randomUUID();
  stack = await startStack({ fakeDelayMs: 4000, args: ['--allow-extension', `moz-extension://${uuid}`] });
  firefox = await startFirefox({ uuid, companionUrl: stack.url });
}, 90_000);
afterAll(disposeAll);

/** Reloads the panel tab (its reload never resolves for moz-extension://) and waits for the new document. */
async function reloadPanel(p: Page): Promise<void> {
  await p.evaluate(() => ((window as any).__beforeReload = true));
  p.reload().catch(() => undefined);
  await p.waitForFunction(() => !(window as any).__beforeReload && document.querySelector('#gen-prompt'), {
    timeout: 20_000,
  });
}

describe('Firefox: generate, history, search', () => {
  it('generates a job from the form and sees it run to success; the companion has it on disk', async () => {
    page = await firefox.openPanel();
    await waitForCompanionStatus(page, true);
    expect(await renderedStatuses(page)).toEqual({});
    await firefox.screenshot(page, 'empty');

    await recordStatuses(page);
    await submitGenerate(page, { prompt: prompts[0]!, width: 48, height: 40, seed: 1234 });
    ids.push(await rowIdByPrompt(page, prompts[0]!));
    await waitForStatus(page, ids[0]!, 'running', 15_000);
    await firefox.screenshot(page, 'generating');
    await waitForStatus(page, ids[0]!, 'success', 20_000);
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

  it('shows the whole history with its images after the panel reloads', async () => {
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
    await firefox.screenshot(page, 'history-light');

    const dark = await firefox.openPanel('theme=dark');
    for (const [i, id] of ids.entries()) await waitForThumbnail(dark, id, prompts[i]!);
    await waitForCompanionStatus(dark, true);
    await firefox.screenshot(dark, 'history-dark');
    await dark.close();
  }, 90_000);

  it('search narrows the list to the matching prompt, and clearing it brings every job back', async () => {
    await fillByLabel(page, 'Search', 'zebra');
    await expect.poll(async () => Object.keys(await renderedStatuses(page)), { timeout: 10_000 }).toEqual([ids[1]]);
    await waitForThumbnail(page, ids[1]!, prompts[1]!);
    await firefox.screenshot(page, 'search');
    await fillByLabel(page, 'Search', '');
    await expect
      .poll(async () => Object.keys(await renderedStatuses(page)).sort(), { timeout: 10_000 })
      .toEqual([...ids].sort());
  }, 30_000);
});
