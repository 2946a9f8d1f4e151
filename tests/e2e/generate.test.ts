/**
 * Scenario 1: type a prompt, set size and seed, press Generate. The row shows running, then success with its
 * image; job_history.json and the PNG are on disk in the companion's data dir.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCost } from '@/components/format';
import { decodePngSize } from '../fixtures/png';
import {
  disposeAll,
  jobRows,
  recordStatuses,
  rowIdByPrompt,
  startBrowser,
  startStack,
  statusHistory,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

describe('generate from the panel', () => {
  it('runs a job to success, shows its image, and the companion has it on disk', async () => {
    // Well over one sync interval (3 s), so the panel gets to see the job running.
    const stack = await startStack({ fakeDelayMs: 5000 });
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await page.getByRole('button', { name: 'Generate', exact: true }).waitFor();
    await waitForCompanionStatus(page, true);
    await expect.poll(() => jobRows(page).count()).toBe(0);
    await browser.screenshot(page, 'empty');

    await recordStatuses(page);
    const prompt = 'e2e knight with a lantern';
    await submitGenerate(page, { prompt, width: 48, height: 40, seed: 1234 });
    const id = await rowIdByPrompt(page, prompt);

    await waitForStatus(page, id, 'running', 15_000);
    await browser.screenshot(page, 'generating');
    await waitForStatus(page, id, 'success', 20_000);
    expect(await waitForThumbnail(page, id, prompt)).toEqual({ width: 48, height: 40 });
    const seen = await statusHistory(page, id);
    expect(seen.at(-1)).toBe('success');
    expect(seen).toContain('running');
    expect(seen.indexOf('running')).toBeLessThan(seen.indexOf('success'));

    // PixelLab was asked for exactly what the form said.
    const calls = stack.fake.requests.filter((r) => r.path === '/generate-image-pixflux');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      authorized: true,
      body: { description: prompt, image_size: { width: 48, height: 40 }, seed: 1234 },
    });

    // On disk: the job in job_history.json, its image as a PNG named by its sha-256.
    const history = await stack.readHistory();
    const job = history.jobs.find((j: { id: string }) => j.id === id);
    expect(job).toMatchObject({ id, prompt, width: 48, height: 40, seed: 1234, status: 'success' });
    expect(job.image).toMatch(/^[0-9a-f]{64}$/);
    const png = await readFile(path.join(stack.dataDir, 'images', `${job.image}.png`));
    expect(createHash('sha256').update(png).digest('hex')).toBe(job.image);
    expect(decodePngSize(png)).toEqual({ width: 48, height: 40 });

    // What it cost: on the job's row, and in today's spend beside the daily limit (default $10).
    expect(job.usd).toBeGreaterThan(0);
    await expect.poll(() => page.locator(`[data-job-id="${id}"] .job-cost`).textContent()).toBe(formatCost(job.usd));
    await expect
      .poll(() => page.getByTestId('spend-today').textContent(), { timeout: 10_000 })
      .toBe(`Today ${formatCost(job.usd)} of $10.00`);
  }, 90_000);
});
