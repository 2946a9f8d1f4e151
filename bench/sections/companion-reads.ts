/**
 * 3. The companion under reads and writes: the whole history through /load-jobs and a full pull, then
 * concurrent pushers, and a pull afterwards to count what was kept.
 */
import { type BenchCompanion, concurrentPushes, fullPullOnce, loadJobsOnce, SYNC_PAGE_SIZE } from '../companion';
import type { Dataset } from '../dataset';
import { CONFIG, log, samples } from '../run-context';
import { fmt, type Row, summarize } from '../stats';

/** 3a. Reads of the whole history. */
export async function measureReads(companion: BenchCompanion, large: Dataset): Promise<void> {
  const reads = samples.reads;
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

/** 3b. Concurrent pushes, then a pull to count what was kept. */
export async function measurePushes(companion: BenchCompanion, large: Dataset): Promise<void> {
  const load = await concurrentPushes(companion.url, large.jobs[0]!, CONFIG.pushClients, CONFIG.pushesPerClient);
  samples.load = load;
  log(
    `  ${load.pushes} pushes from ${load.clients} clients: ${load.throughput.toFixed(0)}/s, p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, ${load.errors} errors, ${load.lost} lost`,
  );
}

export function readsRows(large: Dataset): Row[] {
  const L = large.count.toLocaleString('en-US');
  const rows: Row[] = [];
  if (samples.reads.pull.length && samples.reads.loadJobs.length) {
    const pull = summarize(samples.reads.pull.map((s) => s.ms));
    const lj = summarize(samples.reads.loadJobs.map((s) => s.ms));
    rows.push({
      id: 'companion.read',
      measurement: `3. whole history, ${L} jobs: full pull (${Math.ceil(large.count / SYNC_PAGE_SIZE)} pages) vs /load-jobs`,
      ours: pull,
      baseline: lj,
      unit: 'ms',
      ratio: `${fmt(lj.median / pull.median, 'x')} faster`,
      note: `bytes: pull ${fmt(summarize(samples.reads.pull.map((s) => s.bytes)).median, 'B')} (no images; a client fetches the images it lacks separately), /load-jobs ${fmt(summarize(samples.reads.loadJobs.map((s) => s.bytes)).median, 'B')} (images inline as data URLs)`,
    });
  }
  if (samples.load) {
    const l = samples.load;
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
  return rows;
}
