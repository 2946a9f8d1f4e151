/**
 * Scenario 4: two browser profiles (two persistent contexts, separate user data dirs) share one companion.
 * Each sees the other's jobs; a delete in one reaches the other.
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

describe('two profiles, one companion', () => {
  it("see each other's jobs, and a delete in one moves the job to the companion's trash", async () => {
    const stack = await startStack();
    const [first, second] = await Promise.all([
      startBrowser({ companionUrl: stack.url }),
      startBrowser({ companionUrl: stack.url }),
    ]);
    expect(first.userDataDir).not.toBe(second.userDataDir);
    const [pageA, pageB] = await Promise.all([first.openPanel(), second.openPanel()]);

    const promptA = 'e2e profile one: red fox';
    const promptB = 'e2e profile two: blue heron';
    await submitGenerate(pageA, { prompt: promptA, width: 32, height: 32 });
    await submitGenerate(pageB, { prompt: promptB, width: 32, height: 32 });
    const idA = await rowIdByPrompt(pageA, promptA);
    const idB = await rowIdByPrompt(pageB, promptB);
    expect(idA).not.toBe(idB);

    // Each profile shows both jobs, done, with their images.
    for (const page of [pageA, pageB]) {
      for (const [id, prompt] of [
        [idA, promptA],
        [idB, promptB],
      ] as const) {
        await waitForStatus(page, id, 'success', 20_000);
        await waitForThumbnail(page, id, prompt);
      }
    }

    await pageA.getByRole('button', { name: `More actions for ${idA}`, exact: true }).click();
    await pageA.getByRole('menuitem', { name: `Delete ${idA}`, exact: true }).click();
    // Delete moves the job to the trash: it leaves both histories, and the companion holds it as trashed.
    await jobRow(pageA, idA).waitFor({ state: 'detached', timeout: 10_000 });
    await expect
      .poll(
        async () =>
          ((await stack.getJson('/api/v1/changes?since=0&v=2')).changes as { id: string; trashedAt?: number }[])
            .filter((j) => j.trashedAt)
            .map((j) => j.id),
        { timeout: 20_000 },
      )
      .toEqual([idA]);
    // Profile B drops the row too: its pull brings the trash.
    await jobRow(pageB, idA).waitFor({ state: 'detached', timeout: 20_000 });

    // The other job stays everywhere.
    expect(await jobRow(pageB, idB).getAttribute('data-status')).toBe('success');
    expect(await jobRow(pageA, idB).getAttribute('data-status')).toBe('success');
  }, 120_000);
});
