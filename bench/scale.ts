/**
 * The companion at one history size (issue 19's "At 100k jobs" table): the file's size, start to /health,
 * resident memory after start, a full pull and a /load-jobs, and single changes through /api/v1/push with the
 * bytes each one writes, then the background rewrite of job_history.json that follows it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CompanionProcess } from '../tests/helpers/companion-process';
import { fullPullOnce, jobVersion, pushOneOnce, startBenchCompanion } from './companion';
import { type History, writeCompanionDataDir } from './dataset';
import { cpuMs, request } from './http';
import { loadOnce, type OldApiSample, withServerLog } from './old-api';
import { startFloor, track } from './peers';
import { type IoCounters, ioDelta, ioOf, memoryOf, resetPeak, withRssSampling } from './proc';

const MAIN = 'job_history.json';
const JOURNAL = /^job_history\.json\.journal\./;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StartSample {
  /** From spawn until the companion printed "listening on". */
  listeningMs: number;
  /** From spawn until /health answered 200. */
  healthMs: number;
}

export interface PushSample {
  e2eMs: number;
  serverMs: number;
  /** Written by the companion between the request and its answer (the acknowledged change). */
  atAck: IoCounters & { journalBytes: number };
  /** Written from the request until the background rewrite was over and the journal emptied. */
  withRewrite: IoCounters | null;
  /** job_history.json changed before the ack was read: `atAck` includes part of a rewrite. */
  overlapped: boolean;
  rewrite: RewriteSample | null;
}

export interface RewriteSample {
  /** From the answer until the new job_history.json was in place (how far behind the file is). */
  afterAckMs: number;
  /** The new file's birth to its last write: the time spent writing the temp file (file system timestamps). */
  writeSpanMs: number;
  /** Companion CPU time from the answer until the new file was in place (10 ms ticks). */
  cpuMs: number;
  bytes: number;
  /** /health probes sent one after another from the answer until the file was in place (0: not probed). */
  probes: number;
  worstHealthMs: number;
}

export interface ScalePoint {
  count: number;
  fileBytes: number;
  starts: StartSample[];
  /** SIGTERM to exit, including the shutdown compaction. */
  stopMs: number[];
  memory: {
    afterStart: number;
    afterPull: number;
    peakPull: number;
    afterLoad: number;
    peakLoad: number;
    /** After the pushes and their rewrites, 2 s idle. */
    settled: number;
    /** Whether VmHWM could be reset before each operation (else the peak is the 20 ms RSS samples). */
    peakFromKernel: boolean;
  };
  pull: { ms: number; bytes: number; requests: number; jobs: number } | null;
  load: OldApiSample | null;
  pushes: PushSample[];
  /** One more change, with /health probed during its rewrite (kept apart: the probes cost CPU). */
  probedPush: PushSample | null;
  /** /health latencies on the idle companion, one request after another, after the start. */
  healthIdle: number[];
}

/** Spawn to "listening" to /health 200. */
export async function timedStart(dataDir: string): Promise<{ companion: CompanionProcess; sample: StartSample }> {
  const t0 = performance.now();
  const companion = await startBenchCompanion(dataDir);
  track(companion.proc);
  const listeningMs = performance.now() - t0;
  for (;;) {
    const res = await request(`${companion.url}/health`).catch(() => null);
    if (res?.status === 200) break;
    if (performance.now() - t0 > 60_000) throw new Error('/health did not answer 200 within 60 s of the start');
    await sleep(5);
  }
  return { companion, sample: { listeningMs, healthMs: performance.now() - t0 } };
}

export async function timedStop(companion: CompanionProcess): Promise<number> {
  const t0 = performance.now();
  await companion.stop();
  return performance.now() - t0;
}

async function journalBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    if (JOURNAL.test(name)) total += (await stat(path.join(dir, name)).catch(() => null))?.size ?? 0;
  }
  return total;
}

/** Waits until no journal bytes are pending, no temp file is being written and write_bytes stood still 200 ms. */
export async function waitQuiet(dir: string, pid: number, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  let last = ioOf(pid).writeBytes;
  let stillSince = performance.now();
  while (performance.now() < until) {
    await sleep(20);
    const now = ioOf(pid).writeBytes;
    if (now !== last) {
      last = now;
      stillSince = performance.now();
    }
    const names = await readdir(dir);
    const writing = names.some((n) => n.startsWith(`${MAIN}.tmp`));
    if (!writing && (await journalBytes(dir)) === 0 && performance.now() - stillSince >= 200) return true;
  }
  return false;
}

/** One change through /api/v1/push on a quiet companion, then the rewrite of job_history.json that follows. */
async function pushAndRewrite(
  url: string,
  pid: number,
  dir: string,
  id: string,
  n: number,
  probe: boolean,
): Promise<PushSample> {
  await waitQuiet(dir, pid, 30_000);
  const job = await jobVersion(url, id);
  const mainPath = path.join(dir, MAIN);
  const before = await stat(mainPath);
  const journal0 = await journalBytes(dir);
  const io0 = ioOf(pid);
  const change = await pushOneOnce(url, pid, job, n);
  const io1 = ioOf(pid);
  const ackAt = performance.now();
  const cpuAtAck = cpuMs(pid);
  const journal1 = await journalBytes(dir);
  const changed = (s: { ino: number; mtimeMs: number }) => s.ino !== before.ino || s.mtimeMs !== before.mtimeMs;
  const overlapped = changed(await stat(mainPath));

  // With `probe`, /health one request after another while waiting for the new file (it costs the companion CPU).
  let waiting = probe;
  const latencies: number[] = [];
  const probing = (async () => {
    while (waiting) {
      const t = performance.now();
      await request(`${url}/health`).catch(() => null);
      latencies.push(performance.now() - t);
      await sleep(25);
    }
  })();
  let rewrite: RewriteSample | null = null;
  const deadline = ackAt + 30_000;
  while (performance.now() < deadline) {
    const now = await stat(mainPath).catch(() => null);
    if (now && changed(now)) {
      rewrite = {
        afterAckMs: performance.now() - ackAt,
        writeSpanMs: now.mtimeMs - now.birthtimeMs,
        cpuMs: cpuMs(pid) - cpuAtAck,
        bytes: now.size,
        probes: 0,
        worstHealthMs: 0,
      };
      break;
    }
    await sleep(10);
  }
  waiting = false;
  await probing;
  if (rewrite)
    Object.assign(rewrite, { probes: latencies.length, worstHealthMs: probe ? Math.max(0, ...latencies) : NaN });
  const quiet = await waitQuiet(dir, pid, 30_000);
  return {
    e2eMs: change.e2eMs,
    serverMs: change.serverMs,
    atAck: { ...ioDelta(io0, io1), journalBytes: journal1 - journal0 },
    withRewrite: quiet ? ioDelta(io0, ioOf(pid)) : null,
    overlapped,
    rewrite,
  };
}

export interface ScaleOptions {
  startRuns: number;
  pushRuns: number;
  log: (line: string) => void;
}

/**
 * Writes a data dir with `history`, starts the companion on it `startRuns` times (the last one stays up), and
 * measures memory, a full pull, a /load-jobs and `pushRuns` changes on it. The data dir is left for the caller.
 */
export async function measureScalePoint(history: History, dataDir: string, options: ScaleOptions): Promise<ScalePoint> {
  const { log } = options;
  await writeCompanionDataDir(history, dataDir, `bench-${randomUUID()}`);
  const fileBytes = (await stat(path.join(dataDir, MAIN))).size;
  const starts: StartSample[] = [];
  const stopMs: number[] = [];
  let companion: CompanionProcess | null = null;
  try {
    // A companion that ran before starts from the file it wrote itself (store/trusted-file.ts). The bench wrote
    // this one, so a first start and one change make it the companion's own; that first, careful start is logged.
    const first = await timedStart(dataDir);
    await pushAndRewrite(first.companion.url, first.companion.proc.pid!, dataDir, history.jobs[0]!.id, 99, false);
    await timedStop(first.companion);
    log(
      `  ${history.count} jobs: first start on a file the companion did not write ${Math.round(first.sample.healthMs)} ms`,
    );
    for (let i = 0; i < options.startRuns; i++) {
      if (companion) stopMs.push(await timedStop(companion));
      const started = await timedStart(dataDir);
      companion = started.companion;
      starts.push(started.sample);
    }
    const c = companion!;
    const pid = c.proc.pid!;
    log(
      `  ${history.count} jobs: file ${(fileBytes / 1e6).toFixed(1)} MB; start to /health ${starts.map((s) => Math.round(s.healthMs)).join(', ')} ms`,
    );
    await sleep(1000);
    const afterStart = memoryOf(pid).rss;
    const healthIdle: number[] = [];
    for (let i = 0; i < 10; i++) healthIdle.push((await request(`${c.url}/health`)).e2eMs);

    const peakFromKernel = resetPeak(pid);
    const pulled = await withRssSampling(pid, () => fullPullOnce(c.url));
    const { ids: _ids, ...pull } = pulled.result;
    const afterPull = memoryOf(pid);
    const peakPull = peakFromKernel ? Math.max(afterPull.peak, pulled.maxRss) : pulled.maxRss;
    if (pull.jobs !== history.count) log(`  a full pull gave ${pull.jobs} jobs, expected ${history.count}`);
    await sleep(500);

    const beforeLoad = memoryOf(pid).rss;
    resetPeak(pid);
    const logFrom = c.logs.length;
    const loaded = await withRssSampling(pid, () => loadOnce(c.url, history.count));
    loaded.result = withServerLog(loaded.result, c.logs, logFrom);
    const afterLoad = memoryOf(pid);
    const peakLoad = peakFromKernel ? Math.max(afterLoad.peak, loaded.maxRss) : loaded.maxRss;
    log(
      `  RSS ${mb(afterStart)} after start; full pull ${Math.round(pull.ms)} ms, RSS ${mb(afterPull.rss)} (peak ${mb(peakPull)}); /load-jobs ${loaded.result.ok ? `${Math.round(loaded.result.ms)} ms` : `failed (${loaded.result.status} ${loaded.result.error ?? ''})`}, RSS ${mb(beforeLoad)} -> ${mb(afterLoad.rss)} (peak ${mb(peakLoad)})`,
    );

    const pushes: PushSample[] = [];
    for (let i = 0; i < options.pushRuns; i++) {
      const id = history.jobs[history.count - 1 - 3 * i]!.id;
      pushes.push(await pushAndRewrite(c.url, pid, dataDir, id, i, false));
    }
    const probedId = history.jobs[history.count - 2 - 3 * options.pushRuns]!.id;
    const probedPush = await pushAndRewrite(c.url, pid, dataDir, probedId, options.pushRuns, true);
    log(
      `  ${pushes.length} pushes: ${pushes.map((p) => `${p.e2eMs.toFixed(1)} ms/${p.atAck.writeBytes} B`).join(', ')}; rewrite after ${pushes.map((p) => (p.rewrite ? Math.round(p.rewrite.afterAckMs) : '-')).join(', ')} ms`,
    );
    await sleep(2000);
    const settled = memoryOf(pid).rss;
    stopMs.push(await timedStop(c));
    companion = null;
    return {
      count: history.count,
      fileBytes,
      starts,
      stopMs,
      memory: {
        afterStart,
        afterPull: afterPull.rss,
        peakPull,
        afterLoad: afterLoad.rss,
        peakLoad,
        settled,
        peakFromKernel,
      },
      pull,
      load: loaded.result,
      pushes,
      probedPush,
      healthIdle,
    };
  } finally {
    await companion?.stop();
  }
}

export interface EmptyStart {
  starts: StartSample[];
  rss: number;
  /** The same for bench/floor-server.ts, started the same way (bench/built.ts): what any server started so costs. */
  floor: { starts: StartSample[]; rss: number } | null;
}

/** Start to /health on an empty data dir: what node and the companion's modules cost before any history. */
export async function measureEmptyStart(dataDir: string, runs: number): Promise<EmptyStart> {
  await mkdir(dataDir, { recursive: true });
  const starts: StartSample[] = [];
  let rss = NaN;
  for (let i = 0; i < runs; i++) {
    const { companion, sample } = await timedStart(dataDir);
    starts.push(sample);
    if (i === runs - 1) {
      await sleep(1000);
      rss = memoryOf(companion.proc.pid!).rss;
    }
    await companion.stop();
  }
  const answerFile = path.join(dataDir, 'floor-answer.json');
  await writeFile(answerFile, '{"status":"ok","jobs":[]}');
  const floor = { starts: [] as StartSample[], rss: NaN };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const server = await startFloor(answerFile);
    const listeningMs = performance.now() - t0;
    await request(`${server.url}/health`);
    floor.starts.push({ listeningMs, healthMs: performance.now() - t0 });
    if (i === runs - 1) {
      await sleep(1000);
      floor.rss = memoryOf(server.proc.pid!).rss;
    }
    await server.stop();
  }
  return { starts, rss, floor };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
