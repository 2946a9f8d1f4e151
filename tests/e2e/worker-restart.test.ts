/**
 * Scenario 2: while a slow generation runs, the panel tab is closed and the extension's service worker is
 * stopped (as Chrome does after 30 s idle). The companion finishes the job on its own; reopening the panel
 * shows the result, and no job is left running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  collectAllRows,
  disposeAll,
  rowIdByPrompt,
  startBrowser,
  startStack,
  submitGenerate,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

describe('a closed panel and a stopped service worker lose nothing', () => {
  it('shows the finished result after the worker restarts', async () => {
    // PixelLab answers after 12 s, so the job is still running once the panel is closed and the worker stopped,
    // which takes seconds on a loaded machine (4 s left little room).
    const stack = await startStack({ fakeDelayMs: 12_000 });
    const browser = await startBrowser({ companionUrl: stack.url });
    let page = await browser.openPanel();
    const prompt = 'e2e slow golem in the rain';
    await submitGenerate(page, { prompt, width: 32, height: 32, seed: 7 });
    const id = await rowIdByPrompt(page, prompt);
    // The generation is under way: the companion runs it and PixelLab is answering slowly.
    const companionStatus = () =>
      stack.getJson(`/api/v1/jobs/${id}`).then(
        (r) => r.job.status as string,
        () => 'unknown',
      );
    await expect.poll(companionStatus, { timeout: 15_000 }).toBe('running');
    await expect.poll(() => stack.fake.requests.filter((r) => r.path === '/generate-image-pixflux').length).toBe(1);

    await page.close();
    await browser.stopServiceWorker();
    expect(await companionStatus()).toBe('running');

    // The companion finishes while no extension code runs.
    await expect.poll(companionStatus, { timeout: 30_000 }).toBe('success');

    page = await browser.openPanel();
    await waitForStatus(page, id, 'success', 20_000);
    expect(await browser.workerRestarted()).toBe(true);
    await waitForThumbnail(page, id, prompt);
    const rows = await collectAllRows(page);
    const stuck = [...rows].filter(([, row]) => row.status === 'running' || row.status === 'queued');
    expect(stuck).toEqual([]);
    expect(rows.get(id)).toEqual({ status: 'success', imageLoaded: true });
  }, 90_000);
});
