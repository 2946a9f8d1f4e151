/**
 * `npm run bench`: the extension's history at 1,000 and 10,000 jobs, side by side with the seed's way of
 * doing the same thing, in one run on this machine, in the real Chromium with the built extension and the
 * real companion process. Prints a table and writes bench/results.json. bench/README.md says what each
 * figure covers.
 *
 *   BENCH_QUICK=1   a smoke run: 200 / 2,000 jobs and fewer runs (the targets are not meaningful there)
 *   BENCH_ONLY=panel|companion   only the browser-panel half (1, 4, 6, 12) or the companion half (2, 3, 5, 7, 8, 9);
 *                   old-api (7, 9), scale (8), first-sync (5, and 10's first sync), find (12) and insights (11) pick those parts
 *   BENCH_ONLY=devices   section 13 alone: companions sharing a folder (no extension build, no browser); with
 *                   other names (e.g. companion,devices) it runs after them
 *   BENCH_OUT       where to write the results (default bench/results.json)
 *   BENCH_100K=1    also 100,000 jobs: in 7 and 8, and first rows (against 1,000), search and a first sync
 *                   (the PNGs are made once and cached, a few minutes the first time)
 *   BENCH_BUDGET_S  time budget (default 600): a second first-sync run is skipped if it would end past it
 *   CHROME_PATH     the Chromium binary (default /usr/bin/chromium)
 *
 * This file only runs the halves in order and prints the table: sections/ holds one file per section (its
 * measuring and its rows), extension/ the measurements made in the browser, run-context.ts what they share.
 */
import os from 'node:os';
import { makeDataset } from './dataset';
import { firstSyncRows } from './first-sync-report';
import { oldApiScaleRows, printScaleTable } from './old-api-scale-rows';
import { benchOldApiAndScale, type OldApiScaleResults } from './old-api-scale-run';
import { writeResults } from './results-file';
import {
  CONFIG,
  HUGE,
  HUGE_RUN,
  log,
  OLD_API_SCALE_RESERVE_MS,
  QUICK,
  samples,
  tmpRoot,
  wallStart,
} from './run-context';
import { benchCompanion } from './sections/companion';
import { readsRows } from './sections/companion-reads';
import { benchDevices, deviceSizes, devicesRows } from './sections/devices';
import { benchFindOnly, findTableRows } from './sections/find';
import { firstRowsRows } from './sections/first-rows';
import { benchHuge, hugeRows } from './sections/huge';
import { insightsRows } from './sections/insights';
import { memoryRows } from './sections/memory';
import { oneChangeRows } from './sections/one-change';
import { benchPanel } from './sections/panel';
import { searchRows } from './sections/search';
import { buildExtension, machine } from './setup';
import { printTable } from './stats';

async function main(): Promise<void> {
  const info = machine();
  log(
    `${QUICK ? 'QUICK run' : 'full run'} on ${info.cpus} x ${info.cpuModel}, ${info.memoryGB} GB, ${info.chromium}, Node ${info.node}; load average ${info.loadAverageAtStart.join(' ')}`,
  );
  if (process.env.BENCH_ONLY?.trim() === 'devices') return benchDevicesOnly(info);
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
  let oldApiScale: OldApiScaleResults | null = null;
  try {
    if (only.has('panel')) await benchPanel(extDir, small, large);
    else if (only.has('find') || only.has('insights')) {
      await benchFindOnly(extDir, large, only);
      if (huge) await benchFindOnly(extDir, huge, only);
    }
    if (only.has('companion') || only.has('first-sync')) {
      const reserve = parts.oldApi || parts.scale ? OLD_API_SCALE_RESERVE_MS : 0;
      await benchCompanion(extDir, large, reserve, !only.has('companion'));
    }
    if (huge && (only.has('panel') || only.has('companion') || only.has('first-sync')))
      await benchHuge(extDir, huge, only, small);
    if (only.has('devices')) await benchDevices(deviceSizes());
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
    ...firstRowsRows(small, large),
    ...oneChangeRows(large),
    ...readsRows(large),
    ...memoryRows(large),
    ...firstSyncRows(
      samples.firstSync,
      large.count,
      { totalMs: 3_000, firstRowsMs: 300, longTaskMs: 50 },
      samples.firstSyncFloor,
    ),
    ...searchRows(large),
    ...insightsRows(large, samples.insights),
    ...hugeRows(small, huge),
    ...findTableRows(),
    ...devicesRows(),
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

  await writeResults({ info, wallMs, small, large, huge, rows, oldApiScale, failure });
  if (failure) process.exitCode = 1;
}

/** BENCH_ONLY=devices: section 13 alone (companions only: no extension build, no browser). */
async function benchDevicesOnly(info: ReturnType<typeof machine>): Promise<void> {
  let failure: unknown = null;
  try {
    await benchDevices(deviceSizes());
  } catch (err) {
    failure = err;
    log(`FAILED: ${(err as Error).stack ?? err}`);
  }
  const rows = devicesRows();
  const wallMs = performance.now() - wallStart;
  process.stdout.write(
    `\n${printTable(rows)}\n\nWall time ${(wallMs / 1000).toFixed(0)} s; load average at the end ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`,
  );
  const none = makeDataset(0);
  await writeResults({ info, wallMs, small: none, large: none, huge: null, rows, oldApiScale: null, failure });
  if (failure) process.exitCode = 1;
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
