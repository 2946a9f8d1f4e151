/**
 * Scenario 5: PixelLab answers 401, then 429. The row says so in plain words; Retry succeeds once PixelLab
 * answers 200 again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  disposeAll,
  jobRow,
  rowIdByPrompt,
  startBrowser,
  startStack,
  submitGenerate,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

describe('PixelLab errors', () => {
  it('shows 401 and 429 on the row, and a retry succeeds', async () => {
    const stack = await startStack();
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    const prompt = 'e2e unlucky mushroom';
    const row = () => jobRow(page, id);

    stack.fake.failNext({ status: 401, detail: 'Invalid API token' });
    await submitGenerate(page, { prompt, width: 32, height: 32 });
    const id = await rowIdByPrompt(page, prompt);
    await waitForStatus(page, id, 'error');
    await expect.poll(() => row().textContent(), { timeout: 5000 }).toMatch(/401/);

    // A rate limit is tried again by the companion (4 tries in all); Retry-After: 0 keeps the test quick.
    stack.fake.failNext({ status: 429, detail: 'Rate limit exceeded', headers: { 'retry-after': '0' } }, 4);
    await page.getByRole('button', { name: `Retry ${id}`, exact: true }).click();
    // The retry is a new run: wait for its four PixelLab calls, then for its error.
    await expect
      .poll(() => stack.fake.requests.filter((r) => r.path === '/generate-image-pixflux').length, { timeout: 15_000 })
      .toBe(5);
    await expect.poll(() => row().textContent(), { timeout: 15_000 }).toMatch(/429|rate limit/i);
    expect(await row().getAttribute('data-status')).toBe('error');
    expect(await row().textContent()).not.toMatch(/401/);
    await browser.screenshot(page, 'error');

    await page.getByRole('button', { name: `Retry ${id}`, exact: true }).click();
    await waitForStatus(page, id, 'success');
    await waitForThumbnail(page, id, prompt);
    expect(stack.fake.requests.filter((r) => r.path === '/generate-image-pixflux')).toHaveLength(6);
    const history = await stack.readHistory();
    expect(history.jobs.find((j: { id: string }) => j.id === id)).toMatchObject({ status: 'success', error: null });
  }, 90_000);
});
