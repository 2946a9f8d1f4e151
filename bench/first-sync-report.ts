/** The first-sync figures (bench/README.md, 5): a log line per run and the table's rows. */
import type { FirstSyncSample } from './extension/first-sync';
import type { FirstSyncFloorSample } from './extension/first-sync-floor';
import { fmt, type Row, summarize } from './stats';

export function firstSyncLog(sample: FirstSyncSample): string[] {
  const lines = [
    `  first sync: history usable after ${Math.round(sample.totalMs)} ms, first rows after ${Math.round(sample.firstRowsMs)} ms, every image after ${Math.round(sample.imagesMs)} ms; longest panel task ${Math.round(sample.maxLongTaskMs)} ms (${sample.longTasksOver50} over 50 ms) during the sync, ${Math.round(sample.maxLongTaskImagesMs)} ms during the images; ${sample.jobsStored} jobs / ${sample.imagesStored} images stored`,
  ];
  const bd = sample.breakdown;
  if (bd)
    lines.push(
      `    sync: ${bd.pages} pages in ${Math.round(bd.pullWallMs)} ms: /changes ${Math.round(bd.changesMs)} ms, ${bd.headImageRequests} head image requests ${Math.round(bd.headImagesMs)} ms, storage and the rest ${Math.round(bd.restMs)} ms; then ${bd.fillImageRequests} image requests in the background over ${Math.round(bd.fillWallMs)} ms`,
    );
  return lines;
}

export interface FirstSyncTargets {
  /** Most ms for the history to be usable. */
  totalMs: number;
  /** Most ms to the first rows (null: no target). */
  firstRowsMs: number | null;
  /** Most ms for a panel task during the sync (null: no target). */
  longTaskMs: number | null;
}

export function firstSyncFloorLog(floor: FirstSyncFloorSample): string {
  return `  first sync floor (the same pages fetched and their records set, nothing else): ${Math.round(floor.ms)} ms for ${floor.jobs} jobs in ${floor.pages} pages`;
}

export function firstSyncRows(
  samples: FirstSyncSample[],
  count: number,
  targets: FirstSyncTargets,
  floors: readonly FirstSyncFloorSample[] = [],
): Row[] {
  if (samples.length === 0) return [];
  const N = count.toLocaleString('en-US');
  const total = summarize(samples.map((s) => s.totalMs));
  const floor = floors.length ? summarize(floors.map((f) => f.ms)) : null;
  const first = summarize(samples.map((s) => s.firstRowsMs));
  const images = summarize(samples.map((s) => s.imagesMs));
  const longest = summarize(samples.map((s) => s.maxLongTaskMs));
  const bd = samples[0]!.breakdown;
  const rows: Row[] = [
    {
      id: `firstSync.total.${count}`,
      measurement: `5. first sync of ${N} jobs: history usable (every job listed and searchable, the first rows' images)`,
      ours: total,
      // The floor: fetching the pages and setting their records alone (first-sync-floor.ts).
      baseline: floor,
      unit: 's',
      ...(floor && {
        ratio: `${fmt(total.median / floor.median, 'x')} the floor`,
        ratioValue: total.median / floor.median,
      }),
      target: `<= ${fmt(targets.totalMs, 's')}`,
      pass: total.median <= targets.totalMs,
      note: bd
        ? `${bd.pages} pages in ${fmt(bd.pullWallMs, 'ms')}: /changes ${fmt(bd.changesMs, 'ms')}, the head's images ${fmt(bd.headImagesMs, 'ms')} (${bd.headImageRequests} requests), storage and the rest ${fmt(bd.restMs, 'ms')}`
        : undefined,
    },
    {
      id: `firstSync.images.${count}`,
      measurement: `5. first sync of ${N} jobs: every image stored too (fetched in the background after the sync)`,
      ours: images,
      baseline: null,
      unit: 's',
      note: bd ? `${bd.fillImageRequests} image requests of up to 100 after the sync` : undefined,
    },
  ];
  if (targets.firstRowsMs !== null)
    rows.push({
      id: `firstSync.firstRows.${count}`,
      measurement: `5. first sync of ${N} jobs: first rows painted`,
      ours: first,
      baseline: null,
      unit: 'ms',
      target: `<= ${fmt(targets.firstRowsMs, 'ms')}`,
      pass: first.median <= targets.firstRowsMs,
    });
  if (targets.longTaskMs !== null)
    rows.push({
      id: `firstSync.longTask.${count}`,
      measurement: `5. first sync of ${N} jobs: longest panel task during the sync`,
      ours: longest,
      baseline: null,
      unit: 'ms',
      target: `<= ${fmt(targets.longTaskMs, 'ms')}`,
      pass: longest.max <= targets.longTaskMs,
      note: `long tasks (> 50 ms) during the sync per run: ${samples.map((s) => s.longTasksOver50).join(', ')}; longest while the images arrived: ${samples.map((s) => fmt(s.maxLongTaskImagesMs, 'ms')).join(', ')}; stored ${samples.map((s) => `${s.jobsStored} jobs/${s.imagesStored} images`).join(', ')}`,
    });
  return rows;
}
