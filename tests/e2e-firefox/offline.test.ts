/**
 * Offline in Firefox: the companion stops. The panel still shows the whole history with its images (from
 * Firefox's own storage.local); a new job waits ("Waiting", idle). When the companion is back on the same
 * port, the job runs, and the panel and the companion agree on every job.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAll, startFirefox, startStack } from './harness';
import {
  renderedStatuses,
  rowIdByPrompt,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './panel';

afterEach(disposeAll);

describe('Firefox offline', () => {
  it('shows the history without the companion, holds a new job, and runs it when the companion is back', async () => {
    const uuid = randomUUID();
    const stack = await startStack({ args: ['--allow-extension', `moz-extension://${uuid}`] });
    const firefox = await startFirefox({ uuid, companionUrl: stack.url });
    let page = await firefox.openPanel();
    const prompt = 'e2e firefox offline archer';
    await submitGenerate(page, { prompt, width: 32, height: 32 });
    const id = await rowIdByPrompt(page, prompt);
    await waitForStatus(page, id, 'success');
    await waitForThumbnail(page, id, prompt);

    await stack.stopCompanion();
    // A panel opened while the companion is down: everything comes from storage.local.
    await page.close();
    page = await firefox.openPanel();
    await waitForStatus(page, id, 'success', 10_000);
    expect((await waitForThumbnail(page, id, prompt)).width).toBe(32);
    await waitForCompanionStatus(page, false, 20_000);

    const waitingPrompt = 'e2e firefox offline queued wizard';
    await submitGenerate(page, { prompt: waitingPrompt, width: 32, height: 32 });
    const waitingId = await rowIdByPrompt(page, waitingPrompt);
    await waitForStatus(page, waitingId, 'idle', 10_000);
    await expect.poll(() => page.$eval(`[data-job-id="${waitingId}"]`, (row) => row.textContent)).toContain('Waiting');
    await firefox.screenshot(page, 'offline');

    await stack.restartCompanion();
    expect(stack.companion.port).toBe(stack.port);
    await waitForStatus(page, waitingId, 'success', 30_000);
    await waitForThumbnail(page, waitingId, waitingPrompt);
    await waitForCompanionStatus(page, true);

    // Both sides agree on every job and its status.
    const server = async () =>
      Object.fromEntries(
        ((await stack.getJson('/load-jobs')).jobs as { id: string; status: string }[]).map((j) => [j.id, j.status]),
      );
    await expect.poll(async () => renderedStatuses(page), { timeout: 15_000 }).toEqual(await server());
    expect(Object.keys(await server()).sort()).toEqual([id, waitingId].sort());
  }, 90_000);
});
