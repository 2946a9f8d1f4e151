/**
 * 13. One history on several machines (issue 22): companions from the packed bundle sharing one folder
 * (`--sync-dir`), at 1,000 and 10,000 jobs (100,000 with BENCH_100K=1), beside the shared-file way measured in the
 * same run (the old README's advice: the whole job_history.json in a synced folder).
 *   - one change: the bytes written to the folder, and the time from the edit on A until B's API serves it;
 *   - a new device: the time from its start until /api/v1/changes answers its first page, and until it holds every
 *     job (its full bootstrap: every log read, every image copied into its data dir).
 * The folder is shared directly, so no sync client's delay is in the figures: they are the companions' own part.
 * The shared-file way: the old server's save (serialize, write, fsync the whole file), the sync client's copy of
 * it (copy, fsync), and on the other machine the read and parse before any row exists.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { createClock, type Job, toSeedJob } from '../../utils/domain';
import { companionEntry } from '../built';
import { jobVersion } from '../companion';
import { type History, makeHistory, writeCompanionDataDir } from '../dataset';
import { getJson, request } from '../http';
import { HUGE, log, QUICK, sleep, tmp } from '../run-context';
import { fmt, type Row, summarize } from '../stats';

const CHANGES = QUICK ? 3 : 7;
const BASELINE_RUNS = QUICK ? 2 : 3;
const FIRST_PAGE = 100;

export interface DeviceSizeSample {
  count: number;
  /** A's start on a folder it never wrote to: its whole history published before it listens. */
  firstPublishMs: number;
  firstPublishBytes: number;
  change: { bytes: number; appearMs: number }[];
  newDevice: { listenMs: number; firstRowsMs: number; bootstrapMs: number };
  baseline: { fileBytes: number; writeMs: number; copyMs: number; readParseMs: number }[];
}

export const deviceSamples: DeviceSizeSample[] = [];

interface Proc {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The bundle on its own data dir and the shared folder; resolves once it listens (no start timeout: 100k is slow). */
async function startDevice(dataDir: string, folder: string, name: string): Promise<Proc> {
  const entry = await companionEntry();
  const args = entry ? [entry] : ['--import', import.meta.resolve('tsx'), 'companion-server/index.ts'];
  const child = spawn(
    process.execPath,
    [...args, '--port', '0', '--data-dir', dataDir, '--sync-dir', folder, '--device-name', name],
    {
      cwd: dataDir,
      env: { ...process.env, PIXELLAB_API_KEY: 'bench-key-never-used', PIXELLAB_API_URL: 'http://127.0.0.1:9/v1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line) lines.push(line);
        const m = /listening on (http:\/\/\S+?:\d+)/.exec(line);
        if (m) resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`companion ${name} exited before listening:\n${lines.join('\n')}`)));
  });
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** name -> "size:mtime" of every file under `dir`. */
async function filesUnder(dir: string): Promise<Map<string, { size: number; key: string }>> {
  const out = new Map<string, { size: number; key: string }>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const info = await stat(file).catch(() => null);
    if (info) out.set(file, { size: info.size, key: `${info.size}:${info.mtimeMs}` });
  }
  return out;
}

/** Bytes of the files made or rewritten under `dir` since `before`. */
async function bytesWrittenSince(dir: string, before: Map<string, { size: number; key: string }>): Promise<number> {
  let bytes = 0;
  for (const [file, now] of await filesUnder(dir)) if (before.get(file)?.key !== now.key) bytes += now.size;
  return bytes;
}

/** Until the folder stops changing for `quietMs` (a device's pass is over); returns when it last changed. */
async function settled(dir: string, quietMs = 600): Promise<number> {
  let last = '';
  let since = performance.now();
  for (;;) {
    const key = [...(await filesUnder(dir))].map(([f, v]) => `${f}=${v.key}`).join('\n');
    if (key !== last) {
      last = key;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return since;
    await sleep(100);
  }
}

/** The seed's file, written as its server saves it (fsync at the end); in chunks, as 100,000 jobs pass V8's longest string. */
async function writeSeedFile(file: string, seedJobs: readonly unknown[], lastJobId: number): Promise<number> {
  const handle = await open(file, 'w');
  let bytes = 0;
  const write = async (text: string) => {
    const chunk = Buffer.from(text);
    bytes += chunk.length;
    await handle.write(chunk);
  };
  try {
    await write('{"jobs":[');
    for (let i = 0; i < seedJobs.length; i += 500)
      await write(
        (i > 0 ? ',' : '') +
          seedJobs
            .slice(i, i + 500)
            .map((j) => JSON.stringify(j))
            .join(','),
      );
    await write(`],"lastJobId":${lastJobId}}`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}

async function fsyncFile(file: string) {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Past this the other side reads the file but cannot parse it as one string (V8's limit is about 512 MB). */
const PARSE_LIMIT = 400 * 1024 * 1024;

/** The shared-file way at this size: the whole seed-format file per change, written, copied, read and parsed. */
async function baselineRuns(history: History, dir: string): Promise<DeviceSizeSample['baseline']> {
  const here = path.join(dir, 'laptop', 'job_history.json');
  const there = path.join(dir, 'desktop', 'job_history.json');
  await mkdir(path.dirname(here), { recursive: true });
  await mkdir(path.dirname(there), { recursive: true });
  const seedJobs = history.jobs.map((job) => toSeedJob(job, (hash) => history.images.get(hash) ?? null));
  const out: DeviceSizeSample['baseline'] = [];
  for (let i = 0; i < BASELINE_RUNS; i++) {
    seedJobs[seedJobs.length - 1 - i]!.prompt = `changed ${i}`;
    const t0 = performance.now();
    const fileBytes = await writeSeedFile(here, seedJobs, history.count);
    const t1 = performance.now();
    // The sync client: a copy under a temp name, fsynced, renamed into place.
    await copyFile(here, `${there}.part`);
    await fsyncFile(`${there}.part`);
    await rename(`${there}.part`, there);
    const t2 = performance.now();
    const bytes = await readFile(there);
    if (bytes.length < PARSE_LIMIT) JSON.parse(bytes.toString('utf8'));
    const t3 = performance.now();
    out.push({ fileBytes, writeMs: t1 - t0, copyMs: t2 - t1, readParseMs: t3 - t2 });
  }
  return out;
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 600_000) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (performance.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function measureSize(count: number): Promise<DeviceSizeSample> {
  const history = makeHistory(count);
  const root = tmp(`devices-${count}`);
  const folder = path.join(root, 'folder');
  const dataA = path.join(root, 'data-A');
  const dataB = path.join(root, 'data-B');
  await mkdir(folder, { recursive: true });
  await mkdir(dataB, { recursive: true });
  await writeCompanionDataDir(history, dataA, `bench-devices-${count}`);

  const t0 = performance.now();
  const a = await startDevice(dataA, folder, 'A');
  const firstPublishMs = (await settled(folder)) - t0;
  const firstPublishBytes = [...(await filesUnder(folder)).values()].reduce((sum, f) => sum + f.size, 0);
  log(`  ${count} jobs: A published its history in ${Math.round(firstPublishMs)} ms (${fmt(firstPublishBytes, 'B')})`);

  // A new device: B on an empty data dir.
  const t1 = performance.now();
  const b = await startDevice(dataB, folder, 'B');
  const listenMs = performance.now() - t1;
  await until(
    () => getJson<{ changes: unknown[] }>(`${b.url}/api/v1/changes?since=0&limit=${FIRST_PAGE}`),
    (page) => page.changes.length > 0,
    'B first page',
  );
  const firstRowsMs = performance.now() - t1;
  await until(
    () => getJson<{ jobs: number }>(`${b.url}/health`),
    (h) => h.jobs >= count,
    'B holding every job',
  );
  const bootstrapMs = performance.now() - t1;
  log(
    `  ${count} jobs: new device listening ${Math.round(listenMs)} ms, first rows ${Math.round(firstRowsMs)} ms, every job ${Math.round(bootstrapMs)} ms`,
  );
  await settled(folder);

  // One change on A, seen on B.
  const clock = createClock('bench-panel');
  const change: DeviceSizeSample['change'] = [];
  for (let i = 0; i < CHANGES; i++) {
    const id = history.jobs[history.jobs.length - 1 - i]!.id;
    const base = await jobVersion(a.url, id);
    const prompt = `${base.prompt} (changed on A ${i})`;
    const edited: Job = clock.stamp({ ...base, prompt }, base);
    const before = await filesUnder(folder);
    const started = performance.now();
    const res = await request(`${a.url}/api/v1/push`, {
      body: JSON.stringify({ requestId: `bench-devices-${count}-${i}`, clientId: 'bench', changes: [edited], v: 2 }),
    });
    if (res.status !== 200) throw new Error(`push answered ${res.status}`);
    await until(
      () => jobVersion(b.url, id),
      (job) => job.prompt === prompt,
      `change ${i} on B`,
      60_000,
    );
    const appearMs = performance.now() - started;
    await settled(folder, 400);
    change.push({ bytes: await bytesWrittenSince(path.join(folder, 'devices'), before), appearMs });
    await sleep(200);
  }
  log(`  ${count} jobs: one change ${change.map((c) => `${c.bytes} B in ${Math.round(c.appearMs)} ms`).join(', ')}`);
  await b.stop();
  await a.stop();
  const baseline = await baselineRuns(history, path.join(root, 'shared-file'));
  log(
    `  ${count} jobs: shared file ${fmt(baseline[0]!.fileBytes, 'B')}: ${baseline.map((r) => `write ${Math.round(r.writeMs)} + copy ${Math.round(r.copyMs)} ms, read ${Math.round(r.readParseMs)} ms`).join('; ')}`,
  );
  return {
    count,
    firstPublishMs,
    firstPublishBytes,
    change,
    newDevice: { listenMs, firstRowsMs, bootstrapMs },
    baseline,
  };
}

/** BENCH_ONLY=devices (or any run that names it). */
export async function benchDevices(sizes: number[]): Promise<void> {
  log(`13. devices sharing a folder: ${sizes.join(', ')} jobs`);
  for (const count of sizes) deviceSamples.push(await measureSize(count));
}

export const deviceSizes = () => [QUICK ? 200 : 1000, QUICK ? 2000 : 10_000, ...(HUGE ? [HUGE] : [])];

/** "3.2x faster" or "12x slower": ours against the shared file. */
const speed = (baseline: number, ours: number) =>
  ours <= baseline ? `${fmt(baseline / ours, 'x')} faster` : `${fmt(ours / baseline, 'x')} slower`;

export function devicesRows(): Row[] {
  const rows: Row[] = [];
  for (const s of deviceSamples) {
    const n = s.count.toLocaleString('en-US');
    const ten = s.count >= 10_000;
    const bytes = summarize(s.change.map((c) => c.bytes));
    const file = summarize(s.baseline.map((b) => b.fileBytes));
    rows.push({
      id: `devices.change.bytes.${s.count}`,
      measurement: `13. one change at ${n} jobs: bytes written to the folder`,
      ours: bytes,
      baseline: file,
      unit: 'B',
      ratio: `${((bytes.median / file.median) * 100).toFixed(4)} %`,
      ratioValue: bytes.median / file.median,
      ...(ten ? { target: '<= a few KB', pass: bytes.median <= 8192 } : {}),
    });
    const appear = summarize(s.change.map((c) => c.appearMs));
    const shared = summarize(s.baseline.map((b) => b.writeMs + b.copyMs));
    rows.push({
      id: `devices.change.appear.${s.count}`,
      measurement: `13. one change at ${n} jobs: until the other device has it`,
      ours: appear,
      baseline: shared,
      unit: 'ms',
      ratio: speed(shared.median, appear.median),
      ratioValue: shared.median / appear.median,
      target: '<= 10 s',
      pass: appear.max <= 10_000,
      note: 'shared file: write + copy of the whole file, no sync client delay on either side',
    });
    const readParse = summarize(s.baseline.map((b) => b.copyMs + b.readParseMs));
    rows.push({
      id: `devices.newDevice.firstRows.${s.count}`,
      measurement: `13. a new device at ${n} jobs: first page of rows`,
      ours: summarize([s.newDevice.firstRowsMs]),
      baseline: readParse,
      unit: 'ms',
      ratio: speed(readParse.median, s.newDevice.firstRowsMs),
      ...(ten ? { target: 'in seconds (<= 5 s)', pass: s.newDevice.firstRowsMs <= 5000 } : {}),
      note: `listening after ${Math.round(s.newDevice.listenMs)} ms; shared file: copy + read + parse`,
    });
    rows.push({
      id: `devices.newDevice.bootstrap.${s.count}`,
      measurement: `13. a new device at ${n} jobs: every job held`,
      ours: summarize([s.newDevice.bootstrapMs]),
      baseline: readParse,
      unit: 'ms',
      note: `the publishing device's first pass: ${Math.round(s.firstPublishMs)} ms, ${fmt(s.firstPublishBytes, 'B')} into the folder`,
    });
  }
  return rows;
}
