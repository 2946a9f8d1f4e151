/**
 * Section 11, find (issue 15): filter and sort in the real panel at 10,000 jobs (and 100,000), timed from the
 * user's event to the list painted, the way section 6 times a search keystroke; and the engine alone
 * (utils/panel/find.ts) in Node over rows that carry every organising field, at the same sizes.
 */
import type { Page } from 'playwright-core';
import { emptyFilter } from '../utils/panel/filter';
import { createFinder, type FindQuery } from '../utils/panel/find';
import { SORT_KEYS, type SortKey, sortOrder } from '../utils/panel/sort';
import type { IndexEntry } from '../utils/storage/layout';
import { type Dataset, matches } from './dataset';
import { fmt, type Row, type Summary, summarize } from './stats';

export interface FindSample {
  /** What was done: `sort:prompt`, `type:"kn" (sorted by prompt)`, `status:Failed`, `chip:remove`. */
  action: string;
  kind: 'sort' | 'filter' | 'keystroke';
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

async function timed(page: Page, expect: { caption: string; firstId: string | null }, act: () => Promise<unknown>) {
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
      const t = await timed(page, { caption: all, firstId: first.id }, () => sortSelect.selectOption(sort));
      samples.push({ action: `sort:${sort}`, kind: 'sort', results: dataset.count, ...t });
      await settle();
    }
    // A status filter that empties the list, then its chip's remove button brings every row back.
    const status = page.getByLabel('Status', { exact: true });
    let t = await timed(page, { caption: `0 of ${total}`, firstId: null }, () => status.selectOption('error'));
    samples.push({ action: 'status:Failed', kind: 'filter', results: 0, ...t });
    await settle();
    t = await timed(page, { caption: all, firstId: newestFirst[0]!.id }, () =>
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
    const t = await timed(page, { caption: caption(hits.length, true), firstId: hits[0]?.id ?? null }, () =>
      page.keyboard.type(query.slice(-1)),
    );
    samples.push({ action: `type:"${query}" sorted by prompt`, kind: 'keystroke', results: hits.length, ...t });
  }
  await input.fill('');
  await sortSelect.selectOption('newest');
  return samples;
}

// --- the engine alone ---------------------------------------------------------------------------------

/** Rows as an organised history holds them: ratings, stars, tags, boards, sizes, failures, some in the trash. */
export function organisedRows(count: number): IndexEntry[] {
  let seed = 42;
  const r = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const words = ['knight', 'mage', 'slime', 'golem', 'witch', 'owl', 'robot', 'paladin', 'red', 'idle', 'walk'];
  const sizes = [32, 48, 64, 96, 128];
  return Array.from({ length: count }, (_, n) => {
    const i = count - n;
    const entry: IndexEntry = {
      id: `job-${i}`,
      createdAt: 1_700_000_000_000 + i * 60_000,
      status: r() < 0.1 ? 'error' : 'success',
      prompt: `${words[Math.floor(r() * words.length)]} ${words[Math.floor(r() * words.length)]} #${i}`,
      kind: r() < 0.2 ? 'rotate' : 'generate',
      width: sizes[Math.floor(r() * sizes.length)],
      height: 64,
      usd: Math.round(r() * 100) / 1000,
      duration: Math.round(r() * 100) / 10,
    };
    if (r() < 0.3) entry.rating = 1 + Math.floor(r() * 5);
    if (r() < 0.1) entry.starred = true;
    if (r() < 0.2) entry.tags = ['hero', 'enemy', 'tile'].filter(() => r() < 0.5);
    if (r() < 0.1) entry.boards = ['board-a'];
    if (r() < 0.02) entry.trashedAt = 1;
    return entry;
  });
}

export interface EngineFigure {
  id: string;
  what: string;
  ms: Summary;
}

/** Milliseconds of `run`, `runs` times (after one warm-up run). */
function time(runs: number, run: () => void): Summary {
  run();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    run();
    out.push(performance.now() - t);
  }
  return summarize(out);
}

/** The engine over `count` organised rows: each sort, a filter set, a typed query, and a change of the rows. */
export function benchFindEngine(count: number, runs = 7): EngineFigure[] {
  const rows = organisedRows(count);
  const lower = rows.map((e) => e.prompt.toLowerCase());
  const figures: EngineFigure[] = SORT_KEYS.map((sort) => ({
    id: `engine.sort.${sort}`,
    what: `sort ${sort}`,
    ms: time(runs, () => sortOrder(rows, sort, lower)),
  }));
  const filtered: FindQuery = { ...emptyFilter, sort: 'rating', minRating: 3, tags: ['hero'], kind: 'generate' };
  figures.push({
    id: 'engine.filter',
    what: 'rating >= 3 + tag + kind, sorted by rating (new query, order cached)',
    ms: (() => {
      // One finder: the order is sorted once; each run is a different filter set over it.
      const finder = createFinder();
      let flip = false;
      return time(runs, () => {
        flip = !flip;
        finder.run(rows, 1, { ...filtered, minRating: flip ? 3 : 2 });
      });
    })(),
  });
  const typing = ['k', 'kn', 'kni', 'knig', 'knigh', 'knight', 'knight ', 'knight r', 'knight re'];
  figures.push({
    id: 'engine.keystroke',
    what: `typing "knight re" with a filter on, per keystroke`,
    ms: (() => {
      const out: number[] = [];
      for (let i = 0; i < runs; i++) {
        const finder = createFinder();
        finder.run(rows, 1, { ...filtered, text: '' });
        for (const text of typing) {
          const t = performance.now();
          finder.run(rows, 1, { ...filtered, text });
          out.push(performance.now() - t);
        }
      }
      return summarize(out);
    })(),
  });
  figures.push({
    id: 'engine.change',
    what: 'a new row at the top under a sort and filter (re-sort, re-filter)',
    ms: (() => {
      const finder = createFinder();
      let version = 1;
      let current = rows;
      finder.run(current, version, filtered);
      return time(runs, () => {
        current = [{ ...current[0]!, id: `new-${version}`, createdAt: current[0]!.createdAt + 1 }, ...current];
        finder.run(current, ++version, filtered);
      });
    })(),
  });
  return figures;
}

/** Table rows: in-panel figures against the 50 ms target, the engine's as information. */
export function findRows(samples: readonly FindSample[], count: number, engine: readonly EngineFigure[]): Row[] {
  const n = count.toLocaleString('en-US');
  const rows: Row[] = [];
  for (const kind of ['sort', 'filter', 'keystroke'] as const) {
    const of = samples.filter((s) => s.kind === kind);
    if (!of.length) continue;
    const painted = summarize(of.map((s) => s.paintedMs));
    const dom = summarize(of.map((s) => s.domMs));
    const what = {
      sort: 'sort changed (prompt, oldest, newest)',
      filter: 'status filter applied, then removed by its chip',
      keystroke: 'search keystroke while sorted by prompt',
    }[kind];
    rows.push({
      id: `find.${kind}.${count}`,
      measurement: `11. ${what} over ${n} jobs: event to list painted`,
      ours: painted,
      baseline: null,
      unit: 'ms',
      target: '<= 50 ms (median)',
      pass: painted.median <= 50,
      note: `${of.length} samples; to the DOM update ${fmt(dom.median, 'ms')}; slowest: ${[...of]
        .sort((a, b) => b.paintedMs - a.paintedMs)
        .slice(0, 2)
        .map((s) => `${s.action} ${s.paintedMs.toFixed(1)} ms`)
        .join(', ')}`,
    });
  }
  for (const f of engine)
    rows.push({
      id: `${f.id}.${count}`,
      measurement: `11. engine, ${n} organised rows: ${f.what}`,
      ours: f.ms,
      baseline: null,
      unit: 'ms',
    });
  return rows;
}
