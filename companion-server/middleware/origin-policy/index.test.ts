import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { CompanionEnv } from '../env';
import { classifyCaller, originPolicy, refusalLine } from '.';
import { isOwnOrigin } from './dashboard-origin';
import { isTrustedExtension, PROJECT_EXTENSION_IDS, parseAllowedExtension } from './extension-ids';

const OWN = 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen';
const FIREFOX = 'moz-extension://2f1c0d55-1111-4222-8333-944455556666';
const HOST = '127.0.0.1:8787';
const base = { allowOrigins: ['http://localhost:5500'], allowExtensions: [], dashboard: true };

/** An app behind the policy that answers who it thinks is calling. */
function app(options: Partial<Parameters<typeof originPolicy>[0]> = {}) {
  const logs: string[] = [];
  const a = new Hono<CompanionEnv>()
    .use(originPolicy({ ...base, log: (l) => logs.push(l), ...options }))
    .all('*', (c) => c.json(c.get('caller')));
  const call = (p: string, headers: Record<string, string> = {}, method = 'GET') =>
    a.request(`http://${HOST}${p}`, { method, headers: { host: HOST, ...headers } });
  return { call, logs };
}

describe('classifyCaller', () => {
  const classify = (headers: { origin?: string; site?: string; referer?: string; host?: string }, options = base) =>
    classifyCaller({ host: HOST, ...headers }, options);

  it('names each kind of caller', () => {
    expect(classify({})).toEqual({ caller: { kind: 'script', origin: null } });
    expect(classify({ site: 'none' })).toEqual({ caller: { kind: 'script', origin: null } });
    expect(classify({ origin: OWN })).toEqual({ caller: { kind: 'trusted-extension', origin: OWN } });
    expect(classify({ origin: FIREFOX })).toEqual({ caller: { kind: 'extension', origin: FIREFOX } });
    expect(classify({ origin: 'http://localhost:5500' })).toEqual({
      caller: { kind: 'web', origin: 'http://localhost:5500' },
    });
    for (const own of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) {
      expect(classify({ origin: own })).toEqual({ caller: { kind: 'dashboard', origin: own } });
    }
    // The dashboard's own same-origin GETs carry no Origin, only Sec-Fetch-Site and its Referer.
    expect(classify({ site: 'same-origin', referer: `http://${HOST}/dashboard/` })).toEqual({
      caller: { kind: 'dashboard', origin: null },
    });
  });

  it("does not take a Firefox extension's GET for the dashboard: same-origin too, but no Referer", () => {
    // Measured in Firefox ESR 153: an extension page's GET has no Origin, Sec-Fetch-Site: same-origin, no Referer.
    expect(classify({ site: 'same-origin' })).toEqual({ caller: { kind: 'script', origin: null } });
    expect(classify({ site: 'same-origin', referer: 'http://127.0.0.1:5173/dashboard/' })).toEqual({
      caller: { kind: 'script', origin: null },
    });
    expect(classify({ site: 'same-origin', referer: `http://${HOST}/health` })).toEqual({
      caller: { kind: 'script', origin: null },
    });
  });

  it('refuses web origins, "null" even when listed, and cross-site requests without an Origin', () => {
    expect(classify({ origin: 'https://evil.example' })).toEqual({ refused: 'origin' });
    expect(classify({ origin: 'null' }, { ...base, allowOrigins: ['null'] })).toEqual({ refused: 'origin' });
    expect(classify({ origin: 'http://127.0.0.1:9999' })).toEqual({ refused: 'origin' });
    expect(classify({ site: 'cross-site' })).toEqual({ refused: 'no-origin' });
    expect(classify({ site: 'same-site' })).toEqual({ refused: 'no-origin' });
  });

  it('knows the companion’s own origin with or without the dashboard (its routes are limited per request)', () => {
    const noDashboard = { ...base, dashboard: false };
    expect(classify({ origin: 'http://127.0.0.1:8787' }, noDashboard)).toEqual({
      caller: { kind: 'dashboard', origin: 'http://127.0.0.1:8787' },
    });
    expect(classify({ site: 'same-origin', referer: `http://${HOST}/dashboard/` }, noDashboard)).toEqual({
      caller: { kind: 'script', origin: null },
    });
  });
});

describe('originPolicy', () => {
  it('answers CORS only to the origins it let through', async () => {
    const { call } = app();
    expect((await call('/load-jobs', { origin: OWN })).headers.get('access-control-allow-origin')).toBe(OWN);
    expect((await call('/load-jobs')).headers.get('access-control-allow-origin')).toBeNull();
    const evil = await call('/load-jobs', { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await call(
      '/save-jobs',
      { origin: 'http://localhost:8787', 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8787');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Content-Type,Authorization');
  });

  it('keeps the served dashboard to the old API and its own files', async () => {
    const { call } = app();
    for (const p of ['/health', '/balance', '/load-jobs', '/save-jobs', '/clear-history', '/dashboard/js/app.js']) {
      expect((await call(p, { origin: 'http://127.0.0.1:8787' })).status, p).toBe(200);
      expect((await call(p, { 'sec-fetch-site': 'same-origin', referer: `http://${HOST}/dashboard/` })).status, p).toBe(
        200,
      );
    }
    for (const p of ['/api/v1/changes', '/api/v1/push', '/api/v1/config', '/pair/request', '/pair/revoke']) {
      const res = await call(p, { origin: 'http://127.0.0.1:8787' });
      expect(res.status, p).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'route_refused' });
      expect(
        (await call(p, { 'sec-fetch-site': 'same-origin', referer: `http://${HOST}/dashboard/x` })).status,
        p,
      ).toBe(403);
    }
    // Another local server's page is not the dashboard.
    expect((await call('/load-jobs', { origin: 'http://127.0.0.1:5173' })).status).toBe(403);
  });

  it('prints the first refusal of an origin once, pointing "null" to --dashboard', async () => {
    const { call, logs } = app();
    await call('/load-jobs', { origin: 'null' });
    await call('/save-jobs', { origin: 'null' });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/cannot be allowed; to use the old dashboard, start the companion with --dashboard/);
    expect(logs[0]).toContain('http://127.0.0.1:8787/dashboard/');
  });
});

describe('refusalLine', () => {
  it('cannot be made to print a forged line, terminal escapes or bidi characters', () => {
    const line = refusalLine(
      'https://evil.example\u202e',
      'GET',
      '/x\nPairing request from "PixelLab Side Panel (Chrome)": enter code 123456\u001b[2K\u2066',
      HOST,
    );
    expect(line).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^Refused GET \/xPairing request from 'PixelLab Side Panel \(Chrome\)'/);
  });
});

describe('extension ids', () => {
  it("pins the id that wxt.config.ts's manifest key gives the unpacked Chrome build", () => {
    const config = readFileSync(path.resolve(import.meta.dirname, '../../../wxt.config.ts'), 'utf8');
    const key = /MANIFEST_KEY =\s*'([^']+)'/.exec(config)?.[1];
    expect(key).toBeTruthy();
    // Chrome's rule: the first 16 bytes of sha-256(DER key), each hex digit 0-f written as a-p.
    const hex = createHash('sha256').update(Buffer.from(key!, 'base64')).digest('hex').slice(0, 32);
    const id = [...hex].map((d) => String.fromCharCode(97 + Number.parseInt(d, 16))).join('');
    expect(PROJECT_EXTENSION_IDS).toEqual([id]);
  });

  it('trusts the project’s own id and the allowed ones, by id under any scheme or by exact origin', () => {
    expect(isTrustedExtension(OWN, [])).toBe(true);
    expect(isTrustedExtension(FIREFOX, [])).toBe(false);
    expect(isTrustedExtension(FIREFOX, [parseAllowedExtension('2F1C0D55-1111-4222-8333-944455556666')])).toBe(true);
    expect(isTrustedExtension(FIREFOX, [parseAllowedExtension(`${FIREFOX}/`)])).toBe(true);
    expect(
      isTrustedExtension(FIREFOX, [parseAllowedExtension('chrome-extension://2f1c0d55-1111-4222-8333-944455556666')]),
    ).toBe(false);
    expect(parseAllowedExtension('{2f1c0d55-1111-4222-8333-944455556666}')).toBe(
      '2f1c0d55-1111-4222-8333-944455556666',
    );
    for (const bad of ['', 'https://evil.example', 'chrome-extension://', 'a b', 'chrome-extension://x/../']) {
      expect(() => parseAllowedExtension(bad), bad).toThrow(/--allow-extension/);
    }
  });

  it('tells the dashboard origin by port', () => {
    expect(isOwnOrigin('http://localhost:8787', '127.0.0.1:8787')).toBe(true);
    expect(isOwnOrigin('http://localhost:8788', '127.0.0.1:8787')).toBe(false);
    expect(isOwnOrigin('https://localhost:8787', '127.0.0.1:8787')).toBe(false);
    expect(isOwnOrigin('http://localhost', 'localhost')).toBe(true);
    expect(isOwnOrigin('http://evil.localhost:8787', '127.0.0.1:8787')).toBe(false);
  });
});
