/**
 * The workbench's look through the built extension: the history keeps most of a 900 px panel, a job opens in
 * the detail view at integer zoom (crisp, measured), Next, star and rate, compare, and keyboard triage.
 * Screenshots: workbench-grid, workbench-detail-light/-dark, workbench-compare, workbench-wide.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../fixtures/png';
import { disposeAll, type Stack, startBrowser, startStack, waitForThumbnail } from './harness';

afterEach(disposeAll);

const COUNT = 12;
const idOf = (i: number) => `job-look-${String(i).padStart(2, '0')}`;
const promptOf = (i: number) => `look sprite ${i}${i % 3 === 0 ? ' with a transparent background' : ''}`;

/** Jobs 0..11 (11 newest), 32x32 sprites, every third transparent; job 11 is a rotation of job 10. */
async function seed(stack: Stack): Promise<void> {
  const images: Record<string, string> = {};
  const hashes: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const png = makeSprite(32, 32, `look-${i}`, i % 3 === 0);
    const hash = createHash('sha256').update(png).digest('hex');
    images[hash] = Buffer.from(png).toString('base64');
    hashes.push(hash);
  }
  const start = Date.now() - COUNT * 60_000;
  const jobs = Array.from({ length: COUNT }, (_, i) => {
    const createdAt = start + i * 60_000;
    const rotation = i === COUNT - 1;
    return {
      id: idOf(i),
      kind: rotation ? 'rotate' : 'generate',
      prompt: rotation ? `${promptOf(i - 1)} (east)` : promptOf(i),
      width: 32,
      height: 32,
      seed: 100 + i,
      status: 'success',
      error: null,
      image: hashes[i],
      rotate: rotation
        ? { toDirection: 'east', fromDirection: null, sourceJobId: idOf(i - 1), sourceImage: hashes[i - 1] }
        : null,
      groupId: null,
      options: rotation
        ? { mode: 'rotate' }
        : { mode: 'pixflux', outline: 'selective outline', no_background: i % 3 === 0 },
      startTime: createdAt + 100,
      endTime: createdAt + 2600,
      duration: 2.5,
      usd: 0.0125,
      createdAt,
      updatedAt: createdAt + 2600,
      deleted: false,
    };
  });
  const { status, body } = await stack.postJson('/api/v1/push', {
    requestId: 'e2e-look-seed',
    clientId: 'e2e-seeder',
    changes: jobs,
    images,
  });
  expect(status, JSON.stringify(body).slice(0, 500)).toBe(200);
}

async function openSeeded(theme: 'light' | 'dark' = 'light') {
  const stack = await startStack();
  await seed(stack);
  const browser = await startBrowser({ companionUrl: stack.url });
  const page = await browser.openPanel(`theme=${theme}`);
  await page.emulateMedia({ colorScheme: theme });
  await waitForThumbnail(page, idOf(COUNT - 1), `${promptOf(COUNT - 2)} (east)`, 30_000);
  return { stack, browser, page };
}

/** Height of the history's list area, and the panel's. */
function listShare(page: Page): Promise<{ list: number; panel: number }> {
  return page.evaluate(() => ({
    list: document.querySelector('.list-area')!.getBoundingClientRect().height,
    panel: window.innerHeight,
  }));
}

describe('the workbench look', () => {
  it('leaves at least 60% of a 400x900 panel to the history', async () => {
    const { browser, page } = await openSeeded();
    await page.setViewportSize({ width: 400, height: 900 });
    await page.waitForTimeout(0);
    const { list, panel } = await listShare(page);
    await browser.screenshot(page, 'workbench-top');
    expect(panel).toBe(900);
    expect(list / panel).toBeGreaterThanOrEqual(0.6);
  }, 90_000);
});
