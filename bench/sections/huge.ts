/** 10. 100,000 jobs (BENCH_100K=1): first rows, search and a first sync at that size. */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { MAX_PULL_PAGE } from '../../utils/domain';
import { livePids } from '../browser';
import { health, startBenchCompanion } from '../companion';
import { type Dataset, writeCompanionDataDir } from '../dataset';
import { firstRowsOnce, waitForFullIndex } from '../extension/first-rows';
import { firstSyncOnce } from '../extension/first-sync';
import { firstSyncFloor } from '../extension/first-sync-floor';
import { INSIGHTS_SEARCHES, measureInsights } from '../extension/insights';
import { openProfile, ROW_HEIGHT, seedLayout } from '../extension/profile';
import { measureSearch, pickQueries } from '../extension/search';
import { firstSyncFloorLog, firstSyncLog, firstSyncRows } from '../first-sync-report';
import { CONFIG, log, samples, sleep, tmp } from '../run-context';
import { fmt, type Row, summarize } from '../stats';
import { benchFindIn } from './find';
import { coldRuns, warmRuns } from './first-rows';
import { insightsRows } from './insights';
import { hugeSearchRows } from './search';

/**
 * 100,000 jobs (BENCH_100K=1): first rows warm and cold in a profile of their own, against the 1,000 of the
 * panel half; search; a first sync from a companion of its own. No baseline (one key of 600 MB) or memory walk.
 */
export async function benchHuge(extDir: string, huge: Dataset, only: Set<string>): Promise<void> {
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
  const H = huge.count.toLocaleString('en-US');
  const S = small.count.toLocaleString('en-US');
  for (const kind of ['warm', 'cold'] as const) {
    const label = kind === 'warm' ? 'browser running' : 'first open after browser restart';
    const ours = samples.firstRows[kind][`ours-${huge.count}`];
    const base = samples.firstRows[kind][`ours-${small.count}`];
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
