/**
 * Shared pieces of the reliability suites: the companion in-process (createApp over a real file
 * store in a temp dir), a PixelLab double that always answers, requests with a forged Host, data-dir
 * snapshots, and the checks every answer must pass.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type CompanionApp, createApp } from '../../companion-server/app';
import { defaultLimits, type PixelLab, type Runner } from '../../companion-server/deps';
import { createRunner, type JobRunner } from '../../companion-server/paid/runner';
import { createFileStore } from '../../companion-server/store/file-store';
import type { FsSeam } from '../../companion-server/store/fs-seam';
import type { JobStore } from '../../companion-server/store/types';
import { makeSprite } from '../fixtures/png';

/** RELIABILITY_LONG=1 multiplies every run count by 20. */
export const LONG = process.env.RELIABILITY_LONG === '1';
export const runs = (n: number) => (LONG ? n * 20 : n);

export async function tempDir(prefix = 'pixellab-rel-') {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A PixelLab that always answers at once with a real PNG. */
export function pixellabDouble(): PixelLab & { calls: number } {
  const double = {
    calls: 0,
    generate: async ({
      prompt,
      width,
      height,
      seed,
    }: {
      prompt: string;
      width: number;
      height: number;
      seed: number | null;
    }) => {
      double.calls++;
      return { png: makeSprite(Math.min(width, 64), Math.min(height, 64), prompt), usd: 0.01, seed: seed ?? 7 };
    },
    rotate: async ({ width, height, toDirection }: { width: number; height: number; toDirection: string }) => {
      double.calls++;
      return { png: makeSprite(Math.min(width, 64), Math.min(height, 64), toDirection), usd: 0.01 };
    },
    balance: async () => ({ usd: 5 }),
  };
  return double;
}

/** A runner that records what it was asked to run and runs nothing (keeps fs-call counts to the request). */
export function idleRunner(): Runner & { enqueued: string[] } {
  const enqueued: string[] = [];
  let limit = 3;
  return {
    enqueued,
    enqueue: (id: string) => void enqueued.push(id),
    setLimit: (n: number) => void (limit = n),
    get limit() {
      return limit;
    },
    running: 0,
  };
}

export interface InProcess {
  app: CompanionApp;
  store: JobStore;
  runner: JobRunner | (Runner & { enqueued: string[] });
  dir: string;
  logs: string[];
  /** Waits until the runner is idle, every change is durable and job_history.json holds it (no write pending). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startInProcess(options: {
  dataDir: string;
  fs?: FsSeam;
  token?: string | null;
  allowOrigins?: string[];
  pixellab?: PixelLab;
  /** 'real' runs queued jobs against the PixelLab double; 'idle' runs nothing. */
  runner?: 'real' | 'idle';
  limits?: Partial<typeof defaultLimits>;
}): Promise<InProcess> {
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const store = await createFileStore({ dataDir: options.dataDir, fs: options.fs, log, retry: { backoffMs: 1 } });
  const pixellab = options.pixellab ?? pixellabDouble();
  const runner = options.runner === 'idle' ? idleRunner() : createRunner({ store, pixellab, log });
  const app = createApp({
    store,
    pixellab,
    runner,
    log,
    config: {
      allowOrigins: options.allowOrigins ?? [],
      token: options.token ?? null,
      apiKeyDetected: true,
      limits: { ...defaultLimits, ...options.limits },
      version: 'reliability',
      balanceTtlMs: 60_000,
    },
  });
  const settle = async () => {
    if ('idle' in runner) await runner.idle();
    await store.compact().catch(() => undefined);
    // A rewrite may take a dated copy in the background (dated-snapshots.ts).
    await store.snapshots?.settled();
  };
  return {
    app,
    store,
    runner,
    dir: options.dataDir,
    logs,
    settle,
    close: async () => {
      if ('stop' in runner) await runner.stop();
      await store.close().catch(() => undefined);
    },
  };
}

export interface Call {
  method: string;
  path: string;
  /** `host` defaults to 127.0.0.1:8787; pass `host: null` to send none. */
  headers?: Record<string, string | null>;
  body?: string | Uint8Array;
}

/** One request through app.request(), with the Host header a real client would send. */
export async function call(app: CompanionApp, c: Call): Promise<Response> {
  const headers = new Headers();
  const given = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  if (!('host' in given)) headers.set('host', '127.0.0.1:8787');
  for (const [k, v] of Object.entries(given)) if (v !== null) headers.set(k, v);
  const hasBody = c.body !== undefined && c.method !== 'GET' && c.method !== 'HEAD';
  const request = new Request(`http://127.0.0.1:8787${c.path}`, {
    method: c.method,
    headers,
    // A Uint8Array gets no automatic content type, so "no content type" stays none.
    body: hasBody
      ? typeof c.body === 'string'
        ? new TextEncoder().encode(c.body)
        : (c.body as Uint8Array<ArrayBuffer>)
      : undefined,
  });
  return app.request(request);
}

/**
 * Every file under `dir` (recursively, directories marked) with the sha-256 of its bytes. Files in
 * images/ are named by their own hash, so by default only their size is taken (`deep` reads them too).
 */
export async function snapshotDir(dir: string, deep = false): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(rel: string) {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      // Dated copies are taken in the background after earlier accepted writes (dated-snapshots.ts): they
      // copy the history and never change it, so a copy finishing during a refused request is not its doing.
      if (!rel && entry.name === 'snapshots') continue;
      if (entry.isDirectory()) {
        out.set(`${relPath}/`, 'dir');
        await walk(relPath);
      } else if (!deep && rel === 'images') {
        out.set(relPath, `size ${(await stat(path.join(dir, relPath)).catch(() => ({ size: -1 }))).size}`);
      } else {
        const bytes = await readFile(path.join(dir, relPath)).catch(() => null);
        out.set(relPath, bytes ? createHash('sha256').update(bytes).digest('hex') : 'unreadable');
      }
    }
  }
  await walk('');
  return out;
}

export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const diffs: string[] = [];
  for (const [name, hash] of before) {
    if (!after.has(name)) diffs.push(`removed ${name}`);
    else if (after.get(name) !== hash) diffs.push(`changed ${name}`);
  }
  for (const name of after.keys()) if (!before.has(name)) diffs.push(`added ${name}`);
  return diffs;
}

/**
 * The contract of every answer: never a 5xx (but PixelLab's own 422/429/502/504 on the
 * generation routes), and every 4xx is a JSON `{status:'error', error, message}`.
 * Returns a description of what is wrong, or null.
 */
export async function checkAnswer(
  res: { status: number; headers: { get(name: string): string | null }; text: string },
  route: string,
): Promise<string | null> {
  const generation = /^\/(generate-character|rotate-character)\/?$/.test(route);
  if (res.status >= 500 && !(generation && [502, 504].includes(res.status)))
    return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status >= 400) {
    if (generation && [422, 429].includes(res.status)) return null;
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      return `status ${res.status} with a body that is not JSON: ${JSON.stringify(res.text.slice(0, 200))}`;
    }
    const b = body as Record<string, unknown>;
    if (b?.status !== 'error' || typeof b.error !== 'string' || typeof b.message !== 'string' || !b.message) {
      return `status ${res.status} with a body that is not {status:'error', error, message}: ${res.text.slice(0, 200)}`;
    }
    if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) {
      return `status ${res.status} with content type ${res.headers.get('content-type')}`;
    }
  }
  return null;
}

/** What Object.prototype and friends hold now; compared before and after a run to catch pollution. */
export function prototypeFingerprint(): string {
  const describe = (o: object) =>
    Object.getOwnPropertyNames(o)
      .sort()
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(o, k)!;
        return `${k}:${typeof d.value}:${d.get ? 'get' : ''}${d.set ? 'set' : ''}`;
      })
      .join(',');
  const probe = {} as Record<string, unknown>;
  return [
    describe(Object.prototype),
    describe(Array.prototype),
    describe(Function.prototype),
    String(probe.polluted),
    String(probe.isAdmin),
  ].join('|');
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request, by default on its own connection (no keep-alive, so a bad request never poisons the next one). */
export function httpRequest(
  port: number,
  c: { method: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array },
  timeoutMs = 10_000,
  agent: http.Agent | false = false,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...c.headers };
    // An explicit length keeps the framing valid even for a GET with a body (Node would send it unframed).
    if (c.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(typeof c.body === 'string' ? Buffer.byteLength(c.body) : c.body.byteLength);
    }
    const hasHost = Object.keys(headers).some((k) => k.toLowerCase() === 'host');
    const req = http.request(
      { host: '127.0.0.1', port, method: c.method, path: c.path, headers, setHost: !hasHost, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (c.body !== undefined) req.write(c.body);
    req.end();
  });
}

/** Writes raw bytes on a fresh socket and returns the first response's status line, headers and body (as much as arrives). */
export function rawSocket(
  port: number,
  bytes: Uint8Array | string,
  opts: { endAfterWrite?: boolean; waitMs?: number } = {},
): Promise<{ head: string; status: number; body: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      let body = split < 0 ? '' : text.slice(split + 4);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (length) body = body.slice(0, Number(length[1]));
      resolve({ head, status, body: Buffer.from(body, 'latin1').toString('utf8'), closed });
    };
    const timer = setTimeout(finish, opts.waitMs ?? 3000);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split < 0 ? undefined : split));
      if (split >= 0 && length && Buffer.byteLength(text.slice(split + 4), 'latin1') >= Number(length[1])) finish();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => {
      closed = true;
      finish();
    });
    socket.write(bytes);
    if (opts.endAfterWrite) socket.end();
  });
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** A push body for one job version. */
export function pushBody(
  requestId: string,
  changes: unknown[],
  images: Record<string, string> = {},
  clientId = 'rel-client',
): string {
  return JSON.stringify({ requestId, clientId, changes, images });
}

/** A job version as a client would push it. */
export function job(id: string, updatedAt: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    kind: 'generate',
    prompt: `prompt of ${id}`,
    width: 64,
    height: 64,
    status: 'idle',
    createdAt: 1_000,
    updatedAt,
    ...extra,
  };
}
