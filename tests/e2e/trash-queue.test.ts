/**
 * The workbench's trash and queue control through the built extension, driven by visible labels: a row's Delete
 * moves the job to the trash with an Undo that brings it back, the Trash view restores; Pause queue keeps a new
 * job queued on the companion until Resume queue runs it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  disposeAll,
  jobRow,
  rowIdByPrompt,
  startBrowser,
  startStack,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
} from './harness';

afterEach(disposeAll);

describe('trash and queue control in the panel', () => {
  it('Delete moves a job to the trash, Undo brings it back, and the Trash view restores it', async () => {
    const stack = await startStack();
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await waitForCompanionStatus(page, true);
    const prompt = 'e2e trash goblin';
    await submitGenerate(page, { prompt, width: 48, height: 48, seed: 7 });
    const id = await rowIdByPrompt(page, prompt);
    await waitForStatus(page, id, 'success', 20_000);

    await page.getByRole('button', { name: `More actions for ${id}`, exact: true }).click();
    await page.getByRole('menuitem', { name: `Delete ${id}` }).click();
    await jobRow(page, id).waitFor({ state: 'detached' });
    const undo = page.getByRole('button', { name: 'Undo' });
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'to the trash' }).count()).toBe(1);
    await undo.click();
    await jobRow(page, id).waitFor({ state: 'attached', timeout: 10_000 });

    // Trashed again, it waits in the Trash view; the companion has it in the trash too, not deleted.
    await page.getByRole('button', { name: `More actions for ${id}`, exact: true }).click();
    await page.getByRole('menuitem', { name: `Delete ${id}` }).click();
    await jobRow(page, id).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Trash (1)' }).click();
    const trash = page.getByRole('region', { name: 'Trash' });
    await trash.getByText(prompt).waitFor();
    await expect
      .poll(async () => (await stack.getJson(`/api/v1/jobs/${id}`)).job.trashedAt, { timeout: 15_000 })
      .toEqual(expect.any(Number));
    await browser.screenshot(page, 'trash-view');

    await trash.getByRole('button', { name: `Restore “${prompt}”` }).click();
    await trash.getByText('empty', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Back to history' }).click();
    await jobRow(page, id).waitFor({ state: 'attached' });
    await expect
      .poll(async () => (await stack.getJson(`/api/v1/jobs/${id}`)).job.trashedAt ?? null, { timeout: 15_000 })
      .toBeNull();
  }, 90_000);

  it('Pause queue keeps a new job queued on the companion; Resume queue runs it', async () => {
    const stack = await startStack();
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await waitForCompanionStatus(page, true);
    await page.getByRole('button', { name: 'Pause queue' }).click();
    await page.getByRole('button', { name: 'Resume queue' }).waitFor();
    await expect
      .poll(async () => (await stack.getJson('/api/v1/changes?since=0&v=2')).records, { timeout: 15_000 })
      .toContainEqual(expect.objectContaining({ kind: 'queue', paused: true }));

    const prompt = 'e2e paused slime';
    await submitGenerate(page, { prompt, width: 48, height: 48, seed: 3 });
    const id = await rowIdByPrompt(page, prompt);
    await waitForStatus(page, id, 'queued', 15_000);
    // Several sync intervals later it is still queued, and PixelLab was never asked.
    await page.waitForTimeout(4_000);
    expect(await jobRow(page, id).getAttribute('data-status')).toBe('queued');
    expect((await stack.getJson(`/api/v1/jobs/${id}`)).job.status).toBe('queued');
    expect(stack.fake.requests.filter((r) => r.path.startsWith('/generate'))).toEqual([]);
    await page.getByText('Queue paused: 1 waiting. Nothing new starts.').waitFor();
    await browser.screenshot(page, 'queue-paused');

    await page.getByRole('button', { name: 'Resume queue' }).click();
    await waitForStatus(page, id, 'success', 20_000);
    expect(stack.fake.requests.filter((r) => r.path.startsWith('/generate'))).toHaveLength(1);
  }, 90_000);
});
