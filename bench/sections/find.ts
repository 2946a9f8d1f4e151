/**
 * 12. Find (issue 15): sort, a status filter and its chip, and a search keystroke while sorted, in the panel at
 * 10,000 jobs (and 100,000 with BENCH_100K=1); and the engine (utils/panel/find.ts) alone in Node over rows
 * that carry every organising field, at the same sizes. BENCH_ONLY=find runs this section alone.
 */
import type { Page } from 'playwright-core';
import { emptyFilter } from '../../utils/panel/filter';
import { createFinder, type FindQuery } from '../../utils/panel/find';
import { SORT_KEYS, sortOrder } from '../../utils/panel/sort';
import { stackEntries } from '../../utils/panel/stacks';
import type { IndexEntry } from '../../utils/storage/layout';
import { colourIndexSizes } from '../colours';
import type { Dataset } from '../dataset';
import { type FindSample, measureFind } from '../extension/find';
import { measureColourFind } from '../extension/find-colour';
import { firstRowsOnce, waitForFullIndex } from '../extension/first-rows';
import { INSIGHTS_SEARCHES, measureInsights } from '../extension/insights';
import { openProfile, ROW_HEIGHT, seedLayout } from '../extension/profile';
import { pickQueries } from '../extension/search';
import { CONFIG, log, QUICK, samples, sleep, tmp } from '../run-context';
import { fmt, type Row, type Summary, summarize } from '../stats';
import { colourEngineFigures } from './find-colour';

/** Section 12 in a panel holding the full index of `d`, then the engine alone at the same size. */
export async function benchFindIn(page: Page, d: Dataset): Promise<void> {
  log(`find: sorting and filtering in the panel over ${d.count} jobs`);
  const queries = pickQueries(d, QUICK ? 4 : 8).map((q) => q.query);
  const found = await measureFind(page, d, queries, QUICK ? 1 : 3);
  found.push(...(await measureColourFind(page, d, QUICK ? 3 : 6)));
  log(`  ${found.map((s) => `${s.action}=${s.paintedMs.toFixed(0)}`).join(' ')}`);
  const engine = [...benchFindEngine(d.count), ...(await colourEngineFigures(d.count))];
  const sizes = colourIndexSizes(d);
  log(
    `  colour index: ${(sizes.storedBytes / 1e6).toFixed(2)} MB stored (${sizes.coloursPerJob.toFixed(0)} colours a job, ` +
      `${sizes.distinctColours} distinct); an inverted index would be ${(sizes.invertedBytes / 1e6).toFixed(2)} MB`,
  );
  log(`  engine: ${engine.map((f) => `${f.id}=${f.ms.median.toFixed(1)}`).join(' ')}`);
  samples.find[d.count] = { samples: found, engine };
}

/** BENCH_ONLY=find: section 12 alone, in a profile holding `d`. */
export async function benchFindOnly(extDir: string, d: Dataset, only: ReadonlySet<string>): Promise<void> {
  const b = await openProfile(extDir, tmp(`profile-find-${d.count}`));
  try {
    const seeded = await seedLayout(b, d);
    log(`profile with ${d.count} jobs in the layout: ${seeded.keys} keys written in ${Math.round(seeded.ms)} ms`);
    const { page } = await firstRowsOnce(
      b,
      { mode: 'panel', expectRows: d.count, rowHeight: ROW_HEIGHT },
      { keep: true },
    );
    await waitForFullIndex(page, d.count, 180_000);
    await sleep(500);
    // BENCH_ONLY=insights measures section 11 the same way, in the same panel.
    if (only.has('insights')) {
      const measured = await measureInsights(page, CONFIG.insightsRuns, INSIGHTS_SEARCHES);
      if (d.count >= 100_000) samples.insightsHuge = measured;
      else samples.insights = measured;
      log(`  insights: ${measured.map((s) => `${s.search || 'all'}=${s.paintedMs.toFixed(0)}`).join(' ')}`);
    }
    if (only.has('find')) await benchFindIn(page, d);
    await page.close();
  } finally {
    await b.close();
  }
}

/** Every size section 12 measured, as table rows. */
export function findTableRows(): Row[] {
  return Object.entries(samples.find).flatMap(([n, f]) => findRows(f.samples, Number(n), f.engine));
}

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
  // Stacks: batches of 8 (an 8-direction set) with two single jobs between, folded into one row each.
  const grouped = rows.map((e, i) => (i % 10 < 8 ? { ...e, groupId: `batch-${Math.floor(i / 10)}` } : e));
  figures.push({
    id: 'engine.stacks',
    what: 'stacks: every batch of 8 folded to one row (a pass over the rows)',
    ms: time(runs, () => stackEntries(grouped, new Set())),
  });
  figures.push({
    id: 'engine.stacks.expanded',
    what: 'stacks: one batch shown in place, the rest folded',
    ms: time(runs, () => stackEntries(grouped, new Set(['batch-3']))),
  });
  return figures;
}

/** Table rows: in-panel figures against the 50 ms target, the engine's as information. */
export function findRows(samples: readonly FindSample[], count: number, engine: readonly EngineFigure[]): Row[] {
  const n = count.toLocaleString('en-US');
  const rows: Row[] = [];
  for (const kind of ['sort', 'filter', 'keystroke', 'colour', 'colour-first'] as const) {
    const of = samples.filter((s) => s.kind === kind);
    if (!of.length) continue;
    const painted = summarize(of.map((s) => s.paintedMs));
    const dom = summarize(of.map((s) => s.domMs));
    const what = {
      sort: 'sort changed (prompt, oldest, newest)',
      filter: 'status filter applied, then removed by its chip',
      keystroke: 'search keystroke while sorted by prompt',
      colour: 'colour filter: last hex digit typed (a new colour each time), then its chip removed',
      'colour-first': "colour filter, the panel's first (its index read begun as the filter menu opened)",
    }[kind];
    rows.push({
      id: `find.${kind}.${count}`,
      measurement: `12. ${what} over ${n} jobs: event to list painted`,
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
      measurement: `12. engine, ${n} organised rows: ${f.what}`,
      ours: f.ms,
      baseline: null,
      unit: 'ms',
    });
  return rows;
}
