/**
 * Sync in Firefox: two Firefox profiles (two UUIDs, two origins, both named with --allow-extension) share
 * one companion. Each sees the other's job with its image; a delete in one disappears from the other.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAll, startFirefox, startStack } from './harness';
import { clickButton, rowIdByPrompt, submitGenerate, waitForStatus, waitForThumbnail } from './panel';

afterEach(disposeAll);

describe('Firefox sync with a second client', () => {
  it("two profiles see each other's jobs, and a delete in one disappears from the other", async () => {
    const uuids = [randomUUID(), randomUUID()];
    const stack = await startStack({ args: uuids.flatMap((u) => ['--allow-extension', `moz-extension://${u}`]) });
    const [first, second] = await Promise.all(uuids.map((uuid) => startFirefox({ uuid, companionUrl: stack.url })));
    expect(first!.origin).not.toBe(second!.origin);
    const [pageA, pageB] = await Promise.all([first!.openPanel(), second!.openPanel()]);

    const promptA = 'e2e firefox one: red fox';
    const promptB = 'e2e firefox two: blue heron';
    await submitGenerate(pageA!, { prompt: promptA, width: 32, height: 32 });
    await submitGenerate(pageB!, { prompt: promptB, width: 32, height: 32 });
    const idA = await rowIdByPrompt(pageA!, promptA);
    const idB = await rowIdByPrompt(pageB!, promptB);
    expect(idA).not.toBe(idB);

    for (const page of [pageA!, pageB!]) {
      for (const [id, prompt] of [
        [idA, promptA],
        [idB, promptB],
      ] as const) {
        await waitForStatus(page, id, 'success', 20_000);
        await waitForThumbnail(page, id, prompt);
      }
    }
    await second!.screenshot(pageB!, 'synced');

    await clickButton(pageA!, `Delete ${idA}`);
    // The panel may ask first: confirm in its dialog if one shows up.
    const dialog = await pageA!
      .waitForSelector('[role="dialog"], [role="alertdialog"]', { timeout: 2000 })
      .catch(() => null);
    if (dialog) await clickButton(pageA!, 'Delete');
    await pageA!.waitForSelector(`[data-job-id="${idA}"]`, { hidden: true, timeout: 10_000 });
    await pageB!.waitForSelector(`[data-job-id="${idA}"]`, { hidden: true, timeout: 20_000 });

    expect(await pageB!.$eval(`[data-job-id="${idB}"]`, (r) => r.getAttribute('data-status'))).toBe('success');
    expect(await pageA!.$eval(`[data-job-id="${idB}"]`, (r) => r.getAttribute('data-status'))).toBe('success');
    const ids = ((await stack.getJson('/load-jobs')).jobs as { id: string }[]).map((j) => j.id);
    expect(ids).toEqual([idB]);
  }, 120_000);
});
