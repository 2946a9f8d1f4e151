/** bench/results.json (or BENCH_OUT): the run's rows, its machine and configuration, and every raw sample. */
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Dataset } from './dataset';
import { scaleTable } from './old-api-scale-rows';
import type { OldApiScaleResults } from './old-api-scale-run';
import { CONFIG, HUGE_RUN, log, QUICK, ROOT, samples } from './run-context';
import { phasesOf } from './sections/first-rows';
import type { machine } from './setup';
import type { Row, Summary } from './stats';

export interface RunOutcome {
  info: ReturnType<typeof machine>;
  wallMs: number;
  small: Dataset;
  large: Dataset;
  huge: Dataset | null;
  rows: Row[];
  oldApiScale: OldApiScaleResults | null;
  failure: unknown;
}

export async function writeResults(run: RunOutcome): Promise<void> {
  const { info, wallMs, small, large, huge, rows, oldApiScale, failure } = run;
  const { firstRows, load } = samples;
  const results = {
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
        Object.entries(firstRows[kind]).map(([label, runs]) => [`${label}-${kind}`, phasesOf(runs)]),
      ),
    ),
    raw: {
      firstRows,
      search: samples.search,
      memory: samples.memory,
      memoryBaselineBytes: samples.memoryBaseline,
      reads: samples.reads,
      oneChange: samples.change,
      concurrentPushes: load && { ...load, latencies: load.latencies.map((v) => Math.round(v * 10) / 10) },
      firstSync: samples.firstSync,
      searchHuge: samples.searchHuge,
      find: samples.find,
      firstSyncHuge: samples.firstSyncHuge,
      firstSyncFloor: samples.firstSyncFloor,
      firstSyncHugeFloor: samples.firstSyncHugeFloor,
      oldApi: oldApiScale?.oldApi ?? [],
      emptyStart: oldApiScale?.emptyStart ?? null,
      scale: oldApiScale?.scale ?? [],
      oldApiScaleFailures: oldApiScale?.failures ?? [],
    },
  };
  const file = path.resolve(ROOT, process.env.BENCH_OUT || 'bench/results.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(results, roundReplacer, 1)}\n`);
  await rename(`${file}.tmp`, file);
  log(`wrote ${path.relative(ROOT, file)}`);
}

function strip(s: Summary) {
  return { median: s.median, min: s.min, max: s.max, n: s.n };
}

function roundReplacer(_key: string, value: unknown) {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 100) / 100 : value;
}
