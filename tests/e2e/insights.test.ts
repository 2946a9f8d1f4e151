/**
 * Insights (issue 21): paid jobs through the fake PixelLab, then Insights opened by its visible name reads
 * today's spend as the companion counts it, draws its plots, and a failure reason filters the history to it.
 * Screenshots in both themes, at the panel's width and wide.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCost } from '@/components/format';
import { LEDGER_CSV_HEADER } from '@/utils/domain';
import { makeTempDir } from '../helpers/temp-dir';
import {
  disposeAll,
  jobRows,
  onDispose,
  rowIdByPrompt,
  startBrowser,
  startStack,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
} from './harness';

afterEach(disposeAll);

import type { Page } from 'playwright-core';

async function openInsights(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Insights', exact: true }).click();
  await page.getByRole('heading', { name: 'Insights', exact: true }).waitFor();
  // Every plot that has data is drawn on its canvas before anyone looks.
  for (const id of ['plot-spend', 'plot-jobs', 'plot-durations'])
    await page.locator(`[data-testid="${id}"][data-drawn="true"] canvas`).waitFor({ timeout: 10_000 });
}

describe('Insights', () => {
  it("reads today's spend after paid jobs, draws its plots, and filters the history by a failure reason", async () => {
    const stack = await startStack();
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel('theme=light');
    await waitForCompanionStatus(page, true);

    const made: Array<{ prompt: string; width: number; height: number }> = [
      { prompt: 'e2e insights knight', width: 64, height: 64 },
      { prompt: 'e2e insights castle', width: 64, height: 64 },
      { prompt: 'e2e insights slime', width: 32, height: 32 },
    ];
    for (const job of made) {
      await submitGenerate(page, job);
      await waitForStatus(page, await rowIdByPrompt(page, job.prompt), 'success');
    }
    stack.fake.failNext({ status: 401, detail: 'Invalid API token' });
    const failedPrompt = 'e2e insights unlucky mushroom';
    await submitGenerate(page, { prompt: failedPrompt, width: 32, height: 32 });
    const failedId = await rowIdByPrompt(page, failedPrompt);
    await waitForStatus(page, failedId, 'error');

    const history = await stack.readHistory();
    const spent = history.jobs.reduce((sum: number, j: { usd?: number | null }) => sum + (j.usd ?? 0), 0);
    expect(spent).toBeGreaterThan(0);
    const guard = await stack.getJson('/api/v1/spend');
    expect(guard.todayUsd).toBeCloseTo(spent, 9);

    await openInsights(page);
    await expect.poll(() => page.getByTestId('spent-today').textContent(), { timeout: 10_000 }).toBe(formatCost(spent));
    // The plots say in words what they draw.
    await expect
      .poll(() => page.getByTestId('spend-summary').textContent(), { timeout: 10_000 })
      .toContain(`generate ${formatCost(spent)}`);
    const reasons = page.getByRole('region', { name: 'Why jobs failed' });
    // The "Queued" toast of the last job has gone: it would cover the heading in the screenshot.
    await expect.poll(() => page.locator('.toast.visible').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => reasons.getByRole('button').count(), { timeout: 10_000 }).toBe(1);
    await browser.screenshot(page, 'insights-light');

    // The ledger behind the plots, from the companion through the background: one row per paid call.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download ledger (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^pixellab-ledger-.*\.csv$/);
    const temp = await makeTempDir('pixellab-e2e-ledger-');
    onDispose('ledger dir', temp.remove);
    const file = path.join(temp.dir, download.suggestedFilename());
    await download.saveAs(file);
    const [header, ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\r\n');
    expect(header).toBe(LEDGER_CSV_HEADER.join(','));
    const paid = history.jobs.filter((j: { usd?: number | null }) => (j.usd ?? 0) > 0);
    expect(lines.map((l) => l.split(',')[1]).sort()).toEqual(paid.map((j: { id: string }) => j.id).sort());
    await reasons.scrollIntoViewIfNeeded();
    await browser.screenshot(page, 'insights-light-lower');

    const dark = await browser.openPanel('theme=dark');
    await waitForCompanionStatus(dark, true);
    await openInsights(dark);
    await expect.poll(() => dark.getByTestId('spent-today').textContent()).toBe(formatCost(spent));
    await browser.screenshot(dark, 'insights-dark');
    await dark.close();

    // A failure reason is one click from the jobs that failed with it.
    await reasons.getByRole('button').first().click();
    await page.getByTestId('reason-filter').waitFor();
    await expect.poll(() => jobRows(page).count(), { timeout: 10_000 }).toBe(1);
    expect(await jobRows(page).first().getAttribute('data-job-id')).toBe(failedId);
    await page.getByRole('button', { name: /^Remove filter: Failed with/ }).click();
    await expect.poll(() => jobRows(page).count(), { timeout: 10_000 }).toBe(made.length + 1);
  }, 120_000);
});
