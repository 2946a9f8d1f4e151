import { describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { type CompanionConfig, defaultLimits, type PixelLab, type Runner } from '../deps';
import { createMemoryStore } from '../store/memory-store';
import { createMemoryPairingStore } from '../store/pairing-store';

const HOST = '127.0.0.1:8787';
const OWN = `http://${HOST}`;
const FIREFOX = 'moz-extension://2f1c0d55-1111-4222-8333-944455556666';
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

function companion(config: Partial<CompanionConfig> = { requirePairing: true }) {
  const logs: string[] = [];
  const pairings = createMemoryPairingStore();
  const app = createApp({
    store: createMemoryStore({ serverId: 'server-a' }),
    pixellab,
    runner,
    pairings,
    log: (line) => logs.push(line),
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 0,
      ...config,
    },
  });
  const call = async (
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const res = await app.request(`${OWN}${path}`, {
      method,
      headers: {
        host: HOST,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
  /** What the panel does: ask to pair, as a Firefox panel would. */
  const request = async (clientName = 'PixelLab Side Panel (Firefox)') =>
    (await call('POST', '/pair/request', { body: { clientName }, headers: { origin: FIREFOX } })).json as {
      requestId: string;
      expiresAt: number;
    };
  /** What `<bin> pair` reads: the waiting requests and the proof, as JSON. */
  const pageJson = async () => (await call('GET', '/pair', { headers: { accept: 'application/json' } })).json;
  const decide = (body: unknown, headers: Record<string, string> = { origin: OWN, 'sec-fetch-site': 'same-origin' }) =>
    call('POST', '/pair', { body, headers });
  const claim = (requestId: string) =>
    call('POST', '/pair/claim', { body: { requestId }, headers: { origin: FIREFOX } });
  return { app, call, logs, pairings, request, pageJson, decide, claim };
}

const TAB = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none' };

describe('the pairing approval page', () => {
  it('names the waiting client, escaped, and cannot be framed or cached', async () => {
    const c = companion();
    await c.request('Evil <script>alert(1)</script>\u001b[2K\nPanel');
    const page = await c.call('GET', '/pair', { headers: TAB });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt;[2KPanel');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain(`<code>${FIREFOX}</code>`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
    expect(page.text).toContain(`<script nonce="${nonce}">`);
  });

  it('is never served to a fetch (a page or an extension could read its proof)', async () => {
    const c = companion();
    for (const dest of ['empty', 'iframe', 'script']) {
      const res = await c.call('GET', '/pair', { headers: { 'sec-fetch-dest': dest, accept: 'application/json' } });
      expect(res.status, dest).toBe(403);
      expect(res.json.error).toBe('page_refused');
    }
  });

  it('approves from its own origin with its proof; only the requester collects the token, once', async () => {
    const c = companion();
    const { requestId } = await c.request();
    expect((await c.claim(requestId)).json).toMatchObject({ status: 'waiting', expiresAt: expect.any(Number) });

    const { csrf, waiting } = await c.pageJson();
    expect(waiting).toEqual([
      {
        approvalId: expect.any(String),
        clientName: 'PixelLab Side Panel (Firefox)',
        from: FIREFOX,
        expiresAt: expect.any(Number),
      },
    ]);
    // The page never shows what the requester holds.
    expect(JSON.stringify(waiting)).not.toContain(requestId);

    const decided = await c.decide({ approvalId: waiting[0].approvalId, decision: 'approve', csrf });
    expect(decided.json).toEqual({ status: 'approved', clientName: 'PixelLab Side Panel (Firefox)' });
    expect(c.logs).toContain(
      `Pairing approved on the companion's page for "PixelLab Side Panel (Firefox)" (${FIREFOX}).`,
    );
    expect((await c.pageJson()).waiting).toEqual([]);

    const claimed = await c.claim(requestId);
    expect(claimed.json).toMatchObject({ status: 'approved', token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(c.pairings.verify(claimed.json.token)).toBe(true);
    expect((await c.claim(requestId)).json.error).toBe('pairing_not_found');
    const api = await c.call('GET', '/api/v1/config', {
      headers: { origin: FIREFOX, authorization: `Bearer ${claimed.json.token}` },
    });
    expect(api.status).toBe(200);
  });

  it('refuses a decision from anywhere but its own page', async () => {
    const c = companion();
    await c.request();
    const { csrf, waiting } = await c.pageJson();
    const body = { approvalId: waiting[0].approvalId, decision: 'approve', csrf };
    const refusals: [Record<string, string>, number, string][] = [
      [{}, 403, 'approval_refused'],
      [{ origin: FIREFOX }, 403, 'approval_refused'],
      [{ origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop' }, 403, 'approval_refused'],
      [{ origin: 'https://evil.example' }, 403, 'origin_refused'],
      [{ origin: 'http://127.0.0.1:5173' }, 403, 'origin_refused'],
      [{ origin: OWN, 'sec-fetch-site': 'cross-site' }, 403, 'approval_refused'],
    ];
    for (const [headers, status, error] of refusals) {
      const res = await c.decide(body, headers);
      expect([JSON.stringify(headers), res.status, res.json.error]).toEqual([JSON.stringify(headers), status, error]);
    }
    expect((await c.decide({ ...body, csrf: 'made-up' })).json.error).toBe('proof_refused');
    const form = await c.call('POST', '/pair', {
      headers: { origin: OWN, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect((await c.pageJson()).waiting).toHaveLength(1);
  });

  it('a denied request gets no token', async () => {
    const c = companion({ requirePairing: false });
    const { requestId } = await c.request();
    const { csrf, waiting } = await c.pageJson();
    expect((await c.decide({ approvalId: waiting[0].approvalId, decision: 'deny', csrf })).json.status).toBe('denied');
    expect(await c.claim(requestId)).toMatchObject({ status: 403, json: { error: 'pairing_denied' } });
    expect(c.pairings.list()).toEqual([]);
  });

  it('is not offered with a fixed --token', async () => {
    const c = companion({ token: 'fixed-token-123', requirePairing: false });
    const res = await c.call('GET', '/pair', { headers: { ...TAB, authorization: 'Bearer fixed-token-123' } });
    expect(res).toMatchObject({ status: 404, json: { error: 'pairing_disabled' } });
  });
});
