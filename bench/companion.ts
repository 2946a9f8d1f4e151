/**
 * The companion side of the bench: the real companion process (tests/helpers/companion-process.ts) on a
 * data dir holding the dataset, and the HTTP measurements against it.
 */
import http from 'node:http';
import { type CompanionProcess, startCompanion } from '../tests/helpers/companion-process';
import type { Job } from '../utils/domain';
import { SYNC_PAGE_SIZE } from '../utils/sync/pull';
import { companionEntry } from './built';
import type { Dataset } from './dataset';
import { cpuMs, type Exchange, getJson, request } from './http';
import { percentile } from './stats';

export { SYNC_PAGE_SIZE };

/** A companion process the bench started. */
export type BenchCompanion = CompanionProcess;

export async function startBenchCompanion(dataDir: string): Promise<CompanionProcess> {
  // PixelLab is never called: every job is already done. The default API URL points at a closed port.
  return startCompanion({ dataDir, apiKey: 'bench-key-never-used', entry: await companionEntry() });
}

export async function health(url: string): Promise<{ serverId: string; lastSeq: number; jobs: number }> {
  return getJson(`${url}/health`);
}

/** The companion's current version of one job (without its seq), as a client holding it would push it back. */
export async function jobVersion(url: string, id: string): Promise<Job> {
  const res = await request(`${url}/api/v1/jobs/${encodeURIComponent(id)}`);
  if (res.status !== 200) throw new Error(`GET /api/v1/jobs/${id} answered ${res.status}`);
  const { job } = JSON.parse(res.body.toString()) as { job: Job & { seq?: number } };
  const { seq: _seq, ...rest } = job;
  return rest;
}

// --- reads: /load-jobs and a full pull -------------------------------------------------------------

export interface ReadSample {
  ms: number;
  bytes: number;
  jobs: number;
  requests: number;
}

export async function loadJobsOnce(url: string): Promise<ReadSample> {
  const res = await request(`${url}/load-jobs`);
  if (res.status !== 200) throw new Error(`/load-jobs answered ${res.status}`);
  const jobs = (JSON.parse(res.body.toString()) as { jobs: unknown[] }).jobs.length;
  return { ms: res.e2eMs, bytes: res.bytesSent + res.bytesReceived, jobs, requests: 1 };
}

/** GET /api/v1/changes from 0, page by page (the extension's page size), until hasMore is false. */
export async function fullPullOnce(url: string, pageSize = SYNC_PAGE_SIZE): Promise<ReadSample & { ids: Set<string> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  let since = 0;
  let bytes = 0;
  let requests = 0;
  const ids = new Set<string>();
  try {
    for (;;) {
      const res = await request(`${url}/api/v1/changes?since=${since}&limit=${pageSize}`, { agent });
      requests++;
      if (res.status !== 200)
        throw new Error(`/api/v1/changes answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
      bytes += res.body.length;
      const page = JSON.parse(res.body.toString()) as { changes: Job[]; lastSeq: number; hasMore: boolean };
      for (const job of page.changes) if (!job.deleted) ids.add(job.id);
      if (!page.hasMore || page.lastSeq <= since) break;
      since = page.lastSeq;
    }
  } finally {
    agent.destroy();
  }
  return { ms: performance.now() - started, bytes, jobs: ids.size, requests, ids };
}

/** Changes since `since` (every page), as a map id -> newest version. */
export async function pullSince(url: string, since: number): Promise<Map<string, Job>> {
  const out = new Map<string, Job>();
  for (;;) {
    const page = await getJson<{ changes: Job[]; lastSeq: number; hasMore: boolean }>(
      `${url}/api/v1/changes?since=${since}&limit=500`,
    );
    for (const job of page.changes) out.set(job.id, job);
    if (!page.hasMore || page.lastSeq <= since) return out;
    since = page.lastSeq;
  }
}

// --- one job change: the seed's full /save-jobs against one push ------------------------------------

export interface ChangeSample {
  /** Client serialization + request + answer. */
  e2eMs: number;
  serializeMs: number;
  serverMs: number;
  bytes: number;
  requestBytes: number;
  /** Companion CPU time for the request (10 ms resolution). */
  serverCpuMs: number;
}

function toChange(res: Exchange, serializeMs: number, cpu: number): ChangeSample {
  return {
    e2eMs: serializeMs + res.e2eMs,
    serializeMs,
    serverMs: res.serverMs,
    bytes: res.bytesSent + res.bytesReceived,
    requestBytes: res.bytesSent,
    serverCpuMs: cpu,
  };
}

/**
 * The seed client's way: it holds the whole history as /load-jobs gave it (results as data URLs), edits one
 * job, and POSTs everything to /save-jobs.
 */
export async function saveJobsOnce(
  url: string,
  pid: number,
  seedJobs: Record<string, unknown>[],
  lastJobId: number,
  edit: number,
): Promise<ChangeSample> {
  const job = seedJobs[edit]!;
  job.prompt = `${String(job.prompt).replace(/ \(edited \d+\)$/, '')} (edited ${Date.now()})`;
  job.updatedAt = Date.now();
  const t = performance.now();
  const body = JSON.stringify({ jobs: seedJobs, lastJobId });
  const serializeMs = performance.now() - t;
  const cpu0 = cpuMs(pid);
  const res = await request(`${url}/save-jobs`, { body });
  const cpu = cpuMs(pid) - cpu0;
  if (res.status !== 200) throw new Error(`/save-jobs answered ${res.status}: ${res.body.toString().slice(0, 300)}`);
  return toChange(res, serializeMs, cpu);
}

/** The extension's way: POST /api/v1/push with the one changed job. */
export async function pushOneOnce(url: string, pid: number, job: Job, n: number): Promise<ChangeSample> {
  const changed: Job = {
    ...job,
    prompt: `${job.prompt.replace(/ \(edited \d+\)$/, '')} (edited ${Date.now()})`,
    updatedAt: Date.now(),
  };
  const t = performance.now();
  const body = JSON.stringify({
    requestId: `bench-one-${Date.now()}-${n}`,
    clientId: 'bench-client',
    changes: [changed],
  });
  const serializeMs = performance.now() - t;
  const cpu0 = cpuMs(pid);
  const res = await request(`${url}/api/v1/push`, { body });
  const cpu = cpuMs(pid) - cpu0;
  if (res.status !== 200) throw new Error(`/api/v1/push answered ${res.status}: ${res.body.toString().slice(0, 300)}`);
  const answer = JSON.parse(res.body.toString()) as { results: { outcome: string }[] };
  if (answer.results[0]?.outcome !== 'applied')
    throw new Error(`push was not applied: ${res.body.toString().slice(0, 300)}`);
  return toChange(res, serializeMs, cpu);
}

// --- concurrent pushes ----------------------------------------------------------------------------

export interface LoadResult {
  clients: number;
  pushesPerClient: number;
  pushes: number;
  wallMs: number;
  throughput: number;
  latencies: number[];
  p50: number;
  p99: number;
  max: number;
  errors: number;
  errorSamples: string[];
  /** Pushed jobs missing from (or older in) a pull made afterwards. */
  lost: number;
  found: number;
}

/**
 * `clients` clients, each on its own keep-alive connection, each pushing `perClient` new jobs one push at a
 * time, all at once. Then one pull since the checkpoint taken before counts what the companion kept.
 */
export async function concurrentPushes(
  url: string,
  template: Job,
  clients: number,
  perClient: number,
): Promise<LoadResult> {
  const before = (await health(url)).lastSeq;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const pushed = new Map<string, number>();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let k = 0; k < perClient; k++) {
          const now = Date.now();
          const job: Job = {
            ...template,
            id: `job-bench-load-${c}-${k}-${now.toString(36)}`,
            prompt: `load test client ${c} push ${k}`,
            createdAt: now,
            updatedAt: now,
            startTime: now,
            endTime: now,
          };
          pushed.set(job.id, job.updatedAt);
          const body = JSON.stringify({
            requestId: `bench-load-${c}-${k}-${now}`,
            clientId: `bench-load-${c}`,
            changes: [job],
          });
          const t = performance.now();
          try {
            const res = await request(`${url}/api/v1/push`, { body, agent });
            latencies.push(performance.now() - t);
            const answer =
              res.status === 200 ? (JSON.parse(res.body.toString()) as { results: { outcome: string }[] }) : null;
            if (res.status !== 200 || answer?.results[0]?.outcome !== 'applied') {
              errors++;
              if (errorSamples.length < 5) errorSamples.push(`${res.status} ${res.body.toString().slice(0, 200)}`);
            }
          } catch (err) {
            latencies.push(performance.now() - t);
            errors++;
            if (errorSamples.length < 5) errorSamples.push(String(err));
          }
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  const wallMs = performance.now() - started;
  const after = await pullSince(url, before);
  let found = 0;
  for (const [id, updatedAt] of pushed) {
    const job = after.get(id);
    if (job && !job.deleted && job.updatedAt === updatedAt) found++;
  }
  const pushes = clients * perClient;
  return {
    clients,
    pushesPerClient: perClient,
    pushes,
    wallMs,
    throughput: (pushes / wallMs) * 1000,
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    errors,
    errorSamples,
    lost: pushes - found,
    found,
  };
}

export function seedJobsFrom(loadJobs: Buffer): { jobs: Record<string, unknown>[]; lastJobId: number } {
  const parsed = JSON.parse(loadJobs.toString()) as { jobs: Record<string, unknown>[]; lastJobId: number };
  return { jobs: parsed.jobs, lastJobId: parsed.lastJobId ?? 0 };
}

export type { Dataset };
