/** Profiles for the bench: launched with the built extension, seeded with a history in its layout or the seed's. */
import type { Page } from 'playwright-core';
import { ROW_HEIGHT } from '../../components/JobRow';
import { type BenchBrowser, launch } from '../browser';
import { type Dataset, layoutChunks, layoutMeta, seedJobChunks } from '../dataset';

export { ROW_HEIGHT };

/** An address where nothing listens: the seeded profiles see their companion as offline, so no sync moves data. */
export const OFFLINE_COMPANION = 'http://127.0.0.1:9';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the background's migrations wrote `schema` (its first start is over). */
async function waitForBackground(b: BenchBrowser, tool: Page): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const got = (await tool.evaluate(() => (globalThis as any).chrome.storage.local.get('schema'))) as Record<
      string,
      unknown
    >;
    if (got.schema) return;
    await sleep(50);
  }
  throw new Error(`the extension's background never wrote its schema key (${b.userDataDir})`);
}

/** Launches `dir` (a fresh or an existing profile) and waits for the background to be ready. */
export async function openProfile(extDir: string, dir: string): Promise<BenchBrowser> {
  const b = await launch(extDir, dir);
  const tool = await b.openToolPage();
  try {
    await waitForBackground(b, tool);
  } finally {
    await tool.close();
  }
  return b;
}

/** Writes the dataset in the extension's layout: job and image keys first, then index, head, stats, settings. */
export async function seedLayout(b: BenchBrowser, dataset: Dataset): Promise<{ ms: number; keys: number }> {
  const started = performance.now();
  const tool = await b.openToolPage();
  try {
    for (const items of layoutChunks(dataset)) {
      await tool.evaluate((i) => (globalThis as any).chrome.storage.local.set(i), items);
    }
    const meta = layoutMeta(dataset, OFFLINE_COMPANION);
    await tool.evaluate((i) => (globalThis as any).chrome.storage.local.set(i), meta);
    // A clean sync state: offline, no backoff pending from the install-time attempt.
    await tool.evaluate(() => (globalThis as any).chrome.storage.local.remove('sync'));
    const keys = (await tool.evaluate(() => (globalThis as any).chrome.storage.local.getKeys())) as string[];
    const jobs = keys.filter((k) => k.startsWith('job:')).length;
    const imgs = keys.filter((k) => k.startsWith('img:')).length;
    if (jobs !== dataset.count || imgs !== dataset.count)
      throw new Error(`seeded ${jobs} job keys and ${imgs} image keys, expected ${dataset.count} of each`);
    return { ms: performance.now() - started, keys: keys.length };
  } finally {
    await tool.close();
  }
}

/** The panel's first read size: the rows that fit in the panel's height plus the overscan (entrypoints/sidepanel/main.tsx). */
export const FIRST_ROWS = Math.ceil(800 / ROW_HEIGHT) + 4;

/** The keys the newest `rows` rows need: their job records and thumbnails, newest first. */
export function floorKeys(dataset: Dataset, rows = FIRST_ROWS): string[] {
  const newest = dataset.jobs.slice(-rows).reverse();
  return [...newest.map((j) => `job:${j.id}`), ...newest.map((j) => `img:${j.image}`)];
}

export const baselineKey = (count: number, largest: number) =>
  count === largest ? 'baseline:history' : `baseline:history-${count}`;

/** Writes the whole history in the seed's format under ONE key, built in the page from chunks and set once. */
export async function seedBaseline(
  b: BenchBrowser,
  dataset: Dataset,
  key: string,
): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const tool = await b.openToolPage();
  let bytes = 0;
  try {
    await tool.evaluate(() => ((globalThis as any).__acc = []));
    for (const jobs of seedJobChunks(dataset)) {
      bytes += JSON.stringify(jobs).length;
      await tool.evaluate((j) => void (globalThis as any).__acc.push(...j), jobs);
    }
    await tool.evaluate(
      (k) =>
        (globalThis as any).chrome.storage.local.set({
          [k]: { jobs: (globalThis as any).__acc, lastJobId: 0, savedAt: new Date(0).toISOString() },
        }),
      key,
    );
    const back = (await tool.evaluate(
      async (k) => ((await (globalThis as any).chrome.storage.local.get(k))[k]?.jobs?.length ?? 0) as number,
      key,
    )) as number;
    if (back !== dataset.count) throw new Error(`baseline key ${key} holds ${back} jobs, expected ${dataset.count}`);
    await tool.evaluate(() => ((globalThis as any).__acc = null));
    return { ms: performance.now() - started, bytes };
  } finally {
    await tool.close();
  }
}
