/**
 * 1. Time to first rows: warm opens in a running browser and cold opens after a restart, for the panel, the
 * floor and the seed's one-key baseline; the rows comparing them, and where the time of an open goes.
 */
import type { Dataset } from '../dataset';
import { type FirstRowsSample, firstRowsOnce } from '../extension/first-rows';
import { FIRST_ROWS, openProfile } from '../extension/profile';
import { log, samples, sleep } from '../run-context';
import { fmt, type Row, type Summary, summarize } from '../stats';

export async function warmRuns(
  b: Awaited<ReturnType<typeof openProfile>>,
  label: string,
  config: Parameters<typeof firstRowsOnce>[1],
  runs: number,
): Promise<void> {
  // One navigation first: its reads bring the storage backend's caches up, as any earlier open would have.
  await firstRowsOnce(b, config, { timeoutMs: 120_000 });
  const taken: FirstRowsSample[] = [];
  for (let i = 0; i < runs; i++) {
    await sleep(300);
    taken.push((await firstRowsOnce(b, config, { timeoutMs: 120_000 })).sample);
  }
  samples.firstRows.warm[label] = taken;
  log(`  ${label} warm: ${taken.map((s) => Math.round(s.painted)).join(', ')} ms`);
  log(`    medians from navigation: ${JSON.stringify(phasesOf(taken))}`);
}

/** One labelled first-rows open: whose samples they are and what the page does. */
export interface ColdOpen {
  label: string;
  config: Parameters<typeof firstRowsOnce>[1];
  /** Another build and profile for this open (the bare floor: extension/bare.ts); else the run's own. */
  extDir?: string;
  dir?: string;
}

/**
 * Each open is the first after a browser restart on `dir`. With several opens (the panel and its floor) they
 * take turns restart by restart, so a spell of load from other work on the 2 cores falls on both alike.
 */
export async function coldRuns(extDir: string, dir: string, runs: number, ...opens: ColdOpen[]): Promise<void> {
  const taken = new Map<string, FirstRowsSample[]>(opens.map((o) => [o.label, []]));
  for (let i = 0; i < runs; i++) {
    for (const open of opens) {
      const b = await openProfile(open.extDir ?? extDir, open.dir ?? dir);
      try {
        // The worker's own start (migrations check, a sync attempt) is over before the panel opens.
        await sleep(1000);
        taken.get(open.label)!.push((await firstRowsOnce(b, open.config, { timeoutMs: 120_000 })).sample);
      } finally {
        await b.close();
      }
    }
  }
  for (const { label } of opens) {
    const list = taken.get(label)!;
    samples.firstRows.cold[label] = list;
    log(
      `  ${label} cold: ${list.map((s) => `${Math.round(s.painted)} (load ${s.loadAverage.toFixed(1)})`).join(', ')} ms`,
    );
    log(`    medians from navigation: ${JSON.stringify(phasesOf(list))}`);
  }
}

/** "load average a-b" over the samples, for a row's note. */
export function loadRange(...lists: (FirstRowsSample[] | undefined)[]): string {
  const loads = lists
    .flatMap((l) => l ?? [])
    .map((s) => s.loadAverage)
    .filter((v) => Number.isFinite(v));
  if (!loads.length) return '';
  const lo = Math.min(...loads);
  const hi = Math.max(...loads);
  return `load average ${lo.toFixed(1)}${hi - lo >= 0.1 ? `-${hi.toFixed(1)}` : ''}`;
}

export function firstRowsRows(small: Dataset, large: Dataset): Row[] {
  const S = small.count.toLocaleString('en-US');
  const L = large.count.toLocaleString('en-US');
  const rows: Row[] = [];
  const painted = (list?: FirstRowsSample[]) => (list?.length ? summarize(list.map((s) => s.painted)) : null);
  const speedup = (baseline: Summary | null, ours: Summary | null) =>
    baseline && ours ? baseline.median / ours.median : NaN;

  for (const kind of ['warm', 'cold'] as const) {
    const label = kind === 'warm' ? 'browser running' : 'first open after browser restart';
    const oursS = painted(samples.firstRows[kind][`ours-${small.count}`]);
    const oursL = painted(samples.firstRows[kind][`ours-${large.count}`]);
    const baseS = painted(samples.firstRows[kind][`baseline-${small.count}`]);
    const baseL = painted(samples.firstRows[kind][`baseline-${large.count}`]);
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
    const floorL = painted(samples.firstRows[kind][`floor-${large.count}`]);
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
  return rows;
}

/** Medians of where the time of a first-rows open goes, all from navigation start (ms). */
export function phasesOf(runs: FirstRowsSample[] | undefined) {
  if (!runs?.length) return null;
  const med = (f: (s: FirstRowsSample) => number | null | undefined) => {
    const v = runs.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return v.length ? Math.round(summarize(v).median * 10) / 10 : null;
  };
  return {
    runs: runs.length,
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
