/**
 * The old API (/save-jobs, /load-jobs) side by side on three servers: the peer (the old Python server's
 * mimic), the floor (a trivial Node server) and the companion. Every server gets the same bytes: the old
 * dashboard's body, `JSON.stringify({jobs, lastJobId})` of the whole history in the seed's format (each
 * result a PNG data URL), with one job changed per save. Built from per-job pieces, so a body past V8's
 * longest string (100k jobs: ~600 MB) can still be sent.
 */
import http from 'node:http';
import { type Job, toSeedJob } from '../utils/domain';
import type { Dataset } from './dataset';
import { type Exchange, request } from './http';

/** The seed's view of the history as the old dashboard holds it, one JSON piece per job. */
export class SeedBody {
  private edits = 0;

  /** One JSON piece per job (kept as bytes: at 100k jobs the strings would fill half of V8's heap). */
  constructor(
    readonly pieces: Buffer[],
    readonly lastJobId = 0,
  ) {}

  static of(dataset: Pick<Dataset, 'jobs' | 'images'>): SeedBody {
    const getImage = (hash: string) => dataset.images.get(hash) ?? null;
    return new SeedBody(dataset.jobs.map((job: Job) => Buffer.from(JSON.stringify(toSeedJob(job, getImage)))));
  }

  get count(): number {
    return this.pieces.length;
  }

  /** Changes one job as a client that does not know our version fields would: its prompt, nothing else. */
  edit(index: number): { id: string; prompt: string } {
    const job = JSON.parse(this.pieces[index]!.toString()) as Record<string, unknown>;
    job.prompt = `${String(job.prompt).replace(/ \(edited \d+\)$/, '')} (edited ${++this.edits})`;
    this.pieces[index] = Buffer.from(JSON.stringify(job));
    return { id: String(job.id), prompt: String(job.prompt) };
  }

  /** The /save-jobs body: exactly JSON.stringify({jobs, lastJobId}). */
  saveBody(): Buffer {
    return this.frame(Buffer.from('{"jobs":['), Buffer.from(`],"lastJobId":${this.lastJobId}}`));
  }

  /** A /load-jobs answer holding the same jobs (what the floor sends). */
  loadAnswer(): Buffer {
    const tail = `],"lastJobId":${this.lastJobId},"savedAt":null,"message":"Loaded ${this.count} jobs"}`;
    return this.frame(Buffer.from('{"status":"ok","jobs":['), Buffer.from(tail));
  }

  private frame(head: Buffer, tail: Buffer): Buffer {
    const comma = Buffer.from(',');
    const parts: Buffer[] = [head];
    this.pieces.forEach((piece, i) => {
      if (i > 0) parts.push(comma);
      parts.push(piece);
    });
    parts.push(tail);
    return Buffer.concat(parts);
  }
}

export interface OldApiSample {
  /** From the call (body already serialized) until the last answer byte. */
  ms: number;
  /** From the last request byte sent until the answer's headers (the server's own work). */
  serverMs: number;
  status: number;
  /** Body bytes: sent for a save, received for a load. */
  bodyBytes: number;
  ok: boolean;
  /** The first bytes of a refused or failed answer. */
  error?: string;
  /** What the companion logged while a request of it failed (its first 5 lines: the message, then the stack). */
  serverLog?: string[];
}

/** Adds what the server printed since `from` to a failed sample. */
export function withServerLog(s: OldApiSample, logs: readonly string[], from: number): OldApiSample {
  if (s.ok) return s;
  const lines = logs.slice(from, from + 5).map((line) => line.slice(0, 400));
  return lines.length ? { ...s, serverLog: lines } : s;
}

function sample(res: Exchange, bodyBytes: number, ok: boolean): OldApiSample {
  return {
    ms: res.e2eMs,
    serverMs: res.serverMs,
    status: res.status,
    bodyBytes,
    ok,
    ...(ok ? {} : { error: res.body.subarray(0, 300).toString() }),
  };
}

export async function saveOnce(url: string, body: Buffer): Promise<OldApiSample> {
  try {
    const res = await request(`${url}/save-jobs`, { body });
    let ok = res.status === 200;
    if (ok) ok = (JSON.parse(res.body.toString()) as { status?: string }).status === 'ok';
    return sample(res, body.length, ok);
  } catch (error) {
    const out = failed(body.length, error);
    // A server that refuses at the headers closes while the body is still being sent: ask it what it says.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || code === 'ECONNRESET') {
      const said = await answerToHeaders(`${url}/save-jobs`, body.length);
      out.error = `${code} while the body was being sent; to the same headers and no body it answers ${said}`;
    }
    return out;
  }
}

/** POSTs only the headers of a body of `length` bytes and returns what the server answers within 5 s. */
function answerToHeaders(url: string, length: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(length) },
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve('nothing within 5 s');
    }, 5000);
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve(String(error));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve(`${res.statusCode} ${Buffer.concat(chunks).subarray(0, 200).toString()}`);
      });
    });
    req.flushHeaders();
  });
}

/**
 * GET /load-jobs. The answer is checked after the clock stopped: status "ok" and `expectJobs` jobs (parsed
 * when it fits in a string; past that only its frame is checked).
 */
export async function loadOnce(url: string, expectJobs: number): Promise<OldApiSample> {
  try {
    const res = await request(`${url}/load-jobs`);
    return sample(res, res.body.length, res.status === 200 && loadAnswerHolds(res.body, expectJobs));
  } catch (error) {
    return failed(0, error);
  }
}

/** V8's longest string (2^29 - 24 characters): a body longer than that cannot be JSON.parsed in one piece. */
export const MAX_STRING = 2 ** 29 - 24;

function loadAnswerHolds(body: Buffer, expectJobs: number): boolean {
  if (body.length >= MAX_STRING) {
    // Python's json.dumps writes '"jobs": [', Node's '"jobs":['.
    const head = body.subarray(0, 4096).toString();
    return /"status":\s*"ok"/.test(head) && /"jobs":\s*\[/.test(head) && body.subarray(-1).toString() === '}';
  }
  const answer = JSON.parse(body.toString()) as { status?: string; jobs?: unknown[] };
  return answer.status === 'ok' && answer.jobs?.length === expectJobs;
}

function failed(bodyBytes: number, error: unknown): OldApiSample {
  return { ms: NaN, serverMs: NaN, status: 0, bodyBytes, ok: false, error: String(error).slice(0, 300) };
}

export interface HealthDuring {
  /** The save measured meanwhile. */
  save: OldApiSample;
  /** /health latencies (ms) of probes sent while the save was in progress, one after the other. */
  latencies: number[];
  worstMs: number;
  /** Probes not answered 200. */
  failures: number;
}

/**
 * Sends `body` to /save-jobs and, while it is in progress, probes /health one request after another (a fresh
 * connection each, `gapMs` between an answer and the next probe). The probe open when the save ends is awaited
 * and counted with its full latency.
 */
export async function healthDuringSave(url: string, body: Buffer, gapMs = 25): Promise<HealthDuring> {
  let done = false;
  const latencies: number[] = [];
  let failures = 0;
  const probing = (async () => {
    while (!done) {
      const started = performance.now();
      try {
        const res = await request(`${url}/health`);
        if (res.status !== 200) failures++;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  const save = await saveOnce(url, body);
  done = true;
  await probing;
  return { save, latencies, worstMs: Math.max(0, ...latencies), failures };
}
