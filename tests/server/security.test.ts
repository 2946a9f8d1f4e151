import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { rawRequest } from '../helpers/raw-http';
import { makeTempDir } from '../helpers/temp-dir';

const EXTENSION = 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen';
const ALLOWED_WEB = 'http://localhost:5500';

let open: CompanionProcess;
let locked: CompanionProcess;
const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];

beforeAll(async () => {
  const a = await makeTempDir();
  const b = await makeTempDir();
  temps.push(a, b);
  open = await startCompanion({ dataDir: a.dir, args: ['--allow-origin', ALLOWED_WEB] });
  locked = await startCompanion({ dataDir: b.dir, args: ['--token', 'tok-123'] });
});
afterAll(async () => {
  await open?.stop();
  await locked?.stop();
  for (const t of temps) await t.remove();
});

/** true: served; false: refused (403); 'pair': an extension this companion does not trust must pair first (401). */
const origins: [string, string | undefined, boolean | 'pair'][] = [
  ['no Origin', undefined, true],
  ['extension', EXTENSION, true],
  ['unknown firefox extension', 'moz-extension://2f1c0d55-1111-4222-8333-944455556666', 'pair'],
  ['unknown chrome extension', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'pair'],
  ['allowed web origin', ALLOWED_WEB, true],
  ['web page', 'https://evil.example', false],
  ['other loopback page', 'http://127.0.0.1:9999', false],
  ['null (file:// or sandboxed)', 'null', false],
];
const hosts: [string, boolean][] = [
  ['127.0.0.1:PORT', true],
  ['localhost:PORT', true],
  ['[::1]:PORT', true],
  ['evil.example:PORT', false],
  ['127.0.0.1.nip.io:PORT', false],
  ['attacker.localhost.evil:PORT', false],
];

describe('Origin x Host matrix', () => {
  for (const [hostName, hostOk] of hosts) {
    for (const [originName, origin, originOk] of origins) {
      const allowed = hostOk && originOk === true;
      const pair = hostOk && originOk === 'pair';
      it(`${allowed ? 'allows' : pair ? 'asks to pair' : 'refuses'} ${originName} with Host ${hostName}`, async () => {
        const headers: Record<string, string> = {
          host: hostName.replace('PORT', String(open.port)),
          'content-type': 'application/json',
        };
        if (origin) headers.origin = origin;
        const read = await rawRequest({ port: open.port, path: '/load-jobs', headers });
        const write = await rawRequest({
          port: open.port,
          method: 'POST',
          path: '/save-jobs',
          headers,
          body: JSON.stringify({ jobs: [], lastJobId: 0 }),
        });
        expect(read.status).toBe(allowed ? 200 : pair ? 401 : 403);
        expect(write.status).toBe(allowed ? 200 : pair ? 401 : 403);
        if (pair) expect(read.json()).toMatchObject({ status: 'error', error: 'pairing_required' });
        else if (!allowed)
          expect(read.json()).toMatchObject({ status: 'error', error: hostOk ? 'origin_refused' : 'host_refused' });
        // An extension that must pair gets CORS headers, so it can read why.
        const cors = read.headers['access-control-allow-origin'];
        expect(cors).toBe((allowed || pair) && origin ? origin : undefined);
      });
    }
  }

  it('refuses a text/plain "simple" POST from a web page and leaves the file alone', async () => {
    const file = path.join(open.dataDir, 'job_history.json');
    const before = await readFile(file, 'utf8').catch(() => null);
    const res = await rawRequest({
      port: open.port,
      method: 'POST',
      path: '/save-jobs',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: '{"jobs":[]}',
    });
    expect(res.status).toBe(403);
    const noOrigin = await rawRequest({
      port: open.port,
      method: 'POST',
      path: '/save-jobs',
      headers: { 'content-type': 'text/plain' },
      body: '{"jobs":[]}',
    });
    expect(noOrigin.status).toBe(415);
    // Routes without a body refuse the simple content types too.
    for (const path of ['/clear-history', '/api/v1/jobs/job-x/retry']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        expect(
          (await rawRequest({ port: open.port, method: 'POST', path, headers: { 'content-type': type } })).status,
        ).toBe(415);
      }
    }
    expect(await readFile(file, 'utf8').catch(() => null)).toBe(before);
  });

  it("refuses a web page's no-cors request, which has no Origin but is marked cross-site", async () => {
    for (const site of ['cross-site', 'same-site']) {
      const res = await rawRequest({
        port: open.port,
        path: '/load-jobs',
        headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors' },
      });
      expect(res.status).toBe(403);
    }
    // The extension's own requests are marked `none`; tools send no such header.
    expect(
      (await rawRequest({ port: open.port, path: '/load-jobs', headers: { 'sec-fetch-site': 'none' } })).status,
    ).toBe(200);
  });

  it('answers preflights only for allowed origins', async () => {
    const pre = (origin: string) =>
      rawRequest({
        port: open.port,
        method: 'OPTIONS',
        path: '/save-jobs',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const ok = await pre(EXTENSION);
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(EXTENSION);
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    const evil = await pre('https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('--token', () => {
  const cases: [string, string | undefined, number][] = [
    ['missing', undefined, 401],
    ['wrong', 'Bearer nope', 401],
    ['malformed', 'tok-123', 401],
    ['right', 'Bearer tok-123', 200],
  ];
  for (const [name, auth, status] of cases) {
    it(`${name} token -> ${status}`, async () => {
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = auth;
      expect((await rawRequest({ port: locked.port, path: '/load-jobs', headers })).status).toBe(status);
      expect((await rawRequest({ port: locked.port, path: '/api/v1/changes', headers })).status).toBe(status);
    });
  }
  it('leaves /health open so the extension can recognise the companion', async () => {
    const res = await rawRequest({ port: locked.port, path: '/health' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ auth: 'token' });
  });
});

describe('a refused web page learns why from the console', () => {
  it('prints the first refusal of each origin once, with the flag that allows it', async () => {
    const temp = await makeTempDir();
    temps.push(temp);
    const companion = await startCompanion({ dataDir: temp.dir });
    try {
      const from = (origin: string, p = '/load-jobs') =>
        rawRequest({ port: companion.port, path: p, headers: { origin } });
      // The old dashboard opened from a file: its page cannot read the 403 (no CORS headers), so the console says it.
      expect((await from('null')).status).toBe(403);
      expect((await from('null', '/health')).status).toBe(403);
      expect((await from('http://localhost:5500')).status).toBe(403);
      await expect.poll(() => companion.logs.filter((l) => l.startsWith('Refused ')).length).toBe(2);
      const lines = companion.logs.filter((l) => l.startsWith('Refused '));
      // "null" cannot be allowed (any website sends it from a sandboxed frame): the line points to --dashboard.
      expect(lines[0]).toMatch(
        /GET \/load-jobs from the web origin "null" \(a page opened from a file, such as the old dashboard.*cannot be allowed.*--dashboard .*http:\/\/127\.0\.0\.1:\d+\/dashboard\//,
      );
      expect(lines[0]).not.toContain('--allow-origin');
      expect(lines[1]).toMatch(
        /from the web origin "http:\/\/localhost:5500"\. If this is the old dashboard, .*--dashboard .*--allow-origin http:\/\/localhost:5500\./,
      );
      // An origin with blanks is printed without its control characters, never raw into a line or a flag.
      await from('x\t y');
      await expect.poll(() => companion.logs.filter((l) => l.startsWith('Refused ')).length).toBe(3);
      expect(companion.logs.at(-1)).toMatch(/origin "x y"\. .*--allow-origin <origin>\./);
    } finally {
      await companion.stop();
    }
  });
});
