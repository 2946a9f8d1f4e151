/** Section 6's measurement: keystrokes into the panel's search box over the full index. */
import type { Page } from 'playwright-core';
import { type Dataset, matches } from '../dataset';
import { armSearch } from '../page-scripts';

export interface SearchQuery {
  query: string;
  prefix: string;
  expected: number;
}

/** Queries whose last keystroke changes the result (so the list must really change), from broad to none. */
export function pickQueries(dataset: Dataset, count: number): SearchQuery[] {
  const candidates = [
    // Broad (a single letter after an empty box), then narrower and narrower.
    'e',
    '#1',
    '#12',
    '#123',
    '#1234',
    '#5',
    '#56',
    '#567',
    '#5678',
    // A second word that starts to narrow a first one.
    'knight w',
    'mage c',
    'slime r',
    'golem h',
    'witch j',
    'pirate s',
    'owl f',
    'retro k',
    'gameboy d',
    'isometric wo',
    'soft shading n',
    'high contrast r',
    'skeleton i',
    'robot l',
    'paladin g',
    // Nothing matches.
    '#99999',
    'zebraz',
  ];
  const newestFirst = [...dataset.jobs].reverse();
  const result = (q: string) => newestFirst.filter((j) => matches(j.prompt, q));
  const out: SearchQuery[] = [];
  for (const query of candidates) {
    const prefix = query.slice(0, -1);
    const full = result(query);
    const before = result(prefix);
    if (full.length === before.length && full[0]?.id === before[0]?.id) continue;
    out.push({ query, prefix, expected: full.length });
    if (out.length >= count) break;
  }
  return out;
}

export interface SearchSample {
  query: string;
  results: number;
  /** input event -> the list DOM shows the new result (caption and first row). */
  domMs: number;
  /** input event -> after the next frame with that DOM. */
  paintedMs: number;
}

export async function measureSearch(page: Page, dataset: Dataset, queries: SearchQuery[]): Promise<SearchSample[]> {
  const total = dataset.count.toLocaleString('en-US');
  const newestFirst = [...dataset.jobs].reverse();
  const input = page.getByLabel('Search', { exact: true });
  const samples: SearchSample[] = [];
  for (const q of queries) {
    const prefixHits = newestFirst.filter((j) => matches(j.prompt, q.prefix));
    const hits = newestFirst.filter((j) => matches(j.prompt, q.query));
    const captionOf = (n: number, narrowed: boolean) =>
      narrowed ? `${n.toLocaleString('en-US')} of ${total}` : `${total} jobs`;
    await input.fill(q.prefix);
    // Settled on the prefix's result before the timed keystroke.
    await page.waitForFunction(
      (c) => (document.getElementById('job-count')?.textContent ?? '').trim() === c,
      captionOf(prefixHits.length, q.prefix.trim() !== ''),
      { polling: 50, timeout: 10_000 },
    );
    await page.waitForTimeout(150);
    await page.evaluate(armSearch({ caption: captionOf(hits.length, true), firstId: hits[0]?.id ?? null }));
    await page.keyboard.type(q.query.slice(-1));
    await page.waitForFunction(() => (window as any).__benchSearch?.painted != null, undefined, {
      polling: 20,
      timeout: 10_000,
    });
    const s = (await page.evaluate('window.__benchSearch')) as { t0: number; dom: number; painted: number };
    samples.push({ query: q.query, results: hits.length, domMs: s.dom - s.t0, paintedMs: s.painted - s.t0 });
  }
  await input.fill('');
  return samples;
}
