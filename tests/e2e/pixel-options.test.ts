/**
 * PixelLab's options from the panel: transparent background and "More options" reach PixelLab under their own
 * names, are kept on the job on disk, and come back into the form with "reuse settings".
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  disposeAll,
  rowIdByPrompt,
  startBrowser,
  startStack,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
} from './harness';

afterEach(disposeAll);

describe('PixelLab options in the panel', () => {
  it('sends them, keeps them on the job, and restores them with reuse settings', async () => {
    const stack = await startStack();
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await page.emulateMedia({ colorScheme: 'light' });
    await waitForCompanionStatus(page, true);

    await page.getByLabel('Transparent background').check();
    await page.getByText('More options').click();
    await page.getByLabel('Outline').selectOption('selective outline');
    await page.getByLabel('Shading').selectOption('basic shading');
    await page.getByLabel('View').selectOption('low top-down');
    await page.locator('#gen-direction').selectOption('south-west');
    await page.getByLabel('Prompt strength').fill('10');
    await page.getByLabel('Prompt', { exact: true }).fill('e2e slime with a hat');
    await browser.screenshot(page, 'options');

    await submitGenerate(page, { prompt: 'e2e slime with a hat', width: 64, height: 64 });
    const id = await rowIdByPrompt(page, 'e2e slime with a hat');
    await waitForStatus(page, id, 'success', 20_000);

    const call = stack.fake.requests.find((r) => r.path === '/generate-image-pixflux');
    expect(call?.body).toMatchObject({
      no_background: true,
      outline: 'selective outline',
      shading: 'basic shading',
      view: 'low top-down',
      direction: 'south-west',
      text_guidance_scale: 10,
    });
    const job = (await stack.readHistory()).jobs.find((j: { id: string }) => j.id === id);
    expect(job.options).toMatchObject({ mode: 'pixflux', no_background: true, outline: 'selective outline' });

    // A fresh panel (the form starts empty), then reuse: every option is back.
    const fresh = await browser.openPanel('theme=dark');
    await fresh.emulateMedia({ colorScheme: 'dark' });
    await waitForStatus(fresh, id, 'success', 20_000);
    await fresh.getByRole('button', { name: `More actions for ${id}` }).click();
    await fresh.getByRole('menuitem', { name: `Reuse ${id} in the form` }).click();
    await expect.poll(() => fresh.getByLabel('Shading').inputValue()).toBe('basic shading');
    expect(await fresh.getByLabel('Transparent background').isChecked()).toBe(true);
    expect(await fresh.locator('#gen-direction').inputValue()).toBe('south-west');
    await fresh.getByText('More options').click();
    await browser.screenshot(fresh, 'options-dark');
  }, 90_000);
});
