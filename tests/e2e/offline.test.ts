/**
 * Scenario 3: the companion stops. The panel still shows the whole history with its images (from the
 * browser's own storage); a new job waits ("Waiting", idle). When the companion is back on the same port,
 * the job runs and the panel and the companion agree on every job.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  collectAllRows,
  disposeAll,
  jobRow,
  rowIdByPrompt,
  startBrowser,
  startStack,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

describe('offline', () => {
  it('shows the history without the companion, holds new jobs, and runs them when it is back', async () => {
    const stack = await startStack();
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    const prompts = ['e2e offline archer', 'e2e offline lighthouse'];
    const ids: string[] = [];
    for (const prompt of prompts) {
      await submitGenerate(page, { prompt, width: 32, height: 32 });
      ids.push(await rowIdByPrompt(page, prompt));
    }
    for (const [i, id] of ids.entries()) {
      await waitForStatus(page, id, 'success');
      await waitForThumbnail(page, id, prompts[i]!);
    }

    await stack.stopCompanion();
    await page.reload();
    for (const [i, id] of ids.entries()) {
      await waitForStatus(page, id, 'success', 10_000);
      expect((await waitForThumbnail(page, id, prompts[i]!)).width).toBeGreaterThan(0);
    }
    await waitForCompanionStatus(page, false, 20_000);

    const waitingPrompt = 'e2e offline queued wizard';
    await submitGenerate(page, { prompt: waitingPrompt, width: 32, height: 32 });
    const waitingId = await rowIdByPrompt(page, waitingPrompt);
    await waitForStatus(page, waitingId, 'idle', 10_000);
    // textContent: the badge is upper-cased by CSS, the words are "Waiting".
    await expect.poll(() => jobRow(page, waitingId).textContent()).toContain('Waiting');
    await browser.screenshot(page, 'offline');

    await stack.restartCompanion();
    expect(stack.companion.port).toBe(stack.port);
    await waitForStatus(page, waitingId, 'success', 30_000);
    await waitForThumbnail(page, waitingId, waitingPrompt);

    // Both sides agree on every job and its status.
    const server = async () =>
      Object.fromEntries(
        ((await stack.getJson('/load-jobs')).jobs as { id: string; status: string }[]).map((j) => [j.id, j.status]),
      );
    const panel = async () =>
      Object.fromEntries([...(await collectAllRows(page))].map(([id, row]) => [id, row.status]));
    await expect
      .poll(async () => JSON.stringify(sortKeys(await panel())), { timeout: 15_000 })
      .toBe(JSON.stringify(sortKeys(await server())));
    expect(Object.keys(await server()).sort()).toEqual([...ids, waitingId].sort());
  }, 120_000);
});

function sortKeys(record: Record<string, string>) {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
