import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import { type CompanionApp, createApp } from '../app';
import { type CompanionConfig, defaultLimits, type PixelLab, type Runner } from '../deps';
import { createMemoryStore } from '../store/memory-store';
import { createPairingStore, hashToken, PAIRINGS_FILE_NAME, type PairingStore } from '../store/pairing-store';
import { faultyFs } from '../store/test-support';
import {
  MAX_CODE_ATTEMPTS,
  MAX_PAIR_REQUESTS_PER_MINUTE,
  MAX_PAIR_REQUESTS_PER_SOURCE_PER_MINUTE,
  PAIRING_CODE_TTL_MS,
} from './pairing';

const EXTENSION = 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen';
/** A Firefox profile's random extension origin: not trusted until paired or allowed. */
const FIREFOX = 'moz-extension://2f1c0d55-1111-4222-8333-944455556666';
const HOST = '127.0.0.1:8787';
const START = 1_700_000_000_000;

const pixellab: PixelLab = {
  generate: async () => {
    throw new Error('not used');
  },
  rotate: async () => {
    throw new Error('not used');
  },
  balance: async () => ({ usd: 1 }),
};
const runner: Runner = { enqueue: () => undefined, setLimit: () => undefined, limit: 3, running: 0 };

interface Answer {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

/** A companion in-process with a memory job store, a settable clock and its printed lines. */
function companion(options: { pairings?: PairingStore; config?: Partial<CompanionConfig> } = {}) {
  const clock = { t: START };
  const logs: string[] = [];
  const answers: string[] = [];
  const app: CompanionApp = createApp({
    store: createMemoryStore({ now: () => clock.t, serverId: 'server-a' }),
    pixellab,
    runner,
    pairings: options.pairings,
    now: () => clock.t,
    log: (line) => logs.push(line),
    config: {
      allowOrigins: [],
      token: null,
      requirePairing: true,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 0,
      ...options.config,
    },
  });

  async function call(
    method: string,
    p: string,
    init: { body?: unknown; token?: string; origin?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { host: HOST, ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.origin) headers.origin = init.origin;
    const res = await app.request(`http://${HOST}${p}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    // Everything the companion ever answered, headers included, to look for the code in.
    answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, text, json, headers: res.headers };
  }

  /** The code of the newest pairing request, from the companion's console. */
  function printedCode(): string {
    const line = [...logs].reverse().find((l) => l.startsWith('Pairing request from'));
    const m = line && /enter code (\d{6}) in the side panel/.exec(line);
    if (!m) throw new Error(`no pairing code printed:\n${logs.join('\n')}`);
    return m[1]!;
  }

  async function requestPairing(clientName = 'PixelLab Side Panel (Chrome)') {
    const res = await call('POST', '/pair/request', { body: { clientName }, origin: EXTENSION });
    expect(res.status).toBe(200);
    return { requestId: res.json.requestId as string, expiresAt: res.json.expiresAt as number, code: printedCode() };
  }

  async function pair(): Promise<string> {
    const { requestId, code } = await requestPairing();
    const res = await call('POST', '/pair/confirm', { body: { requestId, code }, origin: EXTENSION });
    expect(res.status).toBe(200);
    return res.json.token as string;
  }

  return { app, clock, logs, answers, call, printedCode, requestPairing, pair };
}

/** Every route the app serves, with its parameters filled in. */
function routesOf(app: CompanionApp): { method: string; path: string }[] {
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    const p = r.path.replace(':sha256', 'a'.repeat(64)).replace(/:[A-Za-z]+/g, 'job-1');
    const key = `${r.method} ${p}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ method: r.method, path: p });
  }
  return out;
}

const PUBLIC = new Set([
  'GET /health',
  'POST /pair/request',
  'POST /pair/confirm',
  'POST /pair/claim',
  'GET /pair',
  'POST /pair',
]);

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir('pixellab-pairing-');
});
afterEach(async () => {
  await temp.remove();
});

describe('with --require-pairing', () => {
  it('/health says auth "pairing" and answers without a token', async () => {
    const c = companion();
    const res = await c.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.json.auth).toBe('pairing');
  });

  it('refuses every route but /health and the pairing routes with 401 pairing_required', async () => {
    const c = companion();
    const routes = routesOf(c.app).filter((r) => !PUBLIC.has(`${r.method} ${r.path}`));
    // The whole API, seed routes included, and revoke.
    for (const expected of [
      'GET /load-jobs',
      'POST /save-jobs',
      'POST /api/v1/push',
      'GET /api/v1/changes',
      'POST /pair/revoke',
    ]) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(expected);
    }
    for (const route of routes) {
      for (const token of [undefined, 'not-a-paired-token']) {
        const res = await c.call(route.method, route.path, {
          body: route.method === 'GET' ? undefined : {},
          token,
          origin: EXTENSION,
        });
        expect({ route, token, status: res.status, body: res.json }).toMatchObject({
          status: 401,
          body: { status: 'error', error: 'pairing_required', message: expect.stringContaining('Pair with companion') },
        });
      }
    }
  });

  it('pairs: the code is printed, never answered, and the token opens the API', async () => {
    const c = companion();
    const { requestId, expiresAt, code } = await c.requestPairing('PixelLab Side Panel (Chrome)');
    expect(expiresAt).toBe(START + PAIRING_CODE_TTL_MS);
    expect(c.logs).toContain(
      `Pairing request from "PixelLab Side Panel (Chrome)" (${EXTENSION}): enter code ${code} in the side panel (expires in 120 s)`,
    );

    const confirmed = await c.call('POST', '/pair/confirm', { body: { requestId, code }, origin: EXTENSION });
    expect(confirmed.status).toBe(200);
    const token = confirmed.json.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);

    const config = await c.call('GET', '/api/v1/config', { token, origin: EXTENSION });
    expect(config.status).toBe(200);
    expect(config.json).toMatchObject({ parallelLimit: 3 });
    // Also from Node, without an Origin.
    expect((await c.call('GET', '/api/v1/changes?since=0', { token })).status).toBe(200);

    // One-time: the request is used up.
    const again = await c.call('POST', '/pair/confirm', { body: { requestId, code }, origin: EXTENSION });
    expect(again.status).toBe(404);
    expect(again.json.error).toBe('pairing_not_found');

    for (const answer of c.answers) expect(answer).not.toContain(code);
  });

  it('accepts the code with a space in the middle, as a person may type it', async () => {
    const c = companion();
    const { requestId, code } = await c.requestPairing();
    const res = await c.call('POST', '/pair/confirm', {
      body: { requestId, code: ` ${code.slice(0, 3)} ${code.slice(3)} ` },
    });
    expect(res.status).toBe(200);
  });

  it('answers a wrong code with 401 invalid_code and keeps the request open', async () => {
    const c = companion();
    const { requestId, code } = await c.requestPairing();
    const wrong = code === '000000' ? '000001' : '000000';
    const res = await c.call('POST', '/pair/confirm', { body: { requestId, code: wrong }, origin: EXTENSION });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({
      status: 'error',
      error: 'invalid_code',
      message: `Wrong pairing code; ${MAX_CODE_ATTEMPTS - 1} tries left`,
    });
    expect((await c.call('POST', '/pair/confirm', { body: { requestId, code: 'abc' } })).json.error).toBe(
      'invalid_code',
    );
    const ok = await c.call('POST', '/pair/confirm', { body: { requestId, code }, origin: EXTENSION });
    expect(ok.status).toBe(200);
    for (const answer of c.answers) expect(answer).not.toContain(code);
  });

  it('voids a request after 5 wrong codes, even for the right one', async () => {
    const c = companion();
    const { requestId, code } = await c.requestPairing();
    const wrong = code === '999999' ? '999998' : '999999';
    const statuses: number[] = [];
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
      const res = await c.call('POST', '/pair/confirm', { body: { requestId, code: wrong } });
      statuses.push(res.status);
      if (i === MAX_CODE_ATTEMPTS - 1) expect(res.json.message).toMatch(/last of 5 tries; start pairing again/);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const right = await c.call('POST', '/pair/confirm', { body: { requestId, code } });
    expect(right.status).toBe(410);
    expect(right.json.error).toBe('pairing_void');
    expect(right.json.token).toBeUndefined();
    for (const answer of c.answers) expect(answer).not.toContain(code);
  });

  it('answers 410 once the code expired', async () => {
    const c = companion();
    const { requestId, code } = await c.requestPairing();
    c.clock.t += PAIRING_CODE_TTL_MS - 1;
    const early = await c.requestPairing();
    const stillGood = await c.call('POST', '/pair/confirm', { body: { requestId: early.requestId, code: early.code } });
    expect(stillGood.status).toBe(200);
    c.clock.t += 1;
    const late = await c.call('POST', '/pair/confirm', { body: { requestId, code } });
    expect(late.status).toBe(410);
    expect(late.json).toMatchObject({ error: 'pairing_expired', message: expect.stringContaining('expired') });
    // A request unknown to this companion (say, before a restart) is 404.
    const unknown = await c.call('POST', '/pair/confirm', { body: { requestId: 'nope', code } });
    expect(unknown.status).toBe(404);
  });

  it('refuses web origins on /pair/* even when --allow-origin allows them elsewhere', async () => {
    const c = companion({ config: { allowOrigins: ['http://localhost:5500', 'null'] } });
    const token = await c.pair();
    // "null" is never let in, even when listed (the config refuses it at start; this is the second line).
    expect((await c.call('GET', '/api/v1/config', { origin: 'null', token })).status).toBe(403);
    for (const origin of ['http://localhost:5500']) {
      const request = await c.call('POST', '/pair/request', { body: { clientName: 'page' }, origin });
      expect(request.status).toBe(403);
      expect(request.json.error).toBe('origin_refused');
      expect((await c.call('POST', '/pair/confirm', { body: { requestId: 'x', code: '123456' }, origin })).status).toBe(
        403,
      );
      expect((await c.call('POST', '/pair/revoke', { body: {}, origin, token })).status).toBe(403);
      // The rest of the API still takes the allowed origin (with a token).
      expect((await c.call('GET', '/api/v1/config', { origin, token })).status).toBe(200);
    }
    // Never allowed web pages are refused by the global check, as before.
    expect(
      (await c.call('POST', '/pair/request', { body: { clientName: 'x' }, origin: 'https://evil.example' })).status,
    ).toBe(403);
    // A rebinding Host is refused before anything else.
    const rebind = await c.call('POST', '/pair/request', {
      body: { clientName: 'x' },
      headers: { host: 'evil.example:8787' },
    });
    expect(rebind.status).toBe(403);
    expect(rebind.json.error).toBe('host_refused');
    expect(c.logs.filter((l) => l.startsWith('Pairing request from'))).toHaveLength(1);
  });

  it('keeps the static --token working beside paired tokens', async () => {
    const c = companion({ config: { token: 'static-secret' } });
    expect((await c.call('GET', '/health')).json.auth).toBe('pairing');
    expect((await c.call('GET', '/load-jobs', { token: 'static-secret' })).status).toBe(200);
    const token = await c.pair();
    expect((await c.call('GET', '/load-jobs', { token })).status).toBe(200);
    expect((await c.call('GET', '/load-jobs', { token: 'static-secreT' })).json.error).toBe('pairing_required');
  });

  it("revokes the caller's token", async () => {
    const pairings = await createPairingStore({ dataDir: temp.dir, log: () => undefined });
    const c = companion({ pairings });
    const token = await c.pair();
    const other = await c.pair();
    const res = await c.call('POST', '/pair/revoke', { token, origin: EXTENSION });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ revoked: true });
    expect((await c.call('GET', '/api/v1/config', { token })).json.error).toBe('pairing_required');
    expect((await c.call('GET', '/api/v1/config', { token: other })).status).toBe(200);
    const file = await readFile(path.join(temp.dir, PAIRINGS_FILE_NAME), 'utf8');
    expect(file).not.toContain(hashToken(token));
    expect(file).toContain(hashToken(other));
  });

  it('limits pairing requests per client, so one client cannot block pairing for the others', async () => {
    const c = companion();
    for (let i = 0; i < MAX_PAIR_REQUESTS_PER_MINUTE; i++) await c.requestPairing('noisy');
    const refused = await c.call('POST', '/pair/request', { body: { clientName: 'noisy' }, origin: EXTENSION });
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('too_many_requests');
    // Another extension, and a client without an Origin, still pair.
    const other = await c.call('POST', '/pair/request', { body: { clientName: 'noisy' }, origin: FIREFOX });
    expect(other.status).toBe(200);
    expect((await c.call('POST', '/pair/request', { body: { clientName: 'curl' } })).status).toBe(200);
    c.clock.t += 60_000;
    await c.requestPairing('noisy');
  });

  it('caps a source that renames itself, without touching other sources or their open requests', async () => {
    const c = companion();
    const waiting = await c.call('POST', '/pair/request', { body: { clientName: 'Firefox panel' }, origin: FIREFOX });
    const waitingCode = c.printedCode();
    for (let i = 0; i < MAX_PAIR_REQUESTS_PER_SOURCE_PER_MINUTE; i++) await c.requestPairing(`name ${i}`);
    const refused = await c.call('POST', '/pair/request', { body: { clientName: 'yet another' }, origin: EXTENSION });
    expect(refused.status).toBe(429);
    // The flood neither blocked nor pushed out the other extension's request.
    const confirmed = await c.call('POST', '/pair/confirm', {
      body: { requestId: waiting.json.requestId, code: waitingCode },
      origin: FIREFOX,
    });
    expect(confirmed.status).toBe(200);
    expect(typeof confirmed.json.token).toBe('string');
  });

  it('prints the client name without control characters or quotes', async () => {
    const c = companion();
    await c.requestPairing('evil"\n\u001b[2JPairing request from "x\u202e');
    const printed = c.logs.filter((l) => l.startsWith('Pairing request from'));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(
      /^Pairing request from "evil'\[2JPairing request from 'x" \(chrome-extension:\/\/nicmafealdkogdhcobglaenalcjpnhen\): enter code \d{6} in the side panel/,
    );
  });

  it('checks the bodies', async () => {
    const c = companion();
    expect((await c.call('POST', '/pair/request', { body: { clientName: '' } })).json).toMatchObject({
      error: 'invalid_body',
      field: 'clientName',
    });
    expect((await c.call('POST', '/pair/request', { body: {} })).status).toBe(400);
    const plain = await c.app.request(`http://${HOST}/pair/request`, {
      method: 'POST',
      headers: { host: HOST, 'content-type': 'text/plain' },
      body: '{"clientName":"x"}',
    });
    expect(plain.status).toBe(415);
    expect(c.logs.filter((l) => l.startsWith('Pairing request from'))).toHaveLength(0);
  });

  it('keeps paired tokens across a restart, as sha-256 hashes in pairings.json', async () => {
    const first = companion({
      pairings: await createPairingStore({ dataDir: temp.dir, log: () => undefined, now: () => START }),
    });
    const token = await first.pair();
    const file = await readFile(path.join(temp.dir, PAIRINGS_FILE_NAME), 'utf8');
    expect(file).not.toContain(token);
    expect(JSON.parse(file)).toEqual({
      version: 1,
      pairings: [{ tokenHash: hashToken(token), clientName: 'PixelLab Side Panel (Chrome)', createdAt: START }],
    });
    expect((await readdir(temp.dir)).sort()).toEqual([PAIRINGS_FILE_NAME]);

    // A new companion on the same data dir.
    const second = companion({ pairings: await createPairingStore({ dataDir: temp.dir, log: () => undefined }) });
    expect((await second.call('GET', '/api/v1/config', { token, origin: EXTENSION })).status).toBe(200);
    expect((await second.call('GET', '/api/v1/config', { token: `${token}x` })).status).toBe(401);
  });
});

describe('without --require-pairing', () => {
  it('an extension the companion does not trust must pair; its own extension and local tools need not', async () => {
    const c = companion({ config: { requirePairing: false } });
    expect((await c.call('GET', '/health')).json.auth).toBe('none');
    expect((await c.call('GET', '/load-jobs')).status).toBe(200);
    expect((await c.call('GET', '/load-jobs', { origin: EXTENSION })).status).toBe(200);
    const refused = await c.call('GET', '/load-jobs', { origin: FIREFOX });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('pairing_required');
    // /health answers it, without the account.
    const health = await c.call('GET', '/health', { origin: FIREFOX });
    expect(health.json.balance).toEqual({ status: 'unknown', message: expect.any(String) });
    expect(health.json).not.toHaveProperty('jobs');
    // It pairs like a side panel in pairing mode, and is let in with its token.
    const request = await c.call('POST', '/pair/request', {
      body: { clientName: 'PixelLab (Firefox)' },
      origin: FIREFOX,
    });
    expect(request.status).toBe(200);
    const confirm = await c.call('POST', '/pair/confirm', {
      body: { requestId: request.json.requestId, code: c.printedCode() },
      origin: FIREFOX,
    });
    const token = confirm.json.token as string;
    expect((await c.call('GET', '/load-jobs', { origin: FIREFOX, token })).status).toBe(200);
    expect((await c.call('GET', '/health', { origin: FIREFOX, token })).json.balance).toMatchObject({ status: 'ok' });
    expect((await c.call('GET', '/load-jobs', { origin: FIREFOX, token: `${token}x` })).status).toBe(401);
  });

  it('--allow-extension trusts an extension by id or by origin', async () => {
    const byId = companion({
      config: { requirePairing: false, allowExtensions: ['2f1c0d55-1111-4222-8333-944455556666'] },
    });
    expect((await byId.call('GET', '/load-jobs', { origin: FIREFOX })).status).toBe(200);
    const byOrigin = companion({ config: { requirePairing: false, allowExtensions: [FIREFOX] } });
    expect((await byOrigin.call('GET', '/load-jobs', { origin: FIREFOX })).status).toBe(200);
    // The same id under another scheme is another extension.
    expect(
      (await byOrigin.call('GET', '/load-jobs', { origin: 'chrome-extension://2f1c0d55-1111-4222-8333-944455556666' }))
        .status,
    ).toBe(401);
  });

  it('with only --token, pairing cannot be used to get around the token', async () => {
    const c = companion({ config: { requirePairing: false, token: 'tok' } });
    expect((await c.call('GET', '/health')).json.auth).toBe('token');
    const res = await c.call('POST', '/pair/request', { body: { clientName: 'x' } });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('unauthorized');
  });
});

describe('pairings.json', () => {
  it('is written atomically, and a failed write issues no token', async () => {
    const faulty = faultyFs();
    const pairings = await createPairingStore({ dataDir: temp.dir, fs: faulty.fs, log: () => undefined });
    const c = companion({ pairings });
    const { requestId, code } = await c.requestPairing();
    faulty.fail('rename', 'ENOSPC');
    const full = await c.call('POST', '/pair/confirm', { body: { requestId, code } });
    expect(full.status).toBe(507);
    expect(full.json).toMatchObject({
      error: 'storage_error',
      message: expect.stringContaining('Could not save pairings.json: disk full (ENOSPC)'),
    });
    expect(full.text).not.toMatch(/"token"/);
    expect(pairings.list()).toEqual([]);
    expect(await readdir(temp.dir)).toEqual([]); // the temp file is gone too

    faulty.clear();
    const ok = await c.call('POST', '/pair/confirm', { body: { requestId, code } });
    expect(ok.status).toBe(200);
    // temp file in the same dir, fsynced, renamed over pairings.json, then the dir fsynced.
    const file = path.join(temp.dir, PAIRINGS_FILE_NAME);
    const tmp = faulty.calls.open!.at(-1)!;
    expect(path.dirname(tmp)).toBe(temp.dir);
    expect(path.basename(tmp)).toMatch(/^pairings\.json\.tmp-/);
    expect(faulty.calls.fsync!.at(-1)).toBe(tmp);
    expect(faulty.calls.rename!.at(-1)).toBe(`${tmp} -> ${file}`);
    expect(faulty.calls.fsyncDir!.at(-1)).toBe(temp.dir);
    expect(pairings.verify(ok.json.token)).toBe(true);
  });

  it('removes temp files left by an interrupted write', async () => {
    await writeFile(path.join(temp.dir, `${PAIRINGS_FILE_NAME}.tmp-1-1`), '{"version": 1, "pai');
    const logs: string[] = [];
    await createPairingStore({ dataDir: temp.dir, log: (l) => logs.push(l) });
    expect(await readdir(temp.dir)).toEqual([]);
    expect(logs).toEqual([expect.stringContaining('Removed 1 leftover temp file(s) of pairings.json')]);
  });

  it('moves a corrupt file aside, never deletes it, and starts with no pairings', async () => {
    const file = path.join(temp.dir, PAIRINGS_FILE_NAME);
    await writeFile(file, '{"version": 1, "pairings": [{"tokenHash": "zz"');
    const logs: string[] = [];
    const pairings = await createPairingStore({ dataDir: temp.dir, log: (l) => logs.push(l), now: () => START });
    expect(pairings.list()).toEqual([]);
    const names = await readdir(temp.dir);
    const aside = names.find((n) => n.startsWith(`${PAIRINGS_FILE_NAME}.corrupt-`));
    expect(aside).toBeDefined();
    expect(await readFile(path.join(temp.dir, aside!), 'utf8')).toBe('{"version": 1, "pairings": [{"tokenHash": "zz"');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(
      /^pairings\.json is not valid JSON .*moved it to pairings\.json\.corrupt-.*no paired clients/,
    );

    // A file that is JSON but not pairings, too; the first one moved aside is kept.
    await writeFile(file, '{"version": 1, "pairings": [{"tokenHash": "zz"}]}');
    await createPairingStore({ dataDir: temp.dir, log: (l) => logs.push(l), now: () => START });
    expect(logs[1]).toMatch(/fails the schema \(pairings\.0\.tokenHash/);
    expect((await readdir(temp.dir)).filter((n) => n.includes('.corrupt-'))).toHaveLength(2);

    // And it works from there.
    const c = companion({ pairings: await createPairingStore({ dataDir: temp.dir, log: () => undefined }) });
    const token = await c.pair();
    expect((await c.call('GET', '/api/v1/config', { token })).status).toBe(200);
  });
});
