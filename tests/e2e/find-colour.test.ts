/**
 * Issue 16, find jobs by colour: the detail view shows the image's exact colours; clicking one lists only the
 * jobs whose image holds it (the background indexed each image once it was stored), as a chip that combines with
 * the search words and removes itself. The filter menu takes a colour as #rrggbb. Screenshots `detail-palette`,
 * `find-colour` (and `find-colour-dark`), `filter-menu-colour`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToPngDataUrl } from '../../utils/domain/data-url';
import { blankPixels, encodePng } from '../../utils/export/png';
import { makeTempDir } from '../helpers/temp-dir';
import { disposeAll, jobRows, onDispose, startBrowser, startStack, waitForStatus } from './harness';

afterEach(disposeAll);

const creatures = ['frost golem', 'ember fox', 'moss troll', 'storm owl', 'sand wyrm', 'ink slime'];
/** The green every odd job's image holds (and no even one). */
const SHARED = [0x22, 0xaa, 0x44];

/** Six finished 8x8 jobs: a colour of their own on the left half, the shared green on the right of odd ones. */
async function seedFile(dir: string): Promise<string> {
  const png = (n: number) => {
    const pixels = blankPixels(8, 8);
    for (let i = 0; i < 64; i++) {
      const right = i % 8 >= 4;
      const colour = right && n % 2 === 1 ? SHARED : [n * 40, 80, 160];
      // The bottom row is transparent (#010203 at alpha 0): no colour of the palette.
      pixels.data.set(i >= 56 ? [1, 2, 3, 0] : [...colour, 255], i * 4);
    }
    return bytesToPngDataUrl(encodePng(pixels));
  };
  const base = Date.UTC(2026, 0, 10, 12);
  const jobs = creatures.map((prompt, i) => ({
    id: `job-${i + 1}`,
    prompt: `e2e ${prompt}`,
    width: 8,
    height: 8,
    seed: i,
    status: 'success',
    result: png(i + 1),
    error: null,
    startTime: base + i * 60_000,
    endTime: base + i * 60_000 + 2000,
    duration: 2,
    createdAt: base + i * 60_000,
  }));
  const file = path.join(dir, 'job_history.json');
  await writeFile(file, JSON.stringify({ jobs, lastJobId: 6, savedAt: new Date(base).toISOString(), version: '1.0' }));
  return file;
}

const caption = (page: Page) => page.locator('#job-count');
const listedIds = (page: Page) => jobRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));

describe('find jobs by colour', () => {
  it('a swatch of the detail view lists only the jobs holding that colour, and the filter menu takes a hex', async () => {
    const temp = await makeTempDir('pixellab-e2e-colour-');
    onDispose('colour temp dir', temp.remove);
    const stack = await startStack({ seedFile: await seedFile(temp.dir) });
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await waitForStatus(page, 'job-1', 'success', 20_000);
    await expect.poll(() => caption(page).textContent(), { timeout: 20_000 }).toBe('6 jobs');

    // The detail view of the ember fox (job-2: its own colour only) and of the frost golem (job-1: and the green).
    await page.getByRole('button', { name: 'Open details of job-1' }).click();
    const dialog = page.getByRole('dialog', { name: 'e2e frost golem' });
    const palette = dialog.getByRole('region', { name: 'Colours' });
    await expect
      .poll(() => palette.getByRole('button').evaluateAll((b) => b.map((x) => x.getAttribute('aria-label'))), {
        timeout: 10_000,
      })
      .toEqual(['Find jobs with colour #22aa44', 'Find jobs with colour #2850a0']);
    await browser.screenshot(page, 'detail-palette');

    await palette.getByRole('button', { name: 'Find jobs with colour #22aa44' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    const chips = page.getByRole('list', { name: 'Active filters' });
    await expect.poll(() => chips.locator('.chip-label').allTextContents()).toEqual(['Colour #22aa44']);
    // The background indexes each image after the sync stored it: the list fills as it does.
    await expect.poll(() => caption(page).textContent(), { timeout: 15_000 }).toBe('3 of 6');
    await expect.poll(() => listedIds(page)).toEqual(['job-5', 'job-3', 'job-1']);
    await browser.screenshot(page, 'find-colour');

    // With the words of the search box.
    await page.getByLabel('Search', { exact: true }).fill('troll');
    await expect.poll(() => listedIds(page)).toEqual(['job-3']);
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Remove filter: Colour #22aa44' }).click();
    await expect.poll(() => caption(page).textContent()).toBe('6 jobs');

    // The filter menu: the ember fox's own colour, typed.
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await page.getByLabel('Colour', { exact: true }).fill('#5050A0');
    await expect.poll(() => listedIds(page)).toEqual(['job-2']);
    // A colour of transparent pixels only is no colour of any job.
    await page.getByLabel('Colour', { exact: true }).fill('#010203');
    await expect.poll(() => caption(page).textContent()).toBe('0 of 6');
    await page.getByLabel('Colour', { exact: true }).fill('#22aa44');
    await expect.poll(() => caption(page).textContent()).toBe('3 of 6');
    await browser.screenshot(page, 'filter-menu-colour');

    const dark = await browser.openPanel('theme=dark');
    await expect.poll(() => caption(dark).textContent(), { timeout: 20_000 }).toBe('6 jobs');
    await dark.getByRole('button', { name: 'Open details of job-3' }).click();
    await dark.getByRole('button', { name: 'Find jobs with colour #22aa44' }).click();
    await expect.poll(() => caption(dark).textContent()).toBe('3 of 6');
    await browser.screenshot(dark, 'find-colour-dark');
  }, 120_000);
});
