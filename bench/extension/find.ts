/**
 * Section 12 in the browser: filter and sort in the real panel, timed from the user's event to the list
 * painted, the way section 6 times a search keystroke.
 */
import type { Page } from 'playwright-core';
import type { SortKey } from '../../utils/panel/sort';
import { type Dataset, matches } from '../dataset';

export interface FindSample {
  /** What was done: `sort:prompt`, `type:"kn" (sorted by prompt)`, `status:Failed`, `chip:remove`. */
  action: string;
  kind: 'sort' | 'filter' | 'keystroke' | 'colour' | 'colour-first';
  results: number;
  domMs: number;
  paintedMs: number;
}

/**
 * Arms a timer for the next user event (input, change or click, seen capturing at the document): done when
 * the caption says `caption` and the first row is `firstId` (dom), and after the next frame (painted).
 */
function armEvent(expect: { caption: string; firstId: string | null }): string {
  return `(() => {
  const EXP = ${JSON.stringify(expect)};
  const S = (window.__benchFind = { t0: null, dom: null, painted: null });
  const list = document.querySelector('.list-area') || document.body;
  const ok = () => {
    const cap = (document.getElementById('job-count')?.textContent || '').trim();
    const first = document.querySelector('[data-testid="job-scroller"] [data-job-id]');
    return cap === EXP.caption && (first ? first.getAttribute('data-job-id') : null) === EXP.firstId;
  };
  const start = () => { if (S.t0 === null) S.t0 = performance.now(); };
  for (const type of ['input', 'change', 'click']) document.addEventListener(type, start, { once: true, capture: true });
  const observer = new MutationObserver(() => {
    if (S.t0 === null || S.dom !== null || !ok()) return;
    S.dom = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { S.painted = performance.now(); };
      ch.port2.postMessage(0);
    });
  });
  observer.observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
})()`;
}

/** The panel's orders, computed in Node from the dataset (newest first, ties in index order). */
function ordered(newestFirst: readonly { id: string; prompt: string; createdAt: number }[], sort: SortKey) {
  const at = newestFirst.map((job, i) => ({ job, i }));
  if (sort === 'oldest') return at.reverse().map((x) => x.job);
  if (sort === 'prompt') {
    const key = (p: string) => p.toLowerCase();
    return at
      .sort((a, b) =>
        key(a.job.prompt) < key(b.job.prompt) ? -1 : key(a.job.prompt) > key(b.job.prompt) ? 1 : a.i - b.i,
      )
      .map((x) => x.job);
  }
  return at.map((x) => x.job);
}

/** Times `act` (the user's event) to the caption and first row expected, in the DOM and painted. */
export async function timedFind(
  page: Page,
  expect: { caption: string; firstId: string | null },
  act: () => Promise<unknown>,
) {
  await page.evaluate(armEvent(expect));
  await act();
  await page.waitForFunction(() => (window as any).__benchFind?.painted != null, undefined, {
    polling: 20,
    timeout: 20_000,
  });
  const s = (await page.evaluate('window.__benchFind')) as { t0: number; dom: number; painted: number };
  return { domMs: s.dom - s.t0, paintedMs: s.painted - s.t0 };
}

/**
 * In a panel with the full index in: sort changes (prompt, oldest, back to newest), keystrokes while sorted by
 * prompt, and a status filter applied and removed by its chip. `rounds` repeats the sort and filter actions.
 */
export async function measureFind(page: Page, dataset: Dataset, queries: string[], rounds = 3): Promise<FindSample[]> {
  const total = dataset.count.toLocaleString('en-US');
  const all = `${total} jobs`;
  const newestFirst = [...dataset.jobs].reverse();
  const sortSelect = page.getByLabel('Sort', { exact: true });
  const samples: FindSample[] = [];
  const settle = () => page.waitForTimeout(150);

  for (let round = 0; round < rounds; round++) {
    for (const sort of ['prompt', 'oldest', 'newest'] as const) {
      const first = ordered(newestFirst, sort)[0]!;
      const t = await timedFind(page, { caption: all, firstId: first.id }, () => sortSelect.selectOption(sort));
      samples.push({ action: `sort:${sort}`, kind: 'sort', results: dataset.count, ...t });
      await settle();
    }
    // A status filter that empties the list, then its chip's remove button brings every row back.
    const status = page.getByLabel('Status', { exact: true });
    let t = await timedFind(page, { caption: `0 of ${total}`, firstId: null }, () => status.selectOption('error'));
    samples.push({ action: 'status:Failed', kind: 'filter', results: 0, ...t });
    await settle();
    t = await timedFind(page, { caption: all, firstId: newestFirst[0]!.id }, () =>
      page.getByRole('button', { name: 'Remove filter: Status: Failed' }).click(),
    );
    samples.push({ action: 'chip:remove', kind: 'filter', results: dataset.count, ...t });
    await settle();
  }

  // Keystrokes while the list is sorted by prompt: the answer comes out in that order.
  await sortSelect.selectOption('prompt');
  const input = page.getByLabel('Search', { exact: true });
  const byPrompt = ordered(newestFirst, 'prompt');
  for (const query of queries) {
    const prefix = query.slice(0, -1);
    const prefixHits = byPrompt.filter((j) => matches(j.prompt, prefix));
    const hits = byPrompt.filter((j) => matches(j.prompt, query));
    await input.fill(prefix);
    const caption = (n: number, narrowed: boolean) => (narrowed ? `${n.toLocaleString('en-US')} of ${total}` : all);
    await page.waitForFunction(
      (c) => (document.getElementById('job-count')?.textContent ?? '').trim() === c,
      caption(prefixHits.length, prefix.trim() !== ''),
      { polling: 50, timeout: 10_000 },
    );
    await settle();
    const t = await timedFind(page, { caption: caption(hits.length, true), firstId: hits[0]?.id ?? null }, () =>
      page.keyboard.type(query.slice(-1)),
    );
    samples.push({ action: `type:"${query}" sorted by prompt`, kind: 'keystroke', results: hits.length, ...t });
  }
  await input.fill('');
  await sortSelect.selectOption('newest');
  return samples;
}
