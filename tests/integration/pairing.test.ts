import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createApp } from '@/companion-server/app';
import { defaultLimits, type PixelLab } from '@/companion-server/deps';
import { createRunner } from '@/companion-server/paid/runner';
import { PAIRING_CODE_TTL_MS } from '@/companion-server/routes/pairing';
import { createMemoryStore } from '@/companion-server/store/memory-store';
import { createMemoryPairingStore } from '@/companion-server/store/pairing-store';
import { makeSprite } from '@/tests/fixtures/png';
import { WAIT } from '@/tests/helpers/until';
import { createCompanionClient } from '@/utils/companion-client';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import { createIntentHandlers, type IntentHandlers } from '@/utils/intents/handlers';
import { handleIntent } from '@/utils/intents/listener';
import type { IntentInput } from '@/utils/intents/protocol';
import type { StorageAreaLike } from '@/utils/storage/area';
import { runMigrations } from '@/utils/storage/migrations';
import { createSyncEngine, type SyncEngine } from '@/utils/sync/engine';
import { PAIRING_REQUIRED_MESSAGE } from '@/utils/sync/errors';
import { createSyncScheduler } from '@/utils/sync/scheduler';

const START = 1_700_000_000_000;
const URL_A = 'http://127.0.0.1:8787';
const CLIENT_NAME = 'PixelLab Side Panel (Chrome)';
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;

/** The real companion with --require-pairing, behind a fetch that goes to app.request. */
function startCompanion(clock: { t: number }) {
  const store = createMemoryStore({ now: () => clock.t, serverId: 'server-p' });
  const pixellab: PixelLab = {
    generate: async ({ prompt, width, height, seed }) => ({
      png: makeSprite(width, height, prompt),
      usd: 0.01,
      seed: seed ?? 1,
    }),
    rotate: async ({ width, height, toDirection }) => ({ png: makeSprite(width, height, toDirection), usd: 0.01 }),
    balance: async () => ({ usd: 5 }),
  };
  const runner = createRunner({ store, pixellab, now: () => clock.t, log: () => undefined });
  const pairings = createMemoryPairingStore({ now: () => clock.t });
  const logs: string[] = [];
  const app = createApp({
    store,
    pixellab,
    runner,
    pairings,
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
    },
  });
  const sent: { path: string; authorization: string | null; answer: string }[] = [];
  const control = { offline: false };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (control.offline) throw new TypeError('fetch failed');
    const request = new Request(input, init);
    const url = new URL(request.url);
    request.headers.set('host', url.host);
    request.headers.set('origin', 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen');
    const response = await app.request(request);
    sent.push({
      path: url.pathname,
      authorization: request.headers.get('authorization'),
      answer: await response.clone().text(),
    });
    return response;
  };
  const printedCode = () => {
    const line = logs.filter((l) => l.startsWith('Pairing request from')).at(-1);
    const m = line && /enter code (\d{6})/.exec(line);
    if (!m) throw new Error(`no code printed: ${logs.join('\n')}`);
    return m[1]!;
  };
  return { app, store, runner, pairings, logs, sent, control, fetch, printedCode };
}

let clock: { t: number };
let companion: ReturnType<typeof startCompanion>;
let store: HistoryStore;
let engine: SyncEngine;
let handlers: IntentHandlers;
const send = (intent: IntentInput) => handleIntent(handlers, intent);

beforeEach(async () => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
  clock = { t: START };
  companion = startCompanion(clock);
  await runMigrations(local());
  store = createHistoryStore(local(), { now: () => clock.t });
  // As the background builds it: from the settings, token included, at every use.
  const client = async () => {
    const settings = await store.getSettings();
    return createCompanionClient({ baseUrl: settings.companionUrl, token: settings.token, fetch: companion.fetch });
  };
  engine = createSyncEngine({ store, client, now: () => clock.t, random: () => 0.5 });
  // Timers that never fire: each test drives the runs itself.
  const scheduler = createSyncScheduler({
    engine,
    store,
    now: () => clock.t,
    setTimer: () => 0,
    clearTimer: () => undefined,
  });
  handlers = createIntentHandlers({ store, engine, scheduler, client, now: () => clock.t, clientName: CLIENT_NAME });
});

async function syncSettled() {
  await vi.waitFor(async () => expect((await store.getSyncState()).syncing).toBe(false), WAIT);
}

describe('an unpaired browser', () => {
  it('records auth "pairing" and pairing "required", and stops retrying until paired', async () => {
    const result = await engine.syncOnce();
    expect(result).toMatchObject({ ok: false, errorKind: 'pairing', error: PAIRING_REQUIRED_MESSAGE });
    expect(await store.getSyncState()).toMatchObject({
      online: true,
      auth: 'pairing',
      pairing: 'required',
      pairingRequest: null,
      lastError: PAIRING_REQUIRED_MESSAGE,
      nextAttemptAt: null,
      syncing: false,
    });
    expect(companion.sent.map((s) => s.path)).toEqual(['/health']);

    // Until something changes, the timer's runs do not touch the network...
    clock.t += 120_000;
    expect(await engine.syncOnce()).toMatchObject({ ok: false, skipped: 'pairing' });
    expect(companion.sent).toHaveLength(1);
    // ...while a user's Sync now looks again.
    expect(await engine.syncOnce({ force: true })).toMatchObject({ errorKind: 'pairing' });
    expect(companion.sent).toHaveLength(2);
  });

  it('a token the companion does not know (revoked, or a new data dir) gets pairing_required too', async () => {
    await store.saveSettings({
      companionUrl: URL_A,
      token: 'not-paired-here-0123456789abcdef0123456789',
      parallelLimit: 3,
      askAboveUsd: null,
    });
    const result = await engine.syncOnce();
    expect(result).toMatchObject({ ok: false, errorKind: 'pairing' });
    expect(await store.getSyncState()).toMatchObject({ pairing: 'required', online: true, nextAttemptAt: null });
    const refused = companion.sent.at(-1)!;
    expect(refused.answer).toContain('"error":"pairing_required"');
  });
});

describe('pairStart and pairConfirm', () => {
  it('pairs with the code the companion printed, saves the token, and syncs a generated job', async () => {
    await engine.syncOnce();
    const started = await send({ type: 'pairStart' });
    expect(started).toEqual({ ok: true, message: 'Enter the code the companion printed' });
    const code = companion.printedCode();
    expect(companion.logs.at(-1)).toBe(
      `Pairing request from "${CLIENT_NAME}" (chrome-extension://nicmafealdkogdhcobglaenalcjpnhen): enter code ${code} in the side panel (expires in 120 s)`,
    );
    const { pairingRequest } = await store.getSyncState();
    expect(pairingRequest).toEqual({ requestId: expect.any(String), expiresAt: START + PAIRING_CODE_TTL_MS });

    const reply = await send({ type: 'pairConfirm', code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(reply).toEqual({ ok: true, message: 'Paired with the companion' });
    const { token } = await store.getSettings();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(companion.pairings.verify(token)).toBe(true);
    // The sync that pairing starts goes through.
    await vi.waitFor(async () => expect((await store.getSyncState()).lastSyncAt).not.toBeNull(), WAIT);
    await syncSettled();
    expect(await store.getSyncState()).toMatchObject({
      pairing: null,
      pairingRequest: null,
      lastError: null,
      online: true,
      auth: 'pairing',
    });

    // From now on every call carries the token, and work goes through.
    const generated = await send({
      type: 'generate',
      request: { prompt: 'paired knight', width: 32, height: 32, seed: 7, count: 1 },
    });
    expect(generated.ok).toBe(true);
    const id = generated.ok ? generated.ids![0]! : '';
    await vi.waitFor(async () => expect(companion.store.get(id)).toBeDefined(), WAIT);
    await companion.runner.idle();
    await syncSettled();
    expect(await engine.syncOnce({ force: true })).toMatchObject({ ok: true });
    expect((await store.getJob(id))!.status).toBe('success');
    const afterPairing = companion.sent.filter((s) => s.path.startsWith('/api/'));
    expect(afterPairing.length).toBeGreaterThan(0);
    for (const s of afterPairing) expect(s.authorization).toBe(`Bearer ${token}`);
    // The code went only to the console.
    for (const s of companion.sent) expect(s.answer).not.toContain(code);
  });

  it('a wrong code shows in plain words and the request stays open; the right one still works', async () => {
    await send({ type: 'pairStart' });
    const code = companion.printedCode();
    const wrong = code === '123456' ? '654321' : '123456';
    expect(await send({ type: 'pairConfirm', code: wrong })).toEqual({
      ok: false,
      error: 'Wrong pairing code; 4 tries left.',
    });
    expect((await store.getSyncState()).pairingRequest).not.toBeNull();
    expect((await store.getSettings()).token).toBe('');
    expect(await send({ type: 'pairConfirm', code })).toMatchObject({ ok: true });
  });

  it('a code that is not six digits is refused before asking the companion', async () => {
    await send({ type: 'pairStart' });
    const before = companion.sent.length;
    expect(await send({ type: 'pairConfirm', code: '12ab' })).toEqual({
      ok: false,
      error: 'The pairing code is the 6 digits the companion printed.',
    });
    expect(companion.sent).toHaveLength(before);
  });

  it('an expired code says so and ends the request, so the panel offers a new one', async () => {
    await engine.syncOnce();
    await send({ type: 'pairStart' });
    const code = companion.printedCode();
    clock.t += PAIRING_CODE_TTL_MS;
    expect(await send({ type: 'pairConfirm', code })).toEqual({
      ok: false,
      error: 'The pairing code expired; start pairing again for a new one.',
    });
    expect(await store.getSyncState()).toMatchObject({ pairing: 'required', pairingRequest: null });
    expect((await store.getSettings()).token).toBe('');
  });

  it('after five wrong codes the request is void', async () => {
    await send({ type: 'pairStart' });
    const code = companion.printedCode();
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 4; i++) await send({ type: 'pairConfirm', code: wrong });
    expect(await send({ type: 'pairConfirm', code: wrong })).toEqual({
      ok: false,
      error: 'Wrong pairing code, and that was the last of 5 tries; start pairing again for a new code.',
    });
    const reply = await send({ type: 'pairConfirm', code });
    expect(reply).toMatchObject({ ok: false, error: expect.stringContaining('start pairing again') });
    expect((await store.getSyncState()).pairingRequest).toBeNull();
  });

  it('confirming without a request, or starting while the companion is down, fails in plain words', async () => {
    expect(await send({ type: 'pairConfirm', code: '123456' })).toEqual({
      ok: false,
      error: 'No pairing in progress: press "Pair with companion" first.',
    });
    companion.control.offline = true;
    const reply = await send({ type: 'pairStart' });
    expect(reply).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^Could not start pairing: The companion at http:\/\/127\.0\.0\.1:8787 is not reachable/,
      ),
    });
    expect((await store.getSyncState()).pairingRequest).toBeNull();
  });

  it('a new companion URL in the settings forgets the pairing state', async () => {
    await engine.syncOnce();
    await send({ type: 'pairStart' });
    expect(
      await send({
        type: 'saveSettings',
        settings: { companionUrl: 'http://127.0.0.1:8788', token: '', parallelLimit: 3 },
      }),
    ).toMatchObject({ ok: true });
    expect(await store.getSyncState()).toMatchObject({ pairing: null, pairingRequest: null });
  });

  it('the intents are validated', async () => {
    expect(await send({ type: 'pairConfirm', code: '1'.repeat(40) })).toMatchObject({
      ok: false,
      error: expect.stringContaining('Invalid request: code'),
    });
  });
});

describe('approval on the companion page', () => {
  /** What the user does on http://127.0.0.1:8787/pair: read the waiting request, press Approve or Deny. */
  async function decideOnPage(decision: 'approve' | 'deny') {
    const host = new URL(URL_A).host;
    const page = await companion.app.request(`${URL_A}/pair`, { headers: { host, accept: 'application/json' } });
    const { csrf, waiting } = (await page.json()) as { csrf: string; waiting: { approvalId: string }[] };
    expect(waiting).toHaveLength(1);
    const res = await companion.app.request(`${URL_A}/pair`, {
      method: 'POST',
      headers: { host, origin: URL_A, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: JSON.stringify({ approvalId: waiting[0]!.approvalId, decision, csrf }),
    });
    expect(res.status).toBe(200);
  }

  it('pairs without a code: the next sync collects the token and syncs with it', async () => {
    await engine.syncOnce();
    await send({ type: 'pairStart' });
    expect(await engine.syncOnce()).toMatchObject({ skipped: 'pairing' });
    expect((await store.getSettings()).token).toBe('');

    await decideOnPage('approve');
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    const { token } = await store.getSettings();
    expect(companion.pairings.verify(token)).toBe(true);
    expect(await store.getSyncState()).toMatchObject({ pairing: null, pairingRequest: null, lastError: null });
    expect(companion.logs).toContain(`Paired with "${CLIENT_NAME}".`);
  });

  it('a denied request ends, and says so, so the panel offers pairing again', async () => {
    await engine.syncOnce();
    await send({ type: 'pairStart' });
    await decideOnPage('deny');
    await engine.syncOnce();
    expect(await store.getSyncState()).toMatchObject({
      pairing: 'required',
      pairingRequest: null,
      lastError: 'This pairing request was denied on the companion',
    });
    expect((await store.getSettings()).token).toBe('');
  });
});
