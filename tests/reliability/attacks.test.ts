/**
 * Attacks on a real companion process, beyond tests/server/security.test.ts:
 * 1. a matrix Origin x Host x token x method/content type (incl. preflights with and without
 *    Access-Control-Request-Private-Network) over several routes: only the allowed combinations
 *    succeed, CORS headers only ever go to allowed origins, refused requests change no file;
 * 2. the PixelLab key (a distinctive sentinel) never appears in an answer (body or header), in any file of the
 *    data dir (images and backup included) or in any line the companion printed, across generate success,
 *    401 (wrong key), 429, 5xx, 422, timeout and network-failure paths.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { makeSprite } from '../fixtures/png';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { untilQuiet } from '../helpers/until-file';
import { checkVerdict, securityVerdict } from './oracle';
import { diffSnapshots, httpRequest, job, pushBody, type RawAnswer, snapshotDir, tempDir } from './support';

let refusedTotal = 0;
afterAll(() => {
  console.log(`attacks: ${refusedTotal} refused`);
});

const TOKEN = 'tok-attack-7f3a';
const ALLOWED_WEB = 'http://localhost:5500';
const EXTENSION = 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen';

const origins: (string | null)[] = [
  null,
  EXTENSION,
  'moz-extension://2f1c0d55-1111-4222-8333-944455556666',
  ALLOWED_WEB,
  'https://evil.example',
  'http://evil.example',
  'http://127.0.0.1:9999',
  'null',
];
const hosts = [
  '127.0.0.1:PORT',
  'localhost:PORT',
  '[::1]:PORT',
  'evil.com:PORT',
  '127.0.0.1.evil.com:PORT',
  'localhost.:PORT',
  '192.168.1.5:PORT',
  '0.0.0.0:PORT',
];
const tokens: [string, string | null][] = [
  ['no token', null],
  ['wrong token', 'Bearer tok-attack-7f3b'],
  ['right token', `Bearer ${TOKEN}`],
];
type Kind = 'get' | 'json' | 'text' | 'form' | 'preflight' | 'preflight-pna';
const routes: { method: string; path: string; kinds: Kind[]; body: () => string; readsBody: boolean }[] = [
  { method: 'GET', path: '/health', kinds: ['get', 'preflight', 'preflight-pna'], body: () => '', readsBody: false },
  { method: 'GET', path: '/load-jobs', kinds: ['get', 'preflight', 'preflight-pna'], body: () => '', readsBody: false },
  {
    method: 'GET',
    path: '/api/v1/changes',
    kinds: ['get', 'preflight', 'preflight-pna'],
    body: () => '',
    readsBody: false,
  },
  {
    method: 'POST',
    path: '/save-jobs',
    kinds: ['json', 'text', 'form', 'preflight', 'preflight-pna'],
    body: () => JSON.stringify({ jobs: [{ id: 'job-1', prompt: 'kept' }], lastJobId: 1 }),
    readsBody: true,
  },
  {
    method: 'POST',
    path: '/api/v1/push',
    kinds: ['json', 'text', 'form', 'preflight', 'preflight-pna'],
    body: () => pushBody(`req-${randomBytes(6).toString('hex')}`, [job('job-m', 5)]),
    readsBody: true,
  },
  {
    method: 'PUT',
    path: '/api/v1/config',
    kinds: ['json', 'text', 'form', 'preflight', 'preflight-pna'],
    body: () => JSON.stringify({ parallelLimit: 3 }),
    readsBody: true,
  },
  // Takes no body (README: `{}`), so no content type is required of it.
  {
    method: 'POST',
    path: '/clear-history',
    kinds: ['json', 'text', 'form', 'preflight', 'preflight-pna'],
    body: () => '{}',
    readsBody: false,
  },
];

interface Case {
  name: string;
  route: (typeof routes)[number];
  kind: Kind;
  host: string;
  origin: string | null;
  authorization: string | null;
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const route of routes)
    for (const kind of route.kinds)
      for (const host of hosts)
        for (const origin of origins)
          for (const [tokenName, authorization] of tokens) {
            cases.push({
              name: `${kind} ${route.method} ${route.path} host=${host} origin=${origin ?? '-'} ${tokenName}`,
              route,
              kind,
              host,
              origin,
              authorization,
            });
          }
  return cases;
}

function requestOf(c: Case, port: number) {
  const host = c.host.replace('PORT', String(port));
  const headers: Record<string, string> = { host };
  if (c.origin !== null) headers.origin = c.origin;
  if (c.authorization !== null) headers.authorization = c.authorization;
  let method = c.route.method;
  let body: string | undefined;
  if (c.kind === 'preflight' || c.kind === 'preflight-pna') {
    method = 'OPTIONS';
    headers['access-control-request-method'] = c.route.method;
    headers['access-control-request-headers'] = 'content-type, authorization';
    if (c.kind === 'preflight-pna') headers['access-control-request-private-network'] = 'true';
  } else if (c.kind !== 'get') {
    body = c.kind === 'form' ? 'jobs=1&lastJobId=0' : c.route.body();
    headers['content-type'] =
      c.kind === 'json'
        ? 'application/json'
        : c.kind === 'text'
          ? 'text/plain;charset=UTF-8'
          : 'application/x-www-form-urlencoded';
  }
  return { host, method, headers, body };
}

/** What must happen: the security verdict, then 415 for a body that is not JSON on a route that reads one. */
function expected(c: Case, host: string, method: string) {
  const verdict = securityVerdict({
    method,
    path: c.route.path,
    host,
    origin: c.origin,
    authorization: c.authorization,
    token: TOKEN,
    allowOrigins: [ALLOWED_WEB],
  });
  // Simple (text/form) content types are refused on every mutating route, with a body or not.
  const succeeds =
    verdict.kind === 'preflight' || (verdict.kind === 'through' && !(c.kind === 'text' || c.kind === 'form'));
  return { verdict, succeeds };
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe('Origin x Host x token x method/content type', () => {
  let companion: CompanionProcess;
  let t: Awaited<ReturnType<typeof tempDir>>;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  beforeAll(async () => {
    t = await tempDir();
    companion = await startCompanion({ dataDir: t.dir, args: ['--token', TOKEN, '--allow-origin', ALLOWED_WEB] });
    // Something on disk to keep unchanged.
    await httpRequest(companion.port, {
      method: 'POST',
      path: '/api/v1/push',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: pushBody('seed-attack-1', [job('job-1', 1), job('job-2', 2)]),
    });
    // The push is in the journal; wait until job_history.json holds it, so the snapshot below is stable.
    await untilQuiet(t.dir);
  });
  afterAll(async () => {
    agent.destroy();
    await companion?.stop();
    await t?.remove();
  });

  it('only the allowed combinations succeed; CORS headers only for allowed origins; refusals write nothing', async () => {
    const cases = buildCases();
    const refusedCases: { c: Case; req: ReturnType<typeof requestOf> }[] = [];
    const allowedCases: { c: Case; req: ReturnType<typeof requestOf> }[] = [];
    for (const c of cases) {
      const req = requestOf(c, companion.port);
      (expected(c, req.host, req.method).succeeds ? allowedCases : refusedCases).push({ c, req });
    }
    expect(refusedCases.length).toBeGreaterThan(allowedCases.length);
    const problems: string[] = [];
    const check = (c: Case, req: ReturnType<typeof requestOf>, res: RawAnswer) => {
      const { verdict, succeeds } = expected(c, req.host, req.method);
      const header = (n: string) => (res.headers[n] as string | undefined) ?? null;
      const wrong = checkVerdict(verdict, { status: res.status, text: res.text, header }, c.origin);
      if (wrong) problems.push(`${c.name}: ${wrong}`);
      const cors = header('access-control-allow-origin');
      const allowedOrigin =
        c.origin === null ||
        c.origin === ALLOWED_WEB ||
        c.origin.startsWith('chrome-extension://') ||
        c.origin.startsWith('moz-extension://');
      if (cors !== null && (!allowedOrigin || cors !== c.origin)) problems.push(`${c.name}: CORS header ${cors}`);
      if (header('access-control-allow-private-network') !== null && !allowedOrigin)
        problems.push(`${c.name}: private-network allowed for a refused origin`);
      if (succeeds) {
        if (res.status >= 300)
          problems.push(`${c.name}: expected success, got ${res.status} ${res.text.slice(0, 120)}`);
      } else {
        if (res.status < 400) problems.push(`${c.name}: expected a refusal, got ${res.status}`);
        else if (res.status >= 500) problems.push(`${c.name}: got ${res.status}`);
        else {
          refusedTotal++;
          try {
            const body = JSON.parse(res.text);
            if (body.status !== 'error' || typeof body.message !== 'string')
              problems.push(`${c.name}: refusal body ${res.text.slice(0, 80)}`);
          } catch {
            problems.push(`${c.name}: refusal body is not JSON`);
          }
        }
        if (verdict.kind === 'through' && res.status !== 415)
          problems.push(`${c.name}: expected 415 for a ${c.kind} body, got ${res.status}`);
      }
    };

    // Every refusal first, all at once: not one byte of the data dir may change.
    const before = await snapshotDir(t.dir, true);
    await pool(refusedCases, 6, async ({ c, req }) => {
      check(
        c,
        req,
        await httpRequest(
          companion.port,
          { method: req.method, path: c.route.path, headers: req.headers, body: req.body },
          10_000,
          agent,
        ),
      );
    });
    expect(diffSnapshots(before, await snapshotDir(t.dir, true)), 'refused requests changed the data dir').toEqual([]);
    // Then what must work.
    await pool(allowedCases, 6, async ({ c, req }) => {
      check(
        c,
        req,
        await httpRequest(
          companion.port,
          { method: req.method, path: c.route.path, headers: req.headers, body: req.body },
          10_000,
          agent,
        ),
      );
    });
    expect(problems.slice(0, 30), `${problems.length} problems`).toEqual([]);
    expect(companion.logs.filter((l) => /Unexpected error/.test(l))).toEqual([]);
  }, 90_000);

  it('a preflight never grants what the request would be refused (token is still checked on the real request)', async () => {
    const pre = await httpRequest(companion.port, {
      method: 'OPTIONS',
      path: '/save-jobs',
      headers: {
        origin: EXTENSION,
        'access-control-request-method': 'POST',
        'access-control-request-private-network': 'true',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(EXTENSION);
    const real = await httpRequest(companion.port, {
      method: 'POST',
      path: '/save-jobs',
      headers: { origin: EXTENSION, 'content-type': 'application/json' },
      body: '{"jobs":[]}',
    });
    expect(real.status).toBe(401);
    refusedTotal++;
  });
});

describe('the PixelLab key never leaks', () => {
  const KEY = `pl-key-SENTINEL-${randomBytes(12).toString('hex')}`;
  const WRONG_KEY = `pl-key-SENTINEL-WRONG-${randomBytes(12).toString('hex')}`;
  let fake: FakePixelLab;
  const companions: CompanionProcess[] = [];
  const temps: Awaited<ReturnType<typeof tempDir>>[] = [];
  const answers: RawAnswer[] = [];
  const J = { 'content-type': 'application/json' };

  beforeAll(async () => {
    fake = await startFakePixelLab({ apiKey: KEY });
  });
  afterAll(async () => {
    for (const c of companions) await c.stop().catch(() => undefined);
    await fake?.close();
    for (const t of temps) await t.remove();
  });

  async function start(apiKey: string, pixellabUrl?: string) {
    const t = await tempDir();
    temps.push(t);
    const c = await startCompanion({
      dataDir: t.dir,
      apiKey,
      pixellabUrl: pixellabUrl ?? fake.url,
      args: ['--timeout-ms', '400'],
    });
    companions.push(c);
    return c;
  }
  async function ask(c: CompanionProcess, method: string, p: string, body?: unknown) {
    const res = await httpRequest(c.port, {
      method,
      path: p,
      headers: body === undefined ? {} : J,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    answers.push(res);
    return res;
  }
  async function waitForJob(c: CompanionProcess, id: string) {
    for (let i = 0; i < 300; i++) {
      const res = await ask(c, 'GET', `/api/v1/jobs/${id}`);
      const status = JSON.parse(res.text).job?.status;
      if (status === 'success' || status === 'error')
        return JSON.parse(res.text).job as { status: string; error: string | null };
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${id} did not finish`);
  }

  it('in no answer, file or log line, on success, 401, 429, 5xx, 422, timeout and network paths', async () => {
    const png = makeSprite(32, 32, 'rotate me');
    const dataUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    const gen = { prompt: 'a knight', width: 32, height: 32 };

    // The right key: balance (its error first, echoing the key), success, then every error path.
    const a = await start(KEY);
    fake.failNext({ status: 401, detail: `Invalid API token: ${KEY}`, path: '/balance' });
    await ask(a, 'GET', '/balance');
    await ask(a, 'GET', '/health');
    expect((await ask(a, 'POST', '/generate-character', gen)).status).toBe(200);
    expect(
      (
        await ask(a, 'POST', '/rotate-character', {
          image_data_url: dataUrl,
          to_direction: 'east',
          width: 32,
          height: 32,
        })
      ).status,
    ).toBe(200);
    expect((await ask(a, 'POST', '/api/v1/jobs', { id: 'job-ok', ...gen })).status).toBe(202);
    expect((await waitForJob(a, 'job-ok')).status).toBe('success');
    const scripted: { status: number; detail: unknown; expect: number }[] = [
      { status: 429, detail: `Too many requests for key ${KEY}`, expect: 429 },
      { status: 401, detail: `Invalid API token ${KEY}`, expect: 502 },
      {
        status: 422,
        detail: [{ loc: ['body', 'image_size'], msg: `bad size (key ${KEY})`, type: 'value_error' }],
        expect: 422,
      },
      { status: 500, detail: { error: 'boom', auth: `Bearer ${KEY}` }, expect: 502 },
      { status: 503, detail: KEY, expect: 503 },
    ];
    for (const s of scripted) {
      fake.failNext({ status: s.status, detail: s.detail });
      expect((await ask(a, 'POST', '/generate-character', gen)).status, `scripted ${s.status}`).toBe(s.expect);
      // A queued job tries a rate limit again (4 tries in all), here without waiting (Retry-After: 0).
      if (s.status === 429) fake.failNext({ status: 429, detail: s.detail, headers: { 'retry-after': '0' } }, 4);
      else fake.failNext({ status: s.status, detail: s.detail });
      expect((await ask(a, 'POST', '/api/v1/jobs', { id: `job-fail-${s.status}`, ...gen })).status).toBe(202);
      expect((await waitForJob(a, `job-fail-${s.status}`)).status).toBe('error');
    }
    fake.hang(1);
    expect((await ask(a, 'POST', '/generate-character', gen)).status).toBe(504);
    fake.reset();
    fake.hang(1);
    await ask(a, 'POST', '/api/v1/jobs', { id: 'job-timeout', ...gen });
    expect((await waitForJob(a, 'job-timeout')).error).toMatch(/did not answer/);
    fake.reset();

    // A wrong key: PixelLab's own 401.
    const b = await start(WRONG_KEY);
    await ask(b, 'GET', '/health');
    expect((await ask(b, 'POST', '/generate-character', gen)).status).toBe(502);
    await ask(b, 'POST', '/api/v1/jobs', { id: 'job-wrong-key', ...gen });
    expect((await waitForJob(b, 'job-wrong-key')).error).toMatch(/401/);

    // PixelLab unreachable.
    const c = await start(KEY, 'http://127.0.0.1:9/v1');
    await ask(c, 'GET', '/health');
    expect((await ask(c, 'POST', '/generate-character', gen)).status).toBe(502);

    // Everything the clients saw, every answer's sync view, everything on disk, everything printed.
    for (const comp of [a, b, c]) {
      await ask(comp, 'GET', '/load-jobs');
      await ask(comp, 'GET', '/api/v1/changes?since=0');
    }
    for (const comp of companions) await comp.stop();
    const leaks: string[] = [];
    const needles = [KEY, WRONG_KEY, Buffer.from(KEY).toString('base64'), Buffer.from(WRONG_KEY).toString('base64')];
    const scan = (where: string, text: string) => {
      for (const needle of needles)
        if (text.includes(needle))
          leaks.push(`${where} holds ${needle === KEY || needle === WRONG_KEY ? 'the key' : 'the key in base64'}`);
    };
    answers.forEach((res, i) => {
      scan(`answer ${i} body`, res.text);
      scan(`answer ${i} headers`, JSON.stringify(res.headers));
    });
    let files = 0;
    for (const t of temps) {
      for (const file of await listFiles(t.dir)) {
        files++;
        scan(file, (await readFile(file)).toString('latin1'));
      }
    }
    companions.forEach((comp, i) => {
      scan(`companion ${i} output`, comp.logs.join('\n'));
    });
    expect(files, 'files scanned').toBeGreaterThanOrEqual(5);
    expect(answers.length).toBeGreaterThan(30);
    expect(leaks).toEqual([]);
    // The redaction worked on text PixelLab sent back, rather than the text never arriving.
    expect(answers.some((r) => r.text.includes('[redacted]'))).toBe(true);
  }, 60_000);
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}
