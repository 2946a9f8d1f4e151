import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../../tests/fixtures/fake-pixellab';
import { createApp } from '../app';
import { type CompanionConfig, defaultLimits, type Runner } from '../deps';
import { createPixelLabClient } from '../pixellab/client';
import { openApiKey } from '../secrets/api-key';
import { createMemoryKeyFile } from '../secrets/key-file';
import { createMemoryStore } from '../store/memory-store';
import { createMemoryPairingStore } from '../store/pairing-store';

const GOOD_KEY = 'good-pixellab-key-0123456789';
const WRONG_KEY = 'wrong-pixellab-key-9876543210';
const HOST = '127.0.0.1:8787';
const EXTENSION = 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen';
const OTHER_EXTENSION = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const runner: Runner = { enqueue: () => undefined, setLimit: () => undefined, limit: 3, running: 0 };

let fake: FakePixelLab;
beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: GOOD_KEY, balanceUsd: 25 });
});
afterAll(() => fake.close());

/** A companion whose PixelLab client reads the live key, talking to the fake PixelLab over loopback. */
async function companion(options: { envKey?: string; config?: Partial<CompanionConfig>; url?: string } = {}) {
  const file = createMemoryKeyFile();
  const holder = await openApiKey({ envKey: options.envKey ?? null, envSource: 'dotenv', file });
  const baseUrl = options.url ?? fake.url;
  const pixellab = createPixelLabClient({ baseUrl, apiKey: holder.current, timeoutMs: 5000 });
  const logs: string[] = [];
  const answers: string[] = [];
  const pairings = createMemoryPairingStore();
  const app = createApp({
    store: createMemoryStore({ serverId: 'server-a' }),
    pixellab,
    runner,
    pairings,
    log: (line) => logs.push(line),
    apiKey: { holder, check: (key) => createPixelLabClient({ baseUrl, apiKey: key, timeoutMs: 5000 }).balance() },
    config: {
      allowOrigins: ['http://localhost:5500'],
      token: null,
      apiKeyDetected: holder.current() !== null,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 60_000,
      ...options.config,
    },
  });
  const call = async (
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const res = await app.request(`http://${HOST}${path}`, {
      method,
      headers: {
        host: HOST,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    answers.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
  return { app, call, file, holder, pixellab, logs, answers, pairings };
}

describe('the PixelLab key set from the panel', () => {
  it('refuses a wrong key in plain words and keeps nothing, then takes a good one and uses it at once', async () => {
    const c = await companion();
    expect((await c.call('GET', '/health')).json).toMatchObject({
      api_key_detected: false,
      api_key_source: 'none',
      balance: { status: 'missing' },
    });

    const wrong = await c.call('PUT', '/api/v1/key', { body: { apiKey: WRONG_KEY }, headers: { origin: EXTENSION } });
    expect(wrong).toMatchObject({
      status: 422,
      json: {
        status: 'error',
        error: 'key_rejected',
        field: 'apiKey',
        message: 'PixelLab did not accept this key (HTTP 401). Copy it again from your PixelLab account page.',
      },
    });
    expect(await c.file.read()).toBeNull();
    expect((await c.call('GET', '/health')).json.api_key_source).toBe('none');

    const good = await c.call('PUT', '/api/v1/key', {
      body: { apiKey: ` ${GOOD_KEY}\n` },
      headers: { origin: EXTENSION },
    });
    expect(good).toEqual({ status: 200, json: { source: 'file', balanceUsd: 25 } });
    expect(await c.file.read()).toBe(GOOD_KEY);
    expect((await c.call('GET', '/health')).json).toMatchObject({
      api_key_detected: true,
      api_key_source: 'file',
      balance: { status: 'ok', usd: 25 },
    });
    // The live client (the runner's) generates with it, with no restart.
    const image = await c.pixellab.generate({ prompt: 'knight', width: 32, height: 32, seed: 1 });
    expect(image.png.length).toBeGreaterThan(0);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/generate-image-pixflux', authorized: true });

    // Never in an answer, a header or a log line.
    for (const text of [...c.answers, ...c.logs]) {
      expect(text).not.toContain(GOOD_KEY);
      expect(text).not.toContain(WRONG_KEY);
    }
    expect(c.logs).toContain('PixelLab key set from a client and saved in (memory) (readable by you only).');
  });

  it('removes the key: generation waits for a new one', async () => {
    const c = await companion();
    await c.call('PUT', '/api/v1/key', { body: { apiKey: GOOD_KEY } });
    expect(await c.call('DELETE', '/api/v1/key', { headers: { origin: EXTENSION } })).toEqual({
      status: 200,
      json: { source: 'none' },
    });
    expect(await c.file.read()).toBeNull();
    expect((await c.call('GET', '/health')).json).toMatchObject({ api_key_detected: false, api_key_source: 'none' });
    await expect(c.pixellab.balance()).rejects.toMatchObject({ code: 'missing_key' });
  });

  it('lets the environment win, and says so instead of saving a key that would not be used', async () => {
    const c = await companion({ envKey: GOOD_KEY });
    expect((await c.call('GET', '/health')).json).toMatchObject({ api_key_detected: true, api_key_source: 'dotenv' });
    for (const method of ['PUT', 'DELETE']) {
      const res = await c.call(method, '/api/v1/key', { body: method === 'PUT' ? { apiKey: GOOD_KEY } : undefined });
      expect(res.status, method).toBe(409);
      expect(res.json.error).toBe('key_from_environment');
      expect(res.json.message).toContain('PIXELLAB_API_KEY (the .env file');
    }
    expect(await c.file.read()).toBeNull();
  });

  it('refuses web pages, the companion’s own pages and unpaired extensions; lets a paired one in', async () => {
    const c = await companion();
    const balanceAsks = () => fake.requests.filter((r) => r.path === '/balance').length;
    const before = balanceAsks();
    const put = (headers: Record<string, string>) =>
      c.call('PUT', '/api/v1/key', { body: { apiKey: GOOD_KEY }, headers });
    // A web origin the user allowed for the old API still may not set the key.
    expect(await put({ origin: 'http://localhost:5500' })).toMatchObject({
      status: 403,
      json: { error: 'key_refused' },
    });
    expect(await put({ origin: 'https://evil.example' })).toMatchObject({
      status: 403,
      json: { error: 'origin_refused' },
    });
    expect(await put({ origin: `http://${HOST}` })).toMatchObject({ status: 403, json: { error: 'route_refused' } });
    expect(await put({ origin: OTHER_EXTENSION })).toMatchObject({ status: 401, json: { error: 'pairing_required' } });
    // Refused before the key was even checked: PixelLab never saw it.
    expect(balanceAsks()).toBe(before);
    expect(await c.file.read()).toBeNull();

    const token = 'a-paired-token-0123456789-0123456789-abcdefgh';
    await c.pairings.add(token, 'Another panel');
    expect(await put({ origin: OTHER_EXTENSION, authorization: `Bearer ${token}` })).toMatchObject({ status: 200 });
    expect(await c.file.read()).toBe(GOOD_KEY);
  });

  it('keeps nothing when PixelLab cannot be reached, and never echoes a pasted key in a 400', async () => {
    const c = await companion({ url: 'http://127.0.0.1:9/v1' });
    const res = await c.call('PUT', '/api/v1/key', { body: { apiKey: GOOD_KEY } });
    expect(res.status).toBe(502);
    expect(res.json.error).toBe('key_unchecked');
    expect(res.json.message).toMatch(/^Could not check the key with PixelLab \(Could not reach PixelLab/);
    expect(await c.file.read()).toBeNull();

    const spaced = await c.call('PUT', '/api/v1/key', { body: { apiKey: `${GOOD_KEY} ${GOOD_KEY}` } });
    expect(spaced).toMatchObject({ status: 400, json: { error: 'invalid_body', field: 'apiKey' } });
    for (const text of c.answers) expect(text).not.toContain(GOOD_KEY);
  });
});
