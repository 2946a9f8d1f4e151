/**
 * What every bench section shares: the run's configuration from the environment (run.ts lists the variables),
 * the log with its wall clock, the run's temp dir, and the samples the sections collect for the table and
 * results.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChangeSample, LoadResult, ReadSample } from './companion';
import type { FindSample } from './extension/find';
import type { FirstRowsSample } from './extension/first-rows';
import type { FirstSyncSample } from './extension/first-sync';
import type { FirstSyncFloorSample } from './extension/first-sync-floor';
import type { InsightsSample } from './extension/insights';
import type { MemorySample } from './extension/memory';
import type { SearchSample } from './extension/search';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const QUICK = process.env.BENCH_QUICK === '1';

export const CONFIG = QUICK
  ? {
      small: 200,
      large: 2000,
      warmRuns: 3,
      coldRuns: 1,
      baselineWarmRuns: 2,
      baselineColdRuns: 1,
      searchQueries: 8,
      insightsRuns: 2,
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
      insightsRuns: 5,
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
export const HUGE_RUN = process.env.BENCH_100K === '1';

/** BENCH_100K=1: the 100,000-job figures too (20,000 in a quick run). */
export const HUGE = process.env.BENCH_100K === '1' ? (QUICK ? 20_000 : 100_000) : null;

/** BENCH_BUDGET_S: extra first-sync runs are skipped past this (default 600 s); RESERVE: what follows them. */
export const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 600) * 1000;
export const RESERVE_MS = 60_000;
/** What sections 7-9 take after the first sync here (the old API, the scale points at 1k and 10k). */
export const OLD_API_SCALE_RESERVE_MS = 150_000;

/** The panel at a taller size for the scroll-through only (see measureMemory). */
export const MEMORY_VIEWPORT = { width: 400, height: 1600 };

export const wallStart = performance.now();
export const log = (line: string) =>
  process.stdout.write(`[bench ${((performance.now() - wallStart) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'pixellab-bench-'));
process.once('exit', () => rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 2 }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
export const tmp = (name: string) => path.join(tmpRoot, name);

/** What the sections measured, as they measured it: the rows and results.json are made from this. */
export const samples = {
  firstRows: { warm: {}, cold: {} } as {
    warm: Record<string, FirstRowsSample[]>;
    cold: Record<string, FirstRowsSample[]>;
  },
  search: [] as SearchSample[],
  searchHuge: [] as SearchSample[],
  insights: [] as InsightsSample[],
  insightsHuge: [] as InsightsSample[],
  memory: null as MemorySample | null,
  memoryBaseline: null as number | null,
  reads: { loadJobs: [] as ReadSample[], pull: [] as ReadSample[] },
  change: { baseline: [] as ChangeSample[], ours: [] as ChangeSample[] },
  load: null as LoadResult | null,
  firstSync: [] as FirstSyncSample[],
  firstSyncHuge: [] as FirstSyncSample[],
  /** Section 5's floor (extension/first-sync-floor.ts), at the default size and at 100,000. */
  firstSyncFloor: [] as FirstSyncFloorSample[],
  firstSyncHugeFloor: [] as FirstSyncFloorSample[],
  /** Section 12 per size: the panel's samples and the engine's figures (sections/find.ts). */
  find: {} as Record<number, { samples: FindSample[]; engine: import('./sections/find').EngineFigure[] }>,
};
