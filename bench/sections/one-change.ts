/** 2. One job change at 10,000 jobs: one push of the changed job against the seed's full /save-jobs. */
import { type BenchCompanion, jobVersion, pushOneOnce, saveJobsOnce, seedJobsFrom } from '../companion';
import type { Dataset } from '../dataset';
import { request } from '../http';
import { CONFIG, log, samples, sleep } from '../run-context';
import { fmt, type Row, summarize } from '../stats';

/** Alternates pushes and saves, each changing a job of its own among the newest. */
export async function measureOneChange(companion: BenchCompanion, large: Dataset): Promise<void> {
  const change = samples.change;
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
}

export function oneChangeRows(large: Dataset): Row[] {
  const L = large.count.toLocaleString('en-US');
  const rows: Row[] = [];
  if (samples.change.ours.length && samples.change.baseline.length) {
    const oursBytes = summarize(samples.change.ours.map((s) => s.bytes));
    const baseBytes = summarize(samples.change.baseline.map((s) => s.bytes));
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
    const oursE2e = summarize(samples.change.ours.map((s) => s.e2eMs));
    const baseE2e = summarize(samples.change.baseline.map((s) => s.e2eMs));
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
    const oursServer = summarize(samples.change.ours.map((s) => s.serverMs));
    const baseServer = summarize(samples.change.baseline.map((s) => s.serverMs));
    rows.push({
      id: 'oneChange.server',
      measurement: `2. one change at ${L} jobs: server time`,
      ours: oursServer,
      baseline: baseServer,
      unit: 'ms',
      ratio: `${fmt(baseServer.median / oursServer.median, 'x')} faster`,
    });
  }
  return rows;
}
