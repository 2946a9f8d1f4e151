import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { CallerKind, CompanionEnv } from '../env';
import { type AuthOptions, auth, bearerToken } from '.';

const paired = new Set(['paired-token-1']);
const pairings = { verify: (t: string) => paired.has(t) };

/** The auth middleware behind a stand-in for the origin policy that names the caller from a test header. */
function app(options: Omit<AuthOptions, 'pairings'>) {
  const a = new Hono<CompanionEnv>()
    .use(async (c, next) => {
      const kind = (c.req.header('x-kind') ?? 'script') as CallerKind;
      c.set('caller', { kind, origin: kind === 'script' ? null : 'moz-extension://x' });
      await next();
    })
    .use(auth({ ...options, pairings }))
    .all('*', (c) => c.json({ authorized: c.get('authorized') }));
  return async (path: string, kind: CallerKind = 'script', authorization?: string) => {
    const headers: Record<string, string> = { 'x-kind': kind };
    if (authorization !== undefined) headers.authorization = authorization;
    const res = await a.request(path, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, res };
  };
}

describe('auth, default mode', () => {
  const call = app({ token: null, requirePairing: false });

  it('lets scripts, trusted extensions, the dashboard and allowed web origins in without a token', async () => {
    for (const kind of ['script', 'trusted-extension', 'dashboard', 'web'] as const) {
      expect(await call('/load-jobs', kind)).toMatchObject({ status: 200, body: { authorized: true } });
    }
  });

  it('asks an extension it does not trust to pair, on every route but /health and /pair/*', async () => {
    const refused = await call('/load-jobs', 'extension');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ status: 'error', error: 'pairing_required' });
    expect(refused.res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('/pair/request', 'extension')).status).toBe(200);
    expect((await call('/pair/revoke', 'extension')).status).toBe(401);
    expect(await call('/health', 'extension')).toMatchObject({ status: 200, body: { authorized: false } });
    expect(await call('/load-jobs', 'extension', 'Bearer paired-token-1')).toMatchObject({
      status: 200,
      body: { authorized: true },
    });
    expect((await call('/load-jobs', 'extension', 'Bearer paired-token-2')).status).toBe(401);
  });
});

describe('auth, --token', () => {
  const call = app({ token: 'tok-123', requirePairing: false });

  it('needs the token from everyone on every route but /health; paired tokens do not count', async () => {
    for (const kind of ['script', 'trusted-extension', 'extension'] as const) {
      const res = await call('/load-jobs', kind);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized' });
      expect((await call('/load-jobs', kind, 'Bearer tok-123')).status).toBe(200);
    }
    expect((await call('/load-jobs', 'script', 'Bearer paired-token-1')).status).toBe(401);
    // Pairing is not offered with a fixed token.
    expect((await call('/pair/request')).status).toBe(401);
  });

  it('answers every malformed header with the same JSON 401', async () => {
    for (const header of ['tok-123', 'Bearer', 'Bearer tok 123', 'Basic tok-123', 'Bearer tok-123x', 'Bearer ä']) {
      const res = await call('/load-jobs', 'script', header);
      expect(res.status, header).toBe(401);
      expect(res.body, header).toMatchObject({ status: 'error', error: 'unauthorized' });
    }
    expect((await call('/load-jobs', 'script', 'bearer  tok-123')).status).toBe(200);
  });

  it('tells /health whether the caller holds the token', async () => {
    expect((await call('/health')).body).toEqual({ authorized: false });
    expect((await call('/health', 'script', 'Bearer nope')).body).toEqual({ authorized: false });
    expect((await call('/health', 'script', 'Bearer tok-123')).body).toEqual({ authorized: true });
  });
});

describe('auth, --require-pairing', () => {
  const call = app({ token: 'tok-123', requirePairing: true });

  it('takes a paired token or the fixed one, and leaves /health and /pair/request|confirm open', async () => {
    expect((await call('/load-jobs')).body).toMatchObject({ error: 'pairing_required' });
    expect((await call('/load-jobs', 'script', 'Bearer paired-token-1')).status).toBe(200);
    expect((await call('/load-jobs', 'script', 'Bearer tok-123')).status).toBe(200);
    for (const p of ['/health', '/pair/request', '/pair/confirm']) expect((await call(p)).status, p).toBe(200);
    expect((await call('/pair/revoke')).status).toBe(401);
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, or null', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
