/**
 * The panel half of the bench, sections 1, 4 and 6: the 1,000 and 10,000 jobs each in a profile of their own
 * (first rows warm, the floor, then search and memory at 10,000), the seed's one-key baseline in a third, then
 * cold opens of each.
 */
import { rmSync } from 'node:fs';
import type { Dataset } from '../dataset';
import { copyProfile, writeBareExtension } from '../extension/bare';
import { firstRowsOnce, waitForFullIndex } from '../extension/first-rows';
import { INSIGHTS_SEARCHES, measureInsights } from '../extension/insights';
import { baselineHeap, measureMemory } from '../extension/memory';
import {
  baselineKey,
  FIRST_ROWS,
  floorKeys,
  openProfile,
  ROW_HEIGHT,
  seedBaseline,
  seedLayout,
} from '../extension/profile';
import { measureSearch, pickQueries } from '../extension/search';
import { CONFIG, log, MEMORY_VIEWPORT, samples, sleep, tmp } from '../run-context';
import { fmt } from '../stats';
import { benchFindIn } from './find';
import { coldRuns, warmRuns } from './first-rows';

export async function benchPanel(extDir: string, small: Dataset, large: Dataset): Promise<void> {
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
        samples.search = await measureSearch(page, d, pickQueries(d, CONFIG.searchQueries));
        log(
          `  ${samples.search.length} queries: ${samples.search.map((s) => `${s.query}=${s.paintedMs.toFixed(0)}`).join(' ')}`,
        );
        log('insights: opening it over the whole history, then with a search typed');
        samples.insights = await measureInsights(page, CONFIG.insightsRuns, INSIGHTS_SEARCHES);
        log(`  ${samples.insights.map((s) => `${s.search || 'all'}=${s.paintedMs.toFixed(0)}`).join(' ')}`);
        await benchFindIn(page, d);
        await page.close();
        log('memory: scrolling through every row of the virtualized list');
        const memory = await measureMemory(b, d, MEMORY_VIEWPORT);
        samples.memory = memory;
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
      samples.memoryBaseline = await baselineHeap(b, baselineKey(large.count, large.count));
      log(`  baseline page heap holding ${large.count} jobs: ${fmt(samples.memoryBaseline, 'MB')}`);
    } finally {
      await b.close();
    }
  }

  // Cold: each open is the first after a browser restart on the same profile; the panel and the floor take turns.
  // And the bare floor (extension/bare.ts): the same read with nothing of ours, on a copy of the profile.
  await coldRuns(
    extDir,
    profiles.small,
    CONFIG.coldRuns,
    { label: `ours-${small.count}`, config: panel(small) },
    { label: `floor-${small.count}`, config: floor(small) },
    {
      label: `bare-${small.count}`,
      config: floor(small),
      extDir: writeBareExtension(extDir, tmp('chrome-mv3-bare')),
      dir: copyProfile(profiles.small, tmp('profile-small-bare')),
    },
  );
  await coldRuns(
    extDir,
    profiles.large,
    CONFIG.coldRuns,
    { label: `ours-${large.count}`, config: panel(large) },
    { label: `floor-${large.count}`, config: floor(large) },
  );
  await coldRuns(extDir, profiles.baseline, CONFIG.baselineColdRuns, {
    label: `baseline-${large.count}`,
    config: baseline(large),
  });
  for (const dir of [...Object.values(profiles), tmp('profile-small-bare')])
    rmSync(dir, { recursive: true, force: true });
}
