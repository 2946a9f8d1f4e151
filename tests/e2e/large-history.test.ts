/**
 * Scenario 8: a 1,000-job history, seeded through the companion's sync API with real images, renders in a
 * fresh extension, scrolls to the oldest job, and search narrows it. Also the history screenshots.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../fixtures/png';
import {
  disposeAll,
  jobRow,
  renderedJobs,
  type Stack,
  startBrowser,
  startStack,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

const COUNT = 1000;
const DISTINCT_IMAGES = 60;
const CHUNK = 250;
/** Jobs whose prompt holds a word no other prompt has, for the search. */
const NEEDLES = [123, 456, 789];

const CREATURES = [
  'knight',
  'goblin archer',
  'fire mage',
  'slime',
  'dragon whelp',
  'skeleton',
  'forest sprite',
  'robot',
  'pirate',
  'owl familiar',
];
const LOOKS = [
  'with a glowing sword',
  'in blue armor',
  'holding a lantern',
  'with tiny wings',
  'casting a spell',
  'on a mossy rock',
  'with a red cape',
  'idle pose',
];

const idOf = (i: number) => `job-bulk-${String(i).padStart(4, '0')}`;
const promptOf = (i: number) =>
  `${CREATURES[i % CREATURES.length]} ${LOOKS[Math.floor(i / CREATURES.length) % LOOKS.length]}${NEEDLES.includes(i) ? ' riding a zebra' : ''} #${i}`;

async function seedThroughCompanion(stack: Stack): Promise<void> {
  const images: Record<string, string> = {};
  const hashes: string[] = [];
  for (let k = 0; k < DISTINCT_IMAGES; k++) {
    const png = makeSprite(32, 32, `bulk-${k}`);
    const hash = createHash('sha256').update(png).digest('hex');
    images[hash] = Buffer.from(png).toString('base64');
    hashes.push(hash);
  }
  const start = Date.now() - COUNT * 60_000;
  const jobs = Array.from({ length: COUNT }, (_, i) => {
    const createdAt = start + i * 60_000;
    return {
      id: idOf(i),
      kind: 'generate',
      prompt: promptOf(i),
      width: 32,
      height: 32,
      seed: i,
      status: 'success',
      error: null,
      image: hashes[i % DISTINCT_IMAGES],
      rotate: null,
      groupId: null,
      startTime: createdAt + 100,
      endTime: createdAt + 1300,
      duration: 1.2,
      createdAt,
      updatedAt: createdAt + 1300,
      deleted: false,
    };
  });
  for (let offset = 0; offset < COUNT; offset += CHUNK) {
    const { status, body } = await stack.postJson('/api/v1/push', {
      requestId: `e2e-bulk-seed-${offset}`,
      clientId: 'e2e-seeder',
      changes: jobs.slice(offset, offset + CHUNK),
      images: offset === 0 ? images : {},
    });
    expect(status, JSON.stringify(body).slice(0, 500)).toBe(200);
    expect(body.needImages).toEqual([]);
    expect(body.results.every((r: { outcome: string }) => r.outcome === 'applied')).toBe(true);
  }
  expect((await stack.getJson('/load-jobs')).jobs).toHaveLength(COUNT);
}

/** Every rendered row has its thumbnail decoded. */
async function visibleThumbnailsLoaded(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const imgs = [...document.querySelectorAll('[data-job-id] img')] as HTMLImageElement[];
      return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
    },
    undefined,
    { timeout: 15_000 },
  );
}

describe('a 1,000-job history', () => {
  it('renders, scrolls to the oldest job, and search narrows it', async () => {
    const stack = await startStack();
    await seedThroughCompanion(stack);
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await page.emulateMedia({ colorScheme: 'light' });

    const newest = COUNT - 1;
    const started = Date.now();
    await waitForStatus(page, idOf(newest), 'success', 45_000);
    await waitForThumbnail(page, idOf(newest), promptOf(newest));
    const firstRowsMs = Date.now() - started;
    // Newest first.
    expect((await renderedJobs(page))[0]?.id).toBe(idOf(newest));

    // The whole history arrives (the oldest job is the last row), and scrolling gets there.
    const scroller = page.getByTestId('job-scroller');
    await expect
      .poll(
        async () => {
          await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
          return (await renderedJobs(page)).some((r) => r.id === idOf(0));
        },
        { timeout: 45_000, interval: 500 },
      )
      .toBe(true);
    await waitForThumbnail(page, idOf(0), promptOf(0));
    expect((await renderedJobs(page)).at(-1)?.id).toBe(idOf(0));
    // Virtualized: a handful of rows in the DOM, not a thousand.
    expect((await renderedJobs(page)).length).toBeLessThan(60);

    await page.getByLabel('Search', { exact: true }).fill('zebra');
    await expect
      .poll(async () => (await renderedJobs(page)).map((r) => r.id).sort(), { timeout: 10_000 })
      .toEqual(NEEDLES.map(idOf).sort());
    for (const i of NEEDLES) await waitForThumbnail(page, idOf(i), promptOf(i));
    await page.getByLabel('Search', { exact: true }).fill('');
    await expect
      .poll(async () => (await renderedJobs(page)).length, { timeout: 10_000 })
      .toBeGreaterThan(NEEDLES.length);

    // Screenshots of a full history, light and dark, and the settings.
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await waitForCompanionStatus(page, true);
    await jobRow(page, idOf(newest)).waitFor();
    await visibleThumbnailsLoaded(page);
    await browser.screenshot(page, 'history-light');

    const dark = await browser.openPanel('theme=dark');
    await dark.emulateMedia({ colorScheme: 'dark' });
    await waitForThumbnail(dark, idOf(newest), promptOf(newest));
    await waitForCompanionStatus(dark, true);
    await visibleThumbnailsLoaded(dark);
    await browser.screenshot(dark, 'history-dark');
    await dark.close();

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Companion URL').waitFor();
    await browser.screenshot(page, 'settings');
    await expect.poll(() => page.getByLabel('Companion URL').inputValue()).toBe(stack.url);

    console.log(`1,000 jobs: newest row with its image after ${firstRowsMs} ms`);
  }, 150_000);
});
