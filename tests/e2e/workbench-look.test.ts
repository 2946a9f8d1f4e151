/**
 * The workbench's look through the built extension: the history keeps most of a 900 px panel, a job opens in
 * the detail view at integer zoom (crisp, measured), Next, star and rate, compare, and keyboard triage.
 * Screenshots: workbench-grid, workbench-detail-light/-dark, workbench-compare, workbench-wide.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { decodePng } from '../../utils/export/png';
import { makeSprite } from '../fixtures/png';
import { disposeAll, jobRow, type Stack, startBrowser, startStack, waitForThumbnail } from './harness';

afterEach(disposeAll);

const COUNT = 12;
const idOf = (i: number) => `job-look-${String(i).padStart(2, '0')}`;
const promptOf = (i: number) => `look sprite ${i}${i % 3 === 0 ? ' with a transparent background' : ''}`;

/** Jobs 0..11 (11 newest), 32x32 sprites, every third transparent; job 11 is a rotation of job 10. */
async function seed(stack: Stack): Promise<void> {
  const images: Record<string, string> = {};
  const hashes: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const png = makeSprite(32, 32, `look-${i}`, i % 3 === 0);
    const hash = createHash('sha256').update(png).digest('hex');
    images[hash] = Buffer.from(png).toString('base64');
    hashes.push(hash);
  }
  const start = Date.now() - COUNT * 60_000;
  const jobs = Array.from({ length: COUNT }, (_, i) => {
    const createdAt = start + i * 60_000;
    const rotation = i === COUNT - 1;
    return {
      id: idOf(i),
      kind: rotation ? 'rotate' : 'generate',
      prompt: rotation ? `${promptOf(i - 1)} (east)` : promptOf(i),
      width: 32,
      height: 32,
      seed: 100 + i,
      status: 'success',
      error: null,
      image: hashes[i],
      rotate: rotation
        ? { toDirection: 'east', fromDirection: null, sourceJobId: idOf(i - 1), sourceImage: hashes[i - 1] }
        : null,
      groupId: null,
      options: rotation
        ? { mode: 'rotate' }
        : { mode: 'pixflux', outline: 'selective outline', no_background: i % 3 === 0 },
      startTime: createdAt + 100,
      endTime: createdAt + 2600,
      duration: 2.5,
      usd: 0.0125,
      createdAt,
      updatedAt: createdAt + 2600,
      deleted: false,
    };
  });
  const { status, body } = await stack.postJson('/api/v1/push', {
    requestId: 'e2e-look-seed',
    clientId: 'e2e-seeder',
    changes: jobs,
    images,
  });
  expect(status, JSON.stringify(body).slice(0, 500)).toBe(200);
}

async function openSeeded(theme: 'light' | 'dark' = 'light') {
  const stack = await startStack();
  await seed(stack);
  const browser = await startBrowser({ companionUrl: stack.url });
  const page = await browser.openPanel(`theme=${theme}`);
  await page.emulateMedia({ colorScheme: theme });
  await waitForThumbnail(page, idOf(COUNT - 1), `${promptOf(COUNT - 2)} (east)`, 30_000);
  return { stack, browser, page };
}

/** Height of the history's list area, and the panel's. */
function listShare(page: Page): Promise<{ list: number; panel: number }> {
  return page.evaluate(() => ({
    list: document.querySelector('.list-area')!.getBoundingClientRect().height,
    panel: window.innerHeight,
  }));
}

describe('the workbench look', () => {
  it('leaves at least 60% of a 400x900 panel to the history', async () => {
    const { browser, page } = await openSeeded();
    await page.setViewportSize({ width: 400, height: 900 });
    // What the resize sets off (a resize event, a re-render) may take more than one tick: polled, not read once.
    const share = async () => {
      const { list, panel } = await listShare(page);
      return { panel, share: list / panel };
    };
    await expect.poll(async () => (await share()).panel).toBe(900);
    await expect.poll(async () => (await share()).share).toBeGreaterThanOrEqual(0.6);
    await browser.screenshot(page, 'workbench-top');
  }, 90_000);

  it('opens a job in the detail view at an exact 4x, walks to the next, stars and rates it, and compares two', async () => {
    const { browser, page } = await openSeeded();
    const newest = idOf(COUNT - 1);
    const next = idOf(COUNT - 2);
    await page.getByRole('button', { name: `Open details of ${newest}`, exact: true }).click();
    const detail = page.getByRole('dialog');
    await expect
      .poll(() => detail.getByRole('heading', { level: 2 }).textContent())
      .toBe(`${promptOf(COUNT - 2)} (east)`);
    // The rotation names its source, as a link to it.
    await expect.poll(() => detail.getByRole('button', { name: promptOf(COUNT - 2), exact: true }).count()).toBe(1);

    await detail.getByRole('button', { name: 'Zoom 4×', exact: true }).click();
    const img = detail.getByRole('img', { name: `${promptOf(COUNT - 2)} (east)` });
    // The zoom is applied by the click's re-render: polled, not read once right after it.
    await expect
      .poll(() =>
        img.evaluate((el: HTMLImageElement) => ({
          width: el.getBoundingClientRect().width,
          height: el.getBoundingClientRect().height,
          natural: el.naturalWidth,
          rendering: getComputedStyle(el).imageRendering,
        })),
      )
      .toEqual({ width: 128, height: 128, natural: 32, rendering: 'pixelated' });
    // Crisp: every source pixel is a uniform 4x4 block on screen, no smoothing between them.
    // Chromium paints an image on whole device pixels: the blocks start at the rounded box.
    const box = await img.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { x: Math.round(r.x), y: Math.round(r.y) };
    });
    const shot = decodePng(
      new Uint8Array(await page.screenshot({ clip: { x: box.x, y: box.y, width: 128, height: 128 } })),
    );
    expect([shot.width, shot.height]).toEqual([128, 128]);
    let blurred = 0;
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++) {
        const at = (y * 128 + x) * 4;
        const corner = ((y - (y % 4)) * 128 + (x - (x % 4))) * 4;
        for (let c = 0; c < 3; c++) if (Math.abs(shot.data[at + c]! - shot.data[corner + c]!) > 2) blurred++;
      }
    expect(blurred).toBe(0);
    await detail.getByRole('checkbox', { name: 'Pixel grid' }).check();
    await browser.screenshot(page, 'workbench-detail-light');

    await detail.getByRole('button', { name: /Next/ }).click();
    await expect.poll(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe(promptOf(COUNT - 2));
    await expect
      .poll(() => detail.getByRole('button', { name: 'Zoom 4×', exact: true }).getAttribute('aria-pressed'))
      .toBe('true');
    // Its rotation is listed under Derived.
    await expect.poll(() => detail.getByRole('button', { name: `${promptOf(COUNT - 2)} (east)` }).count()).toBe(1);

    await detail.getByRole('button', { name: 'Star', exact: true }).click();
    await detail.getByRole('button', { name: 'Rate 4', exact: true }).click();
    await expect
      .poll(() => detail.getByRole('button', { name: 'Star', exact: true }).getAttribute('aria-pressed'), {
        timeout: 10_000,
      })
      .toBe('true');
    await expect
      .poll(() => detail.getByRole('button', { name: 'Rate 4', exact: true }).getAttribute('aria-pressed'), {
        timeout: 10_000,
      })
      .toBe('true');

    await detail.getByRole('button', { name: 'Compare…' }).click();
    const compare = page.getByRole('dialog', { name: 'Compare 2 jobs' });
    await expect.poll(() => compare.locator('figure').count()).toBe(2);
    await compare.getByRole('button', { name: 'Zoom 4×', exact: true }).click();
    await browser.screenshot(page, 'workbench-compare');
    await compare.getByRole('button', { name: 'Swipe', exact: true }).click();
    await compare.getByLabel('Swipe position').fill('30');
    await browser.screenshot(page, 'workbench-compare-swipe');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    // The row shows the star and rating the detail view set.
    await expect.poll(() => jobRow(page, next).locator('.job-marks').textContent()).toBe('★ starred4/5 rating');

    // Dark theme, the same view.
    const dark = await browser.openPanel('theme=dark');
    await dark.emulateMedia({ colorScheme: 'dark' });
    await waitForThumbnail(dark, next, promptOf(COUNT - 2), 30_000);
    await dark.getByRole('button', { name: `Open details of ${next}`, exact: true }).click();
    await dark.getByRole('dialog').getByRole('button', { name: 'Zoom 4×', exact: true }).click();
    await browser.screenshot(dark, 'workbench-detail-dark');
  }, 120_000);

  it('triages from the keyboard: j/k move focus, Enter opens, Esc closes, ? lists the keys; grid and wide screenshots', async () => {
    const { browser, page } = await openSeeded();
    const first = page.getByRole('button', { name: `Open details of ${idOf(COUNT - 1)}`, exact: true });
    await first.focus();
    await page.keyboard.press('j');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    await expect.poll(focused).toBe(`Open details of ${idOf(COUNT - 2)}`);
    await page.keyboard.press('j');
    // Each move lands before the next key, so k starts from where j went.
    await expect.poll(focused).toBe(`Open details of ${idOf(COUNT - 3)}`);
    await page.keyboard.press('k');
    await expect.poll(focused).toBe(`Open details of ${idOf(COUNT - 2)}`);
    // Focus is visible: an outline on the focused thumbnail.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('dialog').getByRole('heading', { level: 2 }).textContent())
      .toBe(promptOf(COUNT - 2));
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    // Focus goes back to the row once the view has unmounted, a frame after the dialog left (CI read it between).
    await expect.poll(focused).toBe(`Open details of ${idOf(COUNT - 2)}`);
    await page.keyboard.press('?');
    await expect.poll(() => page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(1);
    // Pressed at once: the sheet takes focus as it renders, so Escape never goes to the list behind it.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    // A row's menu opens over the list (not clipped by its row) and its items act.
    await page.getByRole('button', { name: `More actions for ${idOf(5)}`, exact: true }).click();
    await page.getByRole('menuitem', { name: `Reuse ${idOf(5)} in the form`, exact: true }).click();
    await expect.poll(() => page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(promptOf(5));

    // The grid at the panel's width, then wide (it is a grid by itself from 700 px).
    await page.getByRole('button', { name: 'Show as grid', exact: true }).click();
    await expect.poll(() => page.locator('.tile-row').count()).toBeGreaterThan(0);
    await browser.screenshot(page, 'workbench-grid');
    await page.getByRole('button', { name: 'Show as grid', exact: true }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => page.locator('section.job-list').getAttribute('data-layout')).toBe('grid');
    await browser.screenshot(page, 'workbench-wide');
  }, 120_000);
});
