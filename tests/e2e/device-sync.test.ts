/**
 * Issue 22 as the panel shows it: two companions (a laptop with an author, a desktop without) on one temp sync
 * folder, the panel on the laptop's. The status line says where device sync stands and opens to the devices; each
 * row names who made it; the Author filter narrows to the desktop's jobs as a chip. Screenshots `device-sync`,
 * `device-sync-details`, `device-sync-dark`, `author-filter`.
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir';
import { disposeAll, jobRows, onDispose, startBrowser, startStack } from './harness';

afterEach(disposeAll);

const caption = (page: Page) => page.locator('#job-count');
const rowOf = (page: Page, prompt: string) => jobRows(page).filter({ hasText: prompt });
const madeBy = (page: Page, prompt: string) => rowOf(page, prompt).locator('.job-author').textContent();

describe('device sync in the panel', () => {
  it('shows the sync state and who made each job, and filters by author', async () => {
    const temp = await makeTempDir('pixellab-e2e-devsync-');
    onDispose('device sync temp dir', temp.remove);
    const shared = `${temp.dir}/shared`;
    const laptop = await startStack({ args: ['--sync-dir', shared, '--device-name', 'Laptop', '--author', 'Ana'] });
    const desktop = await startStack({ args: ['--sync-dir', shared, '--device-name', 'Desktop'] });
    for (const [stack, prompt] of [
      [laptop, 'e2e laptop knight'],
      [laptop, 'e2e laptop mage'],
      [desktop, 'e2e desktop castle'],
      [desktop, 'e2e desktop tower'],
    ] as const) {
      const made = await stack.postJson('/api/v1/jobs', { prompt, width: 32, height: 32 });
      expect(made.status).toBe(202);
    }

    const browser = await startBrowser({ companionUrl: laptop.url });
    const page = await browser.openPanel();
    // The desktop's jobs reach the laptop through the folder, and the panel through the laptop.
    await expect.poll(() => caption(page).textContent(), { timeout: 30_000 }).toBe('4 jobs');
    const line = page.getByTestId('device-sync');
    await expect
      .poll(() => line.locator('summary').textContent(), { timeout: 30_000 })
      .toMatch(/^Device sync: (synced (just now|\d+ s ago)) with .*shared · 1 other device$/);
    await expect.poll(() => madeBy(page, 'e2e desktop castle'), { timeout: 30_000 }).toBe('Made by Desktop');
    await expect.poll(() => madeBy(page, 'e2e laptop knight')).toBe('Made by Ana on Laptop');
    await browser.screenshot(page, 'device-sync');

    await line.locator('summary').click();
    const others = page.getByRole('list', { name: 'Other devices' });
    await expect.poll(() => others.textContent()).toMatch(/^Desktop d-[0-9a-f]{8} · last wrote/);
    await expect.poll(() => line.textContent()).toContain('This device: Laptop (jobs made here show as Ana)');
    await browser.screenshot(page, 'device-sync-details');
    await line.locator('summary').click();

    // The Author filter offers each maker by name; the desktop's jobs, as a chip that combines with the words.
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    const author = page.getByLabel('Author', { exact: true });
    await expect.poll(() => author.locator('option').allTextContents()).toEqual(['Anyone', 'Ana', 'Desktop']);
    await author.selectOption({ label: 'Desktop' });
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await expect.poll(() => caption(page).textContent()).toBe('2 of 4');
    const chips = page.getByRole('list', { name: 'Active filters' });
    await expect.poll(() => chips.locator('.chip-label').allTextContents()).toEqual(['Author: Desktop']);
    expect((await jobRows(page).allTextContents()).every((text) => text.includes('e2e desktop'))).toBe(true);
    await page.getByLabel('Search').fill('tower');
    await expect.poll(() => caption(page).textContent()).toBe('1 of 4');
    await browser.screenshot(page, 'author-filter');
    await page.getByRole('button', { name: 'Remove filter: Author: Desktop' }).click();
    await expect.poll(() => caption(page).textContent()).toBe('1 of 4');

    const dark = await browser.openPanel('theme=dark');
    await expect
      .poll(() => dark.getByTestId('device-sync').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('synced');
    await expect.poll(() => madeBy(dark, 'e2e desktop castle'), { timeout: 30_000 }).toBe('Made by Desktop');
    await browser.screenshot(dark, 'device-sync-dark');
  });
});
