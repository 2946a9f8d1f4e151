/** 10. 100,000 jobs (BENCH_100K=1): first rows, search and a first sync at that size. */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { MAX_PULL_PAGE } from '../../utils/domain';
import { livePids } from '../browser';
import { health, startBenchCompanion } from '../companion';
import { type Dataset, writeCompanionDataDir } from '../dataset';
import { copyProfile, writeBareExtension } from '../extension/bare';
import { firstRowsOnce, waitForFullIndex } from '../extension/first-rows';
import { firstSyncOnce } from '../extension/first-sync';
import { firstSyncFloor } from '../extension/first-sync-floor';
import { INSIGHTS_SEARCHES, measureInsights } from '../extension/insights';
import { FIRST_ROWS, floorKeys, openProfile, ROW_HEIGHT, seedLayout } from '../extension/profile';
import { measureSearch, pickQueries } from '../extension/search';
import { firstSyncFloorLog, firstSyncLog, firstSyncRows } from '../first-sync-report';
import { CONFIG, log, samples, sleep, tmp } from '../run-context';
import { fmt, type Row, type Summary, summarize } from '../stats';
import { benchFindIn } from './find';
import { coldRuns, loadRange, warmRuns } from './first-rows';
import { insightsRows } from './insights';
import { hugeSearchRows } from './search';

/**
 * 100,000 jobs (BENCH_100K=1): first rows warm and cold in a profile of their own, against the 1,000 of the
 * panel half; search; a first sync from a companion of its own. No baseline (one key of 600 MB) or memory walk.
 */
export async function benchHuge(extDir: string, huge: Dataset, only: Set<string>, small: Dataset): Promise<void> {
  const label = `ours-${huge.count}`;
  const panel = { mode: 'panel' as const, expectRows: huge.count, rowHeight: ROW_HEIGHT };
  // What any design needs at least: one read of the first screen's records and images, painted (page-scripts.ts).
  const floor = { mode: 'floor' as const, keys: floorKeys(huge), expectRows: FIRST_ROWS, rowHeight: ROW_HEIGHT };
  if (only.has('panel')) {
    const dir = tmp('profile-huge');
    const b = await openProfile(extDir, dir);
    try {
      const seeded = await seedLayout(b, huge);
      log(`profile with ${huge.count} jobs in the layout: ${seeded.keys} keys written in ${Math.round(seeded.ms)} ms`);
      await warmRuns(b, label, panel, CONFIG.warmRuns);
      await warmRuns(b, `floor-${huge.count}`, floor, CONFIG.warmRuns);
      log(`search: typing into the panel over ${huge.count} prompts`);
      const { page } = await firstRowsOnce(b, panel, { keep: true });
      await waitForFullIndex(page, huge.count, 180_000);
      await sleep(500);
      samples.searchHuge = await measureSearch(page, huge, pickQueries(huge, CONFIG.searchQueries));
      samples.insightsHuge = await measureInsights(page, CONFIG.insightsRuns, INSIGHTS_SEARCHES);
      log(`  insights: ${samples.insightsHuge.map((s) => `${s.search || 'all'}=${s.paintedMs.toFixed(0)}`).join(' ')}`);
      await benchFindIn(page, huge);
      await page.close();
      log(
        `  ${samples.searchHuge.length} queries: ${samples.searchHuge.map((q) => `${q.query}=${q.paintedMs.toFixed(0)}`).join(' ')}`,
      );
    } finally {
      await b.close();
    }
    // The 1,000-job panel in a profile of its own, opened in turn with the 100,000: the cold 100k/1k ratio then
    // compares opens made at one load, not minutes apart as the panel section's 1,000 and this one are.
    const besideDir = tmp('profile-huge-beside');
    const beside = await openProfile(extDir, besideDir);
    try {
      await seedLayout(beside, small);
    } finally {
      await beside.close();
    }
    await coldRuns(
      extDir,
      dir,
      CONFIG.coldRuns,
      { label, config: panel },
      { label: `beside-${small.count}`, config: { ...panel, expectRows: small.count }, dir: besideDir },
      { label: `floor-${huge.count}`, config: floor },
      {
        label: `bare-${huge.count}`,
        config: floor,
        extDir: writeBareExtension(extDir, tmp('chrome-mv3-bare')),
        dir: copyProfile(dir, tmp('profile-huge-bare')),
      },
    );
    for (const d of [dir, tmp('profile-huge-bare'), besideDir]) rmSync(d, { recursive: true, force: true });
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
      samples.firstSyncHuge.push(sample);
      for (const line of firstSyncLog(sample)) log(line);
      const floorDir = tmp('profile-first-sync-huge-floor');
      const floor = await firstSyncFloor(extDir, floorDir, companion.url, MAX_PULL_PAGE);
      rmSync(floorDir, { recursive: true, force: true });
      samples.firstSyncHugeFloor.push(floor);
      log(firstSyncFloorLog(floor));
    } finally {
      await companion.stop();
      livePids.delete(companion.proc.pid!);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

export function hugeRows(small: Dataset, huge: Dataset | null): Row[] {
  if (!huge) return [];
  const rows: Row[] = [];
  for (const kind of ['warm', 'cold'] as const) rows.push(...hugeFirstRows(kind, small, huge));
  rows.push(...hugeSearchRows(huge));
  rows.push(...insightsRows(huge, samples.insightsHuge));
  rows.push(
    ...firstSyncRows(
      samples.firstSyncHuge,
      huge.count,
      { totalMs: 30_000, firstRowsMs: null, longTaskMs: null },
      samples.firstSyncHugeFloor,
    ),
  );
  return rows;
}

/**
 * First rows at 100,000 against 1,000 (target 1.15x), and the floor beside them: one read of the first screen's
 * keys in the same profile, so the floor's own 100k/1k is what the browser's storage alone adds at that size.
 */
function hugeFirstRows(kind: 'warm' | 'cold', small: Dataset, huge: Dataset): Row[] {
  const H = huge.count.toLocaleString('en-US');
  const S = small.count.toLocaleString('en-US');
  const label = kind === 'warm' ? 'browser running' : 'first open after browser restart';
  const runs = samples.firstRows[kind];
  const painted = (key: string) => {
    const list = runs[key];
    return list?.length ? summarize(list.map((x) => x.painted)) : null;
  };
  const ours = painted(`ours-${huge.count}`);
  if (!ours) return [];
  // Cold, the 1,000 opened in turn with the 100,000 (benchHuge) is the one to compare with; warm, the panel's.
  const inTurn = painted(`beside-${small.count}`);
  const oursSmall = inTurn ?? painted(`ours-${small.count}`);
  const floor = painted(`floor-${huge.count}`);
  const floorSmall = painted(`floor-${small.count}`);
  const bare = painted(`bare-${huge.count}`);
  const bareSmall = painted(`bare-${small.count}`);
  const rows: Row[] = [
    {
      id: `firstRows.${kind}.${huge.count}`,
      measurement: `1. first rows, ${H} jobs (${label})`,
      ours,
      baseline: floor,
      unit: 'ms',
      ...(floor && { ratio: `${fmt(ours.median / floor.median, 'x')} the floor` }),
      note: loadRange(runs[`ours-${huge.count}`], runs[`floor-${huge.count}`]) || undefined,
    },
  ];
  if (floor)
    rows.push({
      id: `firstRows.${kind}.floor.${huge.count}`,
      measurement: `1. floor: one read of the first ${FIRST_ROWS} rows' keys at document start, ${H} jobs (${label})`,
      ours: floor,
      baseline: floorSmall,
      unit: 'ms',
      ...(floorSmall && {
        ratio: `${fmt(floor.median / floorSmall.median, 'x')} the floor at ${S}`,
        ratioValue: floor.median / floorSmall.median,
      }),
      note: `not the panel: the least any design needs in this page at this size; the baseline column is the same floor at ${S} jobs`,
    });
  if (bare)
    rows.push({
      id: `firstRows.${kind}.bare.${huge.count}`,
      measurement: `1. bare floor: the same read in an extension that runs nothing else (same id, a copy of the profile), ${H} jobs (${label})`,
      ours: bare,
      baseline: bareSmall,
      unit: 'ms',
      ...(bareSmall && {
        ratio: `${fmt(bare.median / bareSmall.median, 'x')} the bare floor at ${S}`,
        ratioValue: bare.median / bareSmall.median,
      }),
      note: `the browser alone: its start, its storage opened, one read of the first screen's keys; the baseline column is the same at ${S} jobs; ${loadRange(runs[`bare-${huge.count}`], runs[`bare-${small.count}`])}`,
    });
  if (oursSmall) {
    const r = ours.median / oursSmall.median;
    const floorRatio = floor && floorSmall ? floor.median / floorSmall.median : NaN;
    const above = (o: number, f: Summary | null) => (f ? fmt(o - f.median, 'ms') : '-');
    rows.push({
      id: `firstRows.${kind}.scaling.${huge.count}`,
      measurement: `1. first rows ${H}/${S} (${label})`,
      ours: null,
      baseline: null,
      unit: 'x',
      ratio: `${fmt(r, 'x')}${Number.isFinite(floorRatio) ? ` (floor ${fmt(floorRatio, 'x')})` : ''}${bare && bareSmall ? ` (bare ${fmt(bare.median / bareSmall.median, 'x')})` : ''}`,
      ratioValue: r,
      target: '<= 1.15',
      pass: r <= 1.15,
      note: `${inTurn ? `the ${S} opened in turn with the ${H}, ${loadRange(runs[`beside-${small.count}`], runs[`ours-${huge.count}`])}; ` : ''}above the floor: ${above(oursSmall.median, floorSmall)} at ${S}, ${above(ours.median, floor)} at ${H}; ${loadRange(runs[`ours-${small.count}`], runs[`floor-${small.count}`])} at ${S}`,
    });
  }
  return rows;
}
