/**
 * `npm run bench`: the extension's history at 1,000 and 10,000 jobs, side by side with the seed's way of
 * doing the same thing, in one run on this machine, in the real Chromium with the built extension and the
 * real companion process. Prints a table and writes bench/results.json. bench/README.md says what each
 * figure covers.
 *
 *   BENCH_QUICK=1   a smoke run: 200 / 2,000 jobs and fewer runs (the targets are not meaningful there)
 *   BENCH_ONLY=panel|companion   only the browser-panel half (1, 4, 6, 11) or the companion half (2, 3, 5, 7, 8, 9);
 *                   old-api (7, 9), scale (8), first-sync (5, and 10's first sync) and find (11) pick those parts
 *   BENCH_OUT       where to write the results (default bench/results.json)
 *   BENCH_100K=1    also 100,000 jobs: in 7 and 8, and first rows (against 1,000), search and a first sync
 *                   (the PNGs are made once and cached, a few minutes the first time)
 *   BENCH_BUDGET_S  time budget (default 600): a second first-sync run is skipped if it would end past it
 *   CHROME_PATH     the Chromium binary (default /usr/bin/chromium)
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { livePids } from './browser';
import {
  type ChangeSample,
  concurrentPushes,
  fullPullOnce,
  health,
  jobVersion,
  type LoadResult,
  loadJobsOnce,
  pushOneOnce,
  type ReadSample,
  SYNC_PAGE_SIZE,
  saveJobsOnce,
  seedJobsFrom,
  startBenchCompanion,
} from './companion';
import { type Dataset, makeDataset, writeCompanionDataDir } from './dataset';
import {
  baselineHeap,
  baselineKey,
  FIRST_ROWS,
  type FirstRowsSample,
  type FirstSyncSample,
  firstRowsOnce,
  firstSyncOnce,
  floorKeys,
  type MemorySample,
  measureMemory,
  measureSearch,
  openProfile,
  pickQueries,
  ROW_HEIGHT,
  type SearchSample,
  seedBaseline,
  seedLayout,
  waitForFullIndex,
} from './extension';
import { benchFindEngine, type EngineFigure, type FindSample, findRows, measureFind } from './find';
import { firstSyncLog, firstSyncRows } from './first-sync-report';
import { request } from './http';
import { oldApiScaleRows, printScaleTable, scaleTable } from './old-api-scale-rows';
import { benchOldApiAndScale, type OldApiScaleResults } from './old-api-scale-run';
import { fmt, printTable, type Row, type Summary, summarize } from './stats';

const ROOT = path.resolve(import.meta.dirname, '..');
const QUICK = process.env.BENCH_QUICK === '1';

const CONFIG = QUICK
  ? {
      small: 200,
      large: 2000,
      warmRuns: 3,
      coldRuns: 1,
      baselineWarmRuns: 2,
      baselineColdRuns: 1,
      searchQueries: 8,
      oneChangeRuns: 2,
      pushRuns: 4,
      loadJobsRuns: 2,
      pullRuns: 2,
      pushClients: 20,
      pushesPerClient: 5,
      firstSyncRuns: 1,
      oldApiRuns: 2,
      oldApiHugeRuns: 1,
      scaleStartRuns: 2,
      scalePushRuns: 3,
    }
  : {
      small: 1000,
      large: 10000,
      warmRuns: 11,
      coldRuns: 5,
      baselineWarmRuns: 5,
      baselineColdRuns: 3,
      searchQueries: 20,
      oneChangeRuns: 5,
      pushRuns: 9,
      loadJobsRuns: 3,
      pullRuns: 5,
      pushClients: 20,
      pushesPerClient: 25,
      firstSyncRuns: 2,
      oldApiRuns: 5,
      oldApiHugeRuns: 2,
      scaleStartRuns: 3,
      scalePushRuns: 7,
    };
const HUGE_RUN = process.env.BENCH_100K === '1';

/** BENCH_100K=1: the 100,000-job figures too (20,000 in a quick run). */
const HUGE = process.env.BENCH_100K === '1' ? (QUICK ? 20_000 : 100_000) : null;

/** BENCH_BUDGET_S: extra first-sync runs are skipped past this (default 600 s); RESERVE: what follows them. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 600) * 1000;
const RESERVE_MS = 60_000;
/** What sections 7-9 take after the first sync here (the old API, the scale points at 1k and 10k). */
const OLD_API_SCALE_RESERVE_MS = 150_000;

/** The panel at a taller size for the scroll-through only (see measureMemory). */
const MEMORY_VIEWPORT = { width: 400, height: 1600 };

const wallStart = performance.now();
const log = (line: string) =>
  process.stdout.write(`[bench ${((performance.now() - wallStart) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'pixellab-bench-'));
process.once('exit', () => rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 2 }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const tmp = (name: string) => path.join(tmpRoot, name);

/** Always builds (a few seconds), then copies the build so a rebuild of .output by someone else cannot swap files under the browser. */
function buildExtension(): string {
  const started = performance.now();
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (lastError) throw new Error(`npx wxt build failed: ${(lastError as Error).message}`);
  const built = path.join(ROOT, '.output/chrome-mv3');
  if (!existsSync(path.join(built, 'manifest.json'))) throw new Error(`npx wxt build wrote no ${built}/manifest.json`);
  const copy = tmp('chrome-mv3');
  cpSync(built, copy, { recursive: true });
  log(`extension built in ${Math.round(performance.now() - started)} ms`);
  return copy;
}

function machine() {
  const cpus = os.cpus();
  let chromium = '';
  try {
    chromium = execFileSync(process.env.CHROME_PATH ?? '/usr/bin/chromium', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    chromium = 'unknown';
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium,
    loadAverageAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

// ---------------------------------------------------------------------------------------------------

interface FirstRowsResults {
  warm: Record<string, FirstRowsSample[]>;
  cold: Record<string, FirstRowsSample[]>;
}

const results: Record<string, any> = {};
const firstRows: FirstRowsResults = { warm: {}, cold: {} };
let search: SearchSample[] = [];
let searchHuge: SearchSample[] = [];
/** Section 11: filter and sort in the panel, and the engine alone, per size. */
const find: Record<number, { samples: FindSample[]; engine: EngineFigure[] }> = {};
const firstSyncHuge: FirstSyncSample[] = [];
let memory: MemorySample | null = null;
let memoryBaseline: number | null = null;

async function warmRuns(
  b: Awaited<ReturnType<typeof openProfile>>,
  label: string,
  config: Parameters<typeof firstRowsOnce>[1],
  runs: number,
): Promise<void> {
  // One navigation first: its reads bring the storage backend's caches up, as any earlier open would have.
  await firstRowsOnce(b, config, { timeoutMs: 120_000 });
  const samples: FirstRowsSample[] = [];
  for (let i = 0; i < runs; i++) {
    await sleep(300);
    samples.push((await firstRowsOnce(b, config, { timeoutMs: 120_000 })).sample);
  }
  firstRows.warm[label] = samples;
  log(`  ${label} warm: ${samples.map((s) => Math.round(s.painted)).join(', ')} ms`);
  log(`    medians from navigation: ${JSON.stringify(phasesOf(samples))}`);
}

async function coldRuns(
  extDir: string,
  dir: string,
  label: string,
  config: Parameters<typeof firstRowsOnce>[1],
  runs: number,
): Promise<void> {
  const samples: FirstRowsSample[] = [];
  for (let i = 0; i < runs; i++) {
    const b = await openProfile(extDir, dir);
    try {
      // The worker's own start (migrations check, a sync attempt) is over before the panel opens.
      await sleep(1000);
      samples.push((await firstRowsOnce(b, config, { timeoutMs: 120_000 })).sample);
    } finally {
      await b.close();
    }
  }
  firstRows.cold[label] = samples;
  log(`  ${label} cold: ${samples.map((s) => Math.round(s.painted)).join(', ')} ms`);
}

/** Section 11 in a panel holding the full index of `d`, then the engine alone at the same size. */
async function benchFindIn(page: Parameters<typeof measureFind>[0], d: Dataset): Promise<void> {
  log(`find: sorting and filtering in the panel over ${d.count} jobs`);
  const queries = pickQueries(d, QUICK ? 4 : 8).map((q) => q.query);
  const samples = await measureFind(page, d, queries, QUICK ? 1 : 3);
  log(`  ${samples.map((s) => `${s.action}=${s.paintedMs.toFixed(0)}`).join(' ')}`);
  const engine = benchFindEngine(d.count);
  log(`  engine: ${engine.map((f) => `${f.id}=${f.ms.median.toFixed(1)}`).join(' ')}`);
  find[d.count] = { samples, engine };
}

/** BENCH_ONLY=find: section 11 alone, in a profile holding `d` (and 100,000 with BENCH_100K). */
async function benchFindOnly(extDir: string, d: Dataset): Promise<void> {
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
    await benchFindIn(page, d);
    await page.close();
  } finally {
    await b.close();
  }
}

async function benchPanel(extDir: string, small: Dataset, large: Dataset): Promise<void> {
  const panel = (d: Dataset) => ({ mode: 'panel' as const, expectRows: d.count, rowHeight: ROW_HEIGHT });
  const floor = (d: Dataset) => ({
    mode: 'floor' as const,
    keys: floorKeys(d),
    expectRows: FIRST_ROWS,
    rowHeight: ROW_HEIGHT,
  });
  const baseline = (d: Dataset, keep = false) => ({
    mode: 'baseline' as const,
    key: baselineKey(d.count, large.count),
    rows: 30,
    keep,
    expectRows: 30,
    rowHeight: ROW_HEIGHT,
  });
  const profiles = { small: tmp('profile-small'), large: tmp('profile-large'), baseline: tmp('profile-baseline') };

  // The layouts, 1,000 and 10,000 jobs, each in its own profile.
  for (const [dir, d] of [
    [profiles.small, small],
    [profiles.large, large],
  ] as const) {
    const b = await openProfile(extDir, dir);
    try {
      const seeded = await seedLayout(b, d);
      log(`profile with ${d.count} jobs in the layout: ${seeded.keys} keys written in ${Math.round(seeded.ms)} ms`);
      await warmRuns(b, `ours-${d.count}`, panel(d), CONFIG.warmRuns);
      await warmRuns(b, `floor-${d.count}`, floor(d), CONFIG.warmRuns);
      if (d === large) {
        log('search: typing into the panel over the full index');
        const { page } = await firstRowsOnce(b, panel(d), { keep: true });
        await waitForFullIndex(page, d.count);
        await sleep(500);
        search = await measureSearch(page, d, pickQueries(d, CONFIG.searchQueries));
        log(`  ${search.length} queries: ${search.map((s) => `${s.query}=${s.paintedMs.toFixed(0)}`).join(' ')}`);
        await benchFindIn(page, d);
        await page.close();
        log('memory: scrolling through every row of the virtualized list');
        memory = await measureMemory(b, d, MEMORY_VIEWPORT);
        log(
          `  heap ${fmt(memory.heapAfterScroll, 'MB')} after ${memory.seen} rows seen in ${Math.round(memory.scrollMs)} ms (${memory.steps} steps, ${memory.stuck} stuck)`,
        );
      }
    } finally {
      await b.close();
    }
  }

  // The baseline: both histories in the seed's format, one key each, in a third profile.
  {
    const b = await openProfile(extDir, profiles.baseline);
    try {
      for (const d of [small, large]) {
        const seeded = await seedBaseline(b, d, baselineKey(d.count, large.count));
        log(
          `baseline key ${baselineKey(d.count, large.count)}: ${fmt(seeded.bytes, 'MB')} of seed-format JSON written in ${Math.round(seeded.ms)} ms`,
        );
      }
      await warmRuns(b, `baseline-${small.count}`, baseline(small), CONFIG.baselineWarmRuns);
      await warmRuns(b, `baseline-${large.count}`, baseline(large), CONFIG.baselineWarmRuns);
      memoryBaseline = await baselineHeap(b, baselineKey(large.count, large.count));
      log(`  baseline page heap holding ${large.count} jobs: ${fmt(memoryBaseline, 'MB')}`);
    } finally {
      await b.close();
    }
  }

  // Cold: each open is the first after a browser restart on the same profile.
  await coldRuns(extDir, profiles.small, `ours-${small.count}`, panel(small), CONFIG.coldRuns);
  await coldRuns(extDir, profiles.large, `ours-${large.count}`, panel(large), CONFIG.coldRuns);
  await coldRuns(extDir, profiles.large, `floor-${large.count}`, floor(large), CONFIG.coldRuns);
  await coldRuns(extDir, profiles.baseline, `baseline-${large.count}`, baseline(large), CONFIG.baselineColdRuns);
  for (const dir of Object.values(profiles)) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------

const reads: { loadJobs: ReadSample[]; pull: ReadSample[] } = { loadJobs: [], pull: [] };
const change: { baseline: ChangeSample[]; ours: ChangeSample[] } = { baseline: [], ours: [] };
let load: LoadResult | null = null;
const firstSync: FirstSyncSample[] = [];
let oldApiScale: OldApiScaleResults | null = null;

async function benchCompanion(
  extDir: string,
  large: Dataset,
  reserveAfter: number,
  firstSyncOnly: boolean,
): Promise<void> {
  const dataDir = tmp('companion-data');
  await writeCompanionDataDir(large, dataDir, `bench-${randomUUID()}`);
  const companion = await startBenchCompanion(dataDir);
  livePids.add(companion.proc.pid!);
  try {
    const h = await health(companion.url);
    if (h.lastSeq !== large.count) throw new Error(`the companion holds lastSeq ${h.lastSeq}, expected ${large.count}`);
    log(`companion ${companion.url} with ${large.count} jobs`);

    // 3a. Reads of the whole history.
    if (!firstSyncOnly) {
      for (let i = 0; i < CONFIG.loadJobsRuns; i++) reads.loadJobs.push(await loadJobsOnce(companion.url));
      for (let i = 0; i < CONFIG.pullRuns; i++) {
        const pull = await fullPullOnce(companion.url);
        if (pull.jobs !== large.count) throw new Error(`a full pull gave ${pull.jobs} jobs, expected ${large.count}`);
        const { ids: _ids, ...sample } = pull;
        reads.pull.push(sample);
      }
      log(
        `  /load-jobs ${reads.loadJobs.map((s) => Math.round(s.ms)).join(', ')} ms; full pull ${reads.pull.map((s) => Math.round(s.ms)).join(', ')} ms`,
      );
    }

    // 5. First sync of a fresh extension against this companion (before anything changes it). A run takes
    // minutes here; a further run is skipped when it would push the whole bench past its time budget.
    for (let i = 0; i < CONFIG.firstSyncRuns; i++) {
      const elapsed = performance.now() - wallStart;
      const last = firstSync.at(-1)?.totalMs ?? 0;
      if (i > 0 && elapsed + last * 1.2 + RESERVE_MS + reserveAfter > BUDGET_MS) {
        log(`  first sync: run ${i + 1} skipped, it would end past the ${BUDGET_MS / 1000} s budget`);
        break;
      }
      const dir = tmp(`profile-first-sync-${i}`);
      const sample = await firstSyncOnce(extDir, dir, { url: companion.url, lastSeq: h.lastSeq }, large.count, 600_000);
      rmSync(dir, { recursive: true, force: true });
      firstSync.push(sample);
      for (const line of firstSyncLog(sample)) log(line);
    }

    if (firstSyncOnly) return;
    // 2. One job change: the seed's full /save-jobs against one push.
    const loaded = seedJobsFrom((await request(`${companion.url}/load-jobs`)).body);
    const pid = companion.proc.pid!;
    const newest = large.jobs.length - 1;
    for (let i = 0; i < Math.max(CONFIG.oneChangeRuns, CONFIG.pushRuns); i++) {
      if (i < CONFIG.pushRuns) {
        change.ours.push(
          await pushOneOnce(companion.url, pid, await jobVersion(companion.url, large.jobs[newest - 2 * i]!.id), i),
        );
        await sleep(100);
      }
      if (i < CONFIG.oneChangeRuns) {
        const index = loaded.jobs.findIndex((j) => j.id === large.jobs[newest - 2 * i - 1]!.id);
        change.baseline.push(await saveJobsOnce(companion.url, pid, loaded.jobs, loaded.lastJobId, index));
        await sleep(300);
      }
    }
    log(
      `  one change: push ${change.ours.map((s) => s.e2eMs.toFixed(1)).join(', ')} ms; save-jobs ${change.baseline.map((s) => Math.round(s.e2eMs)).join(', ')} ms`,
    );

    // 3b. Concurrent pushes, then a pull to count what was kept.
    load = await concurrentPushes(companion.url, large.jobs[0]!, CONFIG.pushClients, CONFIG.pushesPerClient);
    log(
      `  ${load.pushes} pushes from ${load.clients} clients: ${load.throughput.toFixed(0)}/s, p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, ${load.errors} errors, ${load.lost} lost`,
    );
  } finally {
    await companion.stop();
    livePids.delete(companion.proc.pid!);
  }
}

/**
 * 100,000 jobs (BENCH_100K=1): first rows warm and cold in a profile of their own, against the 1,000 of the
 * panel half; search; a first sync from a companion of its own. No baseline (one key of 600 MB) or memory walk.
 */
async function benchHuge(extDir: string, huge: Dataset, only: Set<string>): Promise<void> {
  const label = `ours-${huge.count}`;
  if (only.has('panel')) {
    const dir = tmp('profile-huge');
    const b = await openProfile(extDir, dir);
    try {
      const seeded = await seedLayout(b, huge);
      log(`profile with ${huge.count} jobs in the layout: ${seeded.keys} keys written in ${Math.round(seeded.ms)} ms`);
      const panel = { mode: 'panel' as const, expectRows: huge.count, rowHeight: ROW_HEIGHT };
      await warmRuns(b, label, panel, CONFIG.warmRuns);
      log(`search: typing into the panel over ${huge.count} prompts`);
      const { page } = await firstRowsOnce(b, panel, { keep: true });
      await waitForFullIndex(page, huge.count, 180_000);
      await sleep(500);
      searchHuge = await measureSearch(page, huge, pickQueries(huge, CONFIG.searchQueries));
      await benchFindIn(page, huge);
      await page.close();
      log(`  ${searchHuge.length} queries: ${searchHuge.map((q) => `${q.query}=${q.paintedMs.toFixed(0)}`).join(' ')}`);
    } finally {
      await b.close();
    }
    await coldRuns(
      extDir,
      dir,
      label,
      { mode: 'panel', expectRows: huge.count, rowHeight: ROW_HEIGHT },
      CONFIG.coldRuns,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  if (only.has('companion') || only.has('first-sync')) {
    const dataDir = tmp('companion-huge');
    await writeCompanionDataDir(huge, dataDir, `bench-${randomUUID()}`);
    const companion = await startBenchCompanion(dataDir);
    livePids.add(companion.proc.pid!);
    try {
      const h = await health(companion.url);
      log(`companion ${companion.url} with ${huge.count} jobs: first sync`);
      const dir = tmp('profile-first-sync-huge');
      const sample = await firstSyncOnce(
        extDir,
        dir,
        { url: companion.url, lastSeq: h.lastSeq },
        huge.count,
        1_800_000,
      );
      rmSync(dir, { recursive: true, force: true });
      firstSyncHuge.push(sample);
      for (const line of firstSyncLog(sample)) log(line);
    } finally {
      await companion.stop();
      livePids.delete(companion.proc.pid!);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

function hugeRows(small: Dataset, huge: Dataset | null): Row[] {
  if (!huge) return [];
  const rows: Row[] = [];
  const H = huge.count.toLocaleString('en-US');
  const S = small.count.toLocaleString('en-US');
  for (const kind of ['warm', 'cold'] as const) {
    const label = kind === 'warm' ? 'browser running' : 'first open after browser restart';
    const ours = firstRows[kind][`ours-${huge.count}`];
    const base = firstRows[kind][`ours-${small.count}`];
    if (!ours?.length) continue;
    const oursS = summarize(ours.map((x) => x.painted));
    rows.push({
      id: `firstRows.${kind}.${huge.count}`,
      measurement: `1. first rows, ${H} jobs (${label})`,
      ours: oursS,
      baseline: null,
      unit: 'ms',
    });
    if (base?.length) {
      const r = oursS.median / summarize(base.map((x) => x.painted)).median;
      rows.push({
        id: `firstRows.${kind}.scaling.${huge.count}`,
        measurement: `1. first rows ${H}/${S} (${label})`,
        ours: null,
        baseline: null,
        unit: 'x',
        ratio: fmt(r, 'x'),
        ratioValue: r,
        target: '<= 1.15',
        pass: r <= 1.15,
      });
    }
  }
  if (searchHuge.length) {
    const painted = summarize(searchHuge.map((q) => q.paintedMs));
    rows.push({
      id: `search.keystroke.${huge.count}`,
      measurement: `6. search over ${H} prompts: keystroke to list painted`,
      ours: painted,
      baseline: null,
      unit: 'ms',
      target: '<= 50 ms (median)',
      pass: painted.median <= 50,
      note: `${searchHuge.length} queries; slowest: ${[...searchHuge]
        .sort((a, b) => b.paintedMs - a.paintedMs)
        .slice(0, 3)
        .map((q) => `"${q.query}" (${q.results} results) ${q.paintedMs.toFixed(1)} ms`)
        .join(', ')}`,
    });
  }
  rows.push(...firstSyncRows(firstSyncHuge, huge.count, { totalMs: 30_000, firstRowsMs: null, longTaskMs: null }));
  return rows;
}

// ---------------------------------------------------------------------------------------------------

function rowsOf(small: Dataset, large: Dataset): Row[] {
  const S = small.count.toLocaleString('en-US');
  const L = large.count.toLocaleString('en-US');
  const rows: Row[] = [];
  const sum = (samples: number[] | undefined) => (samples?.length ? summarize(samples) : null);
  const painted = (list?: FirstRowsSample[]) => sum(list?.map((s) => s.painted));
  const speedup = (baseline: Summary | null, ours: Summary | null) =>
    baseline && ours ? baseline.median / ours.median : NaN;

  for (const kind of ['warm', 'cold'] as const) {
    const label = kind === 'warm' ? 'browser running' : 'first open after browser restart';
    const oursS = painted(firstRows[kind][`ours-${small.count}`]);
    const oursL = painted(firstRows[kind][`ours-${large.count}`]);
    const baseS = painted(firstRows[kind][`baseline-${small.count}`]);
    const baseL = painted(firstRows[kind][`baseline-${large.count}`]);
    if (oursS)
      rows.push({
        id: `firstRows.${kind}.${small.count}`,
        measurement: `1. first rows, ${S} jobs (${label})`,
        ours: oursS,
        baseline: baseS,
        unit: 'ms',
        ratio: baseS ? `${fmt(speedup(baseS, oursS), 'x')} faster` : '',
      });
    if (oursL) {
      const x = speedup(baseL, oursL);
      rows.push({
        id: `firstRows.${kind}.${large.count}`,
        measurement: `1. first rows, ${L} jobs (${label})`,
        ours: oursL,
        baseline: baseL,
        unit: 'ms',
        ratio: `${fmt(x, 'x')} faster`,
        ratioValue: x,
        target: '>= 30x faster',
        pass: x >= 30,
      });
    }
    const floorL = painted(firstRows[kind][`floor-${large.count}`]);
    if (floorL) {
      rows.push({
        id: `firstRows.${kind}.floor.${large.count}`,
        measurement: `1. floor: one read of the first ${FIRST_ROWS} rows' keys at document start, ${L} jobs (${label})`,
        ours: floorL,
        baseline: baseL,
        unit: 'ms',
        ratio: `${fmt(speedup(baseL, floorL), 'x')} faster`,
        note: 'not the panel: the least any layout needs in this page (its own script, one storage round trip, decode); shows how far a ratio can go',
      });
    }
    if (oursS && oursL) {
      const r = oursL.median / oursS.median;
      rows.push({
        id: `firstRows.${kind}.scaling`,
        measurement: `1. first rows ${L}/${S} (${label})`,
        ours: null,
        baseline: null,
        unit: 'x',
        ratio: fmt(r, 'x'),
        ratioValue: r,
        target: '<= 1.5',
        pass: r <= 1.5,
      });
    }
  }

  if (change.ours.length && change.baseline.length) {
    const oursBytes = summarize(change.ours.map((s) => s.bytes));
    const baseBytes = summarize(change.baseline.map((s) => s.bytes));
    const share = oursBytes.median / baseBytes.median;
    rows.push({
      id: 'oneChange.bytes',
      measurement: `2. one change at ${L} jobs: bytes on the wire`,
      ours: oursBytes,
      baseline: baseBytes,
      unit: 'B',
      ratio: `${(share * 100).toFixed(4)} %`,
      ratioValue: share,
      target: '<= 1 %',
      pass: share <= 0.01,
    });
    const oursE2e = summarize(change.ours.map((s) => s.e2eMs));
    const baseE2e = summarize(change.baseline.map((s) => s.e2eMs));
    const x = baseE2e.median / oursE2e.median;
    rows.push({
      id: 'oneChange.e2e',
      measurement: `2. one change at ${L} jobs: end to end`,
      ours: oursE2e,
      baseline: baseE2e,
      unit: 'ms',
      ratio: `${fmt(x, 'x')} faster`,
      ratioValue: x,
      target: '>= 20x faster',
      pass: x >= 20,
    });
    const oursServer = summarize(change.ours.map((s) => s.serverMs));
    const baseServer = summarize(change.baseline.map((s) => s.serverMs));
    rows.push({
      id: 'oneChange.server',
      measurement: `2. one change at ${L} jobs: server time`,
      ours: oursServer,
      baseline: baseServer,
      unit: 'ms',
      ratio: `${fmt(baseServer.median / oursServer.median, 'x')} faster`,
    });
  }

  if (reads.pull.length && reads.loadJobs.length) {
    const pull = summarize(reads.pull.map((s) => s.ms));
    const lj = summarize(reads.loadJobs.map((s) => s.ms));
    rows.push({
      id: 'companion.read',
      measurement: `3. whole history, ${L} jobs: full pull (${Math.ceil(large.count / SYNC_PAGE_SIZE)} pages) vs /load-jobs`,
      ours: pull,
      baseline: lj,
      unit: 'ms',
      ratio: `${fmt(lj.median / pull.median, 'x')} faster`,
      note: `bytes: pull ${fmt(summarize(reads.pull.map((s) => s.bytes)).median, 'B')} (no images; a client fetches the images it lacks separately), /load-jobs ${fmt(summarize(reads.loadJobs.map((s) => s.bytes)).median, 'B')} (images inline as data URLs)`,
    });
  }
  if (load) {
    const l = load;
    const lat = summarize(l.latencies);
    rows.push({
      id: 'companion.pushes.latency',
      measurement: `3. ${l.clients} concurrent pushers, ${l.pushes} pushes: latency p50 / p99`,
      ours: lat,
      baseline: null,
      unit: 'ms',
      ratio: `p50 ${fmt(l.p50, 'ms')}, p99 ${fmt(l.p99, 'ms')}`,
      note: `${fmt(l.throughput, '/s')} pushes over ${fmt(l.wallMs, 'ms')}`,
    });
    rows.push({
      id: 'companion.pushes.throughput',
      measurement: `3. ${l.clients} concurrent pushers: throughput`,
      ours: summarize([l.throughput]),
      baseline: null,
      unit: '/s',
    });
    rows.push({
      id: 'companion.pushes.errors',
      measurement: `3. ${l.clients} concurrent pushers: errors`,
      ours: summarize([l.errors]),
      baseline: null,
      unit: '',
      target: '0',
      pass: l.errors === 0,
    });
    rows.push({
      id: 'companion.pushes.lost',
      measurement: `3. ${l.clients} concurrent pushers: lost writes (pull afterwards)`,
      ours: summarize([l.lost]),
      baseline: null,
      unit: '',
      target: '0',
      pass: l.lost === 0 && l.found === l.pushes,
    });
  }

  if (memory) {
    const m = memory;
    rows.push({
      id: 'memory.heap',
      measurement: `4. panel JS heap after scrolling all ${L} jobs (after GC)`,
      ours: summarize([m.heapAfterScroll]),
      baseline: memoryBaseline === null ? null : summarize([memoryBaseline]),
      unit: 'MB',
      ratio: memoryBaseline ? `${fmt(memoryBaseline / m.heapAfterScroll, 'x')} smaller` : '',
      target: '<= 150 MB',
      pass: m.heapAfterScroll <= 150 * 1024 * 1024 && m.seen === large.count,
      note: `${m.seen} of ${large.count} rows seen with their thumbnail in ${Math.round(m.scrollMs / 1000)} s (${m.steps} scroll steps, panel ${MEMORY_VIEWPORT.width}x${MEMORY_VIEWPORT.height}); heap after first paint ${fmt(m.heapAfterFirstPaint, 'MB')}; ${m.domRows} rows in the DOM at the end; baseline = the one-key page holding the whole history`,
    });
  }

  rows.push(...firstSyncRows(firstSync, large.count, { totalMs: 3_000, firstRowsMs: 300, longTaskMs: 50 }));

  if (search.length) {
    const painted = summarize(search.map((s) => s.paintedMs));
    const dom = summarize(search.map((s) => s.domMs));
    rows.push({
      id: 'search.keystroke',
      measurement: `6. search over ${L} prompts: keystroke to list painted`,
      ours: painted,
      baseline: null,
      unit: 'ms',
      target: '<= 50 ms (median)',
      pass: painted.median <= 50,
      note: `${search.length} queries; to the DOM update alone ${fmt(dom.median, 'ms')} [${fmt(dom.min, 'ms')}..${fmt(dom.max, 'ms')}]; slowest: ${[
        ...search,
      ]
        .sort((a, b) => b.paintedMs - a.paintedMs)
        .slice(0, 3)
        .map((s) => `"${s.query}" (${s.results} results) ${s.paintedMs.toFixed(1)} ms`)
        .join(', ')}`,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const info = machine();
  log(
    `${QUICK ? 'QUICK run' : 'full run'} on ${info.cpus} x ${info.cpuModel}, ${info.memoryGB} GB, ${info.chromium}, Node ${info.node}; load average ${info.loadAverageAtStart.join(' ')}`,
  );
  const extDir = buildExtension();

  const t = performance.now();
  // The largest first: the others are its first jobs, not made again.
  const huge = HUGE ? makeDataset(HUGE) : null;
  const large = makeDataset(CONFIG.large);
  const small = makeDataset(CONFIG.small);
  log(
    `dataset: ${large.count} jobs, PNGs ${Math.round(large.pngBytes.mean)} B on average [${large.pngBytes.min}..${large.pngBytes.max}], made in ${Math.round(performance.now() - t)} ms`,
  );

  // BENCH_ONLY=panel or BENCH_ONLY=companion runs one half (while iterating on it); old-api or scale a part.
  const only = new Set((process.env.BENCH_ONLY ?? 'panel,companion').split(',').map((s) => s.trim()));
  const parts = {
    oldApi: only.has('companion') || only.has('old-api'),
    scale: only.has('companion') || only.has('scale'),
  };
  let failure: unknown = null;
  try {
    if (only.has('panel')) await benchPanel(extDir, small, large);
    else if (only.has('find')) {
      await benchFindOnly(extDir, large);
      if (huge) await benchFindOnly(extDir, huge);
    }
    if (only.has('companion') || only.has('first-sync')) {
      const reserve = parts.oldApi || parts.scale ? OLD_API_SCALE_RESERVE_MS : 0;
      await benchCompanion(extDir, large, reserve, !only.has('companion'));
    }
    if (huge && !(only.has('find') && !only.has('panel'))) await benchHuge(extDir, huge, only);
  } catch (err) {
    failure = err;
    log(`FAILED: ${(err as Error).stack ?? err}`);
  }
  if (parts.oldApi || parts.scale) {
    try {
      oldApiScale = await benchOldApiAndScale(small, large, tmpRoot, { ...CONFIG, huge: HUGE_RUN }, parts, log);
      if (oldApiScale.failures.length && !failure) failure = new Error(oldApiScale.failures.join('\n'));
    } catch (err) {
      failure ??= err;
      log(`FAILED: ${(err as Error).stack ?? err}`);
    }
  }

  const rows = [
    ...rowsOf(small, large),
    ...hugeRows(small, huge),
    ...Object.entries(find).flatMap(([n, f]) => findRows(f.samples, Number(n), f.engine)),
    ...(oldApiScale ? oldApiScaleRows(oldApiScale, large.count) : []),
  ];
  const wallMs = performance.now() - wallStart;
  const table = printTable(rows);
  const perSize = oldApiScale ? printScaleTable(oldApiScale) : '';
  process.stdout.write(
    `\n${table}\n${perSize ? `\n${perSize}\n` : ''}\nWall time ${(wallMs / 1000).toFixed(0)} s; load average at the end ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`,
  );

  Object.assign(results, {
    generatedAt: new Date().toISOString(),
    quick: QUICK,
    wallMs: Math.round(wallMs),
    machine: { ...info, loadAverageAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100) },
    config: { ...CONFIG, hundredThousand: HUGE_RUN },
    dataset: { small: small.count, large: large.count, huge: huge?.count ?? null, pngBytes: large.pngBytes },
    failure: failure ? String((failure as Error).stack ?? failure) : null,
    rows: rows.map((r) => ({ ...r, ours: r.ours && strip(r.ours), baseline: r.baseline && strip(r.baseline) })),
    scaleTable: oldApiScale ? scaleTable(oldApiScale) : null,
    firstRowsPhases: Object.fromEntries(
      (['warm', 'cold'] as const).flatMap((kind) =>
        Object.entries(firstRows[kind]).map(([label, samples]) => [`${label}-${kind}`, phasesOf(samples)]),
      ),
    ),
    raw: {
      firstRows,
      search,
      memory,
      memoryBaselineBytes: memoryBaseline,
      reads,
      oneChange: change,
      concurrentPushes: load && { ...load, latencies: load.latencies.map((v) => Math.round(v * 10) / 10) },
      firstSync,
      searchHuge,
      find,
      firstSyncHuge,
      oldApi: oldApiScale?.oldApi ?? [],
      emptyStart: oldApiScale?.emptyStart ?? null,
      scale: oldApiScale?.scale ?? [],
      oldApiScaleFailures: oldApiScale?.failures ?? [],
    },
  });
  const file = path.resolve(ROOT, process.env.BENCH_OUT || 'bench/results.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(results, roundReplacer, 1)}\n`);
  await rename(`${file}.tmp`, file);
  log(`wrote ${path.relative(ROOT, file)}`);
  if (failure) process.exitCode = 1;
}

/** Medians of where the time of a first-rows open goes, all from navigation start (ms). */
function phasesOf(samples: FirstRowsSample[] | undefined) {
  if (!samples?.length) return null;
  const med = (f: (s: FirstRowsSample) => number | null | undefined) => {
    const v = samples.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return v.length ? Math.round(summarize(v).median * 10) / 10 : null;
  };
  return {
    runs: samples.length,
    firstScript: med((s) => s.scriptStart),
    domInteractive: med((s) => s.domInteractive),
    firstReadStart: med((s) => s.reads[0]?.[0]),
    readsBeforeRows: med((s) => s.reads.filter((r) => r[1] !== null && r[1] <= s.dom).length),
    lastReadEnd: med((s) => Math.max(...s.reads.filter((r) => r[1] !== null && r[1] <= s.dom).map((r) => r[1]!))),
    appMark: med((s) => s.app),
    thumbnailsDecoded: med((s) => s.dom),
    painted: med((s) => s.painted),
  };
}

function strip(s: Summary) {
  return { median: s.median, min: s.min, max: s.max, n: s.n };
}

function roundReplacer(_key: string, value: unknown) {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 100) / 100 : value;
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
