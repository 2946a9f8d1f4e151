/**
 * Issue 15, find and act on many: filter by status and rating through the filter bar, each filter a chip that
 * removes itself; Shift-click selects a range; the bulk bar stars and rates it; the selection downloads as
 * CSV and as a ZIP of its PNGs. Driven by visible labels and roles; screenshots `find-chips`, `filter-menu`, `bulk-selection`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToPngDataUrl } from '../../utils/domain/data-url';
import { blankPixels, decodePng, encodePng } from '../../utils/export/png';
import { makeTempDir } from '../helpers/temp-dir';
import { disposeAll, jobRows, onDispose, startBrowser, startStack, waitForStatus } from './harness';

afterEach(disposeAll);

const creatures = ['frost golem', 'ember fox', 'moss troll', 'storm owl', 'sand wyrm', 'ink slime'];

/** Six finished jobs with their own 8x8 PNG (red = n * 40), and two failed ones, in the old file format. */
async function seedFile(dir: string): Promise<string> {
  const png = (n: number) => {
    const pixels = blankPixels(8, 8);
    for (let i = 0; i < 64; i++) pixels.data.set([n * 40, 80, 160, 255], i * 4);
    return bytesToPngDataUrl(encodePng(pixels));
  };
  const base = Date.UTC(2026, 0, 10, 12);
  const jobs = [
    ...creatures.map((prompt, i) => ({
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
    })),
    ...[7, 8].map((n) => ({
      id: `job-${n}`,
      prompt: `e2e failed bat ${n}`,
      width: 32,
      height: 32,
      seed: null,
      status: 'error',
      result: null,
      error: 'HTTP 429: rate limited',
      startTime: base + n * 60_000,
      endTime: base + n * 60_000 + 300,
      duration: 0.3,
      createdAt: base + n * 60_000,
    })),
  ];
  const file = path.join(dir, 'job_history.json');
  await writeFile(file, JSON.stringify({ jobs, lastJobId: 8, savedAt: new Date(base).toISOString(), version: '1.0' }));
  return file;
}

const caption = (page: Page) => page.locator('#job-count');
const rowOf = (page: Page, prompt: string) => jobRows(page).filter({ hasText: prompt });
const bar = (page: Page) => page.getByRole('region', { name: 'Selection' });

async function download(page: Page, click: () => Promise<void>, dir: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  const saved = path.join(dir, file.suggestedFilename());
  await file.saveAs(saved);
  return saved;
}

describe('find and act on many', () => {
  it('filters by status and rating with chips, selects a range, stars and rates it, and downloads it', async () => {
    const temp = await makeTempDir('pixellab-e2e-find-');
    onDispose('find temp dir', temp.remove);
    const stack = await startStack({ seedFile: await seedFile(temp.dir) });
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await waitForStatus(page, 'job-1', 'success', 20_000);
    await expect.poll(() => caption(page).textContent(), { timeout: 20_000 }).toBe('8 jobs');

    // Status through its select: a chip says so, and removing the chip undoes it.
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Failed' });
    await expect.poll(() => caption(page).textContent()).toBe('2 of 8');
    const removeStatus = page.getByRole('button', { name: 'Remove filter: Status: Failed' });
    await removeStatus.click();
    await expect.poll(() => caption(page).textContent()).toBe('8 jobs');
    await expect.poll(() => removeStatus.count()).toBe(0);

    // Shift-click selects the range between two rows (newest first: the ink slime down to the moss troll).
    await rowOf(page, 'e2e ink slime').getByText('e2e ink slime').click();
    await rowOf(page, 'e2e moss troll')
      .getByText('e2e moss troll')
      .click({ modifiers: ['Shift'] });
    await expect
      .poll(() =>
        bar(page)
          .getByText(/selected$/)
          .textContent(),
      )
      .toBe('4 selected');
    await bar(page).getByRole('button', { name: 'Star', exact: true }).click();
    await page.getByLabel('Rate the selected jobs').selectOption({ label: '★★★★ 4' });
    await expect.poll(() => page.getByTestId('toast').textContent()).toBe('Rated 4 jobs 4 of 5');
    await browser.screenshot(page, 'bulk-selection');

    // Rating 4+ and Starred in the filter menu: two chips, the four rows.
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await page.getByLabel('Rating', { exact: true }).selectOption({ label: '4+ stars' });
    await page.getByLabel('Starred', { exact: true }).check();
    await browser.screenshot(page, 'filter-menu');
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await expect.poll(() => caption(page).textContent()).toBe('4 of 8');
    const chips = page.getByRole('list', { name: 'Active filters' });
    await expect.poll(() => chips.locator('.chip-label').allTextContents()).toEqual(['Starred', 'Rating ≥ 4']);
    await browser.screenshot(page, 'find-chips');
    await page.getByRole('button', { name: 'Remove filter: Starred' }).click();
    await expect.poll(() => caption(page).textContent()).toBe('4 of 8');

    // Select all matching, then the files.
    await rowOf(page, 'e2e sand wyrm').getByText('e2e sand wyrm').click();
    await page.getByRole('button', { name: 'Select all 4' }).click();
    await expect
      .poll(() =>
        bar(page)
          .getByText(/selected$/)
          .textContent(),
      )
      .toBe('4 selected');

    const csv = await readFile(
      await download(page, () => bar(page).getByRole('button', { name: 'Export CSV' }).click(), temp.dir),
      'utf8',
    );
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('id,created,prompt,size,status,rating,tags,boards,cost_usd');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 1).concat(l.split(',').slice(3, 6)))).toEqual(
      ['job-6', 'job-5', 'job-4', 'job-3'].map((id) => [id, '8x8', 'success', '4']),
    );

    await page.getByLabel('ZIP image scale').selectOption({ label: '4×' });
    const zip = unzipSync(
      await readFile(
        await download(page, () => bar(page).getByRole('button', { name: 'Download ZIP' }).click(), temp.dir),
      ),
    );
    expect(Object.keys(zip).sort()).toEqual([
      'e2e_ink_slime_job-6@4x.png',
      'e2e_moss_troll_job-3@4x.png',
      'e2e_sand_wyrm_job-5@4x.png',
      'e2e_storm_owl_job-4@4x.png',
    ]);
    const owl = decodePng(zip['e2e_storm_owl_job-4@4x.png']!);
    expect([owl.width, owl.height, owl.data[0]]).toEqual([32, 32, 4 * 40]);
  }, 120_000);
});
