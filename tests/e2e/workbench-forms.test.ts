/**
 * The form's modes and references through the built extension: "Use as style" on a job puts its image in the form
 * (bitforge), Generate reaches the fake PixelLab with it; the detail view's mask painter queues an inpaint whose
 * mask arrives as painted. Screenshots: forms-more-options-light/-dark, forms-mask-painter-light/-dark (+ -wide).
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { decodePng } from '../../utils/export/png';
import { makeSprite } from '../fixtures/png';
import {
  disposeAll,
  type ExtensionBrowser,
  rowIdByPrompt,
  type Stack,
  startBrowser,
  startStack,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

const SOURCE = 'job-forms-source';
const SOURCE_PROMPT = 'forms knight in blue armour';
const SPRITE = makeSprite(32, 32, 'forms-source', true);
const SPRITE_HASH = createHash('sha256').update(SPRITE).digest('hex');

/** One finished 32x32 job on the companion, to take the style from and to inpaint. */
async function seed(stack: Stack): Promise<void> {
  const at = Date.now() - 60_000;
  const { status, body } = await stack.postJson('/api/v1/push', {
    requestId: 'e2e-forms-seed',
    clientId: 'e2e-seeder',
    changes: [
      {
        id: SOURCE,
        kind: 'generate',
        prompt: SOURCE_PROMPT,
        width: 32,
        height: 32,
        seed: 9,
        status: 'success',
        error: null,
        image: SPRITE_HASH,
        rotate: null,
        groupId: null,
        options: { mode: 'pixflux', no_background: true },
        startTime: at,
        endTime: at + 2000,
        duration: 2,
        createdAt: at,
        updatedAt: at + 2000,
        deleted: false,
      },
    ],
    images: { [SPRITE_HASH]: Buffer.from(SPRITE).toString('base64') },
  });
  expect(status, JSON.stringify(body).slice(0, 500)).toBe(200);
}

async function openPanel(browser: ExtensionBrowser, theme: 'light' | 'dark'): Promise<Page> {
  const page = await browser.openPanel(`theme=${theme}`);
  await page.emulateMedia({ colorScheme: theme });
  await waitForThumbnail(page, SOURCE, SOURCE_PROMPT, 30_000);
  return page;
}

/** Opens the job's detail view and the mask painter, and drags a rectangle over image pixels (8,8)..(19,15). */
async function paintMask(page: Page, id: string) {
  await page.getByRole('button', { name: `Open details of ${id}`, exact: true }).click();
  const detail = page.getByRole('dialog');
  await detail.getByRole('button', { name: 'Inpaint…' }).click();
  const painter = detail.getByRole('form', { name: 'Inpaint mask' });
  await painter.getByRole('button', { name: 'Zoom 4×' }).click();
  await painter.getByRole('button', { name: 'Rectangle' }).click();
  const canvas = painter.getByTestId('mask-canvas');
  const box = (await canvas.boundingBox())!;
  expect([box.width, box.height]).toEqual([128, 128]);
  await page.mouse.move(box.x + 8 * 4 + 2, box.y + 8 * 4 + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 19 * 4 + 2, box.y + 15 * 4 + 2, { steps: 4 });
  await page.mouse.up();
  await expect.poll(() => painter.getByText('96 pixels to repaint.').count()).toBe(1);
  // The overlay is drawn at the same whole zoom as the image: crisp, not smoothed.
  expect(await canvas.evaluate((el) => getComputedStyle(el).imageRendering)).toBe('pixelated');
  return painter;
}

describe('the form’s modes and references', () => {
  it('“Use as style” feeds bitforge; the mask painter queues an inpaint whose mask arrives as painted', async () => {
    const stack = await startStack();
    await seed(stack);
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await openPanel(browser, 'light');

    await page.getByRole('button', { name: `Open details of ${SOURCE}`, exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Use as style' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await expect.poll(() => page.getByLabel('Mode').inputValue()).toBe('bitforge');
    const thumb = page.getByTestId('style_image-thumb');
    // A whole zoom of its 32 px (the 40 px box fits 1x): sized once the image has loaded.
    await expect
      .poll(() => thumb.evaluate((el: HTMLImageElement) => [el.getBoundingClientRect().width, el.naturalWidth]))
      .toEqual([34, 32]);
    expect(await thumb.evaluate((el) => el.clientWidth)).toBe(32);
    expect(await thumb.evaluate((el) => getComputedStyle(el).imageRendering)).toBe('pixelated');

    await page.getByLabel('Prompt', { exact: true }).fill('forms mushroom in that style');
    await page.getByText('More options').click();
    await page.getByLabel('Style strength').fill('30');
    await page.getByLabel('Shading').selectOption('basic shading');
    await browser.screenshot(page, 'forms-more-options-light');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const styled = await rowIdByPrompt(page, 'forms mushroom in that style');
    await waitForStatus(page, styled, 'success', 20_000);
    const bitforge = stack.fake.requests.find((r) => r.path === '/generate-image-bitforge');
    expect(bitforge?.body).toMatchObject({
      description: 'forms mushroom in that style',
      style_strength: 30,
      shading: 'basic shading',
      style_image: { type: 'base64', base64: Buffer.from(SPRITE).toString('base64') },
    });

    const painter = await paintMask(page, SOURCE);
    await painter.getByLabel('What to paint there').fill('forms knight with a red helmet');
    await browser.screenshot(page, 'forms-mask-painter-light');
    await painter.getByRole('button', { name: 'Queue inpaint' }).click();
    await expect.poll(() => page.getByRole('form', { name: 'Inpaint mask' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    const inpainted = await rowIdByPrompt(page, 'forms knight with a red helmet');
    await waitForStatus(page, inpainted, 'success', 20_000);
    const call = stack.fake.requests.find((r) => r.path === '/inpaint');
    const body = call?.body as { mask_image: { base64: string }; inpainting_image: { base64: string } };
    expect(Buffer.from(body.inpainting_image.base64, 'base64').equals(Buffer.from(SPRITE))).toBe(true);
    const mask = decodePng(new Uint8Array(Buffer.from(body.mask_image.base64, 'base64')));
    expect([mask.width, mask.height]).toEqual([32, 32]);
    let white = 0;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const v = mask.data[(y * 32 + x) * 4]!;
        const inside = x >= 8 && x <= 19 && y >= 8 && y <= 15;
        expect(v, `mask pixel ${x},${y}`).toBe(inside ? 255 : 0);
        if (v === 255) white++;
      }
    expect(white).toBe(96);
    const job = (await stack.readHistory()).jobs.find((j: { id: string }) => j.id === inpainted);
    expect(job.options).toMatchObject({ mode: 'inpaint', inpainting_image: SPRITE_HASH });

    // Dark: the palette from the row menu, More options open; and the painter.
    const dark = await openPanel(browser, 'dark');
    await dark.getByRole('button', { name: `More actions for ${SOURCE}` }).click();
    await dark.getByRole('menuitem', { name: `Use as palette: ${SOURCE}` }).click();
    await expect.poll(() => dark.getByTestId('color_image-thumb').count()).toBe(1);
    await dark.getByLabel('Prompt', { exact: true }).fill('forms slime in those colours');
    await browser.screenshot(dark, 'forms-more-options-dark');
    await paintMask(dark, SOURCE);
    await browser.screenshot(dark, 'forms-mask-painter-dark');
  }, 120_000);
});
