/**
 * The PixelLab key from the panel, through the background: the `setApiKey` intent hands it to the real companion
 * (in-process), which checks it with the fake PixelLab over loopback. Storage learns where the key comes from
 * and the balance; never the key.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createApp } from '@/companion-server/app';
import { defaultLimits, type Runner } from '@/companion-server/deps';
import { createPixelLabClient } from '@/companion-server/pixellab/client';
import { openApiKey } from '@/companion-server/secrets/api-key';
import { createMemoryKeyFile } from '@/companion-server/secrets/key-file';
import { createMemoryStore } from '@/companion-server/store/memory-store';
import { type FakePixelLab, startFakePixelLab } from '@/tests/fixtures/fake-pixellab';
import { createCompanionClient } from '@/utils/companion-client';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import { createIntentHandlers, type IntentHandlers } from '@/utils/intents/handlers';
import { handleIntent } from '@/utils/intents/listener';
import type { IntentInput } from '@/utils/intents/protocol';
import type { StorageAreaLike } from '@/utils/storage/area';
import { runMigrations } from '@/utils/storage/migrations';
import { createSyncEngine, type SyncEngine } from '@/utils/sync/engine';
import { createSyncScheduler } from '@/utils/sync/scheduler';

const KEY = 'integration-pixellab-key-42';
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const runner: Runner = { enqueue: () => undefined, setLimit: () => undefined, limit: 3, running: 0 };

let fake: FakePixelLab;
beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY, balanceUsd: 12.5 });
});
afterAll(() => fake.close());

let store: HistoryStore;
let engine: SyncEngine;
let handlers: IntentHandlers;
const send = (intent: IntentInput) => handleIntent(handlers, intent);

beforeEach(async () => {
  fakeBrowser.reset();
  const holder = await openApiKey({ envKey: null, envSource: 'environment', file: createMemoryKeyFile() });
  const app = createApp({
    store: createMemoryStore({ serverId: 'server-k' }),
    pixellab: createPixelLabClient({ baseUrl: fake.url, apiKey: holder.current }),
    runner,
    log: () => undefined,
    apiKey: { holder, check: (key) => createPixelLabClient({ baseUrl: fake.url, apiKey: key }).balance() },
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: false,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 60_000,
    },
  });
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    request.headers.set('host', new URL(request.url).host);
    if (request.method !== 'GET') request.headers.set('origin', 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen');
    return app.request(request);
  };
  await runMigrations(local());
  store = createHistoryStore(local());
  const client = async () => createCompanionClient({ baseUrl: (await store.getSettings()).companionUrl, fetch });
  engine = createSyncEngine({ store, client, random: () => 0.5 });
  const scheduler = createSyncScheduler({ engine, store, setTimer: () => 0, clearTimer: () => undefined });
  handlers = createIntentHandlers({ store, engine, scheduler, client });
});

describe('the key from the panel', () => {
  it('a wrong key is refused in plain words; a good one shows the balance; storage never holds the key', async () => {
    await engine.syncOnce();
    expect(await store.getSyncState()).toMatchObject({
      online: true,
      apiKeyDetected: false,
      apiKeySource: 'none',
      apiVersion: 2,
    });

    const wrong = await send({ type: 'setApiKey', apiKey: 'not-the-right-key-000' });
    expect(wrong).toEqual({
      ok: false,
      error:
        'The key was not saved: PixelLab did not accept this key (HTTP 401). Copy it again from your PixelLab account page.',
    });
    expect((await store.getSyncState()).apiKeyDetected).toBe(false);

    expect(await send({ type: 'setApiKey', apiKey: KEY })).toEqual({
      ok: true,
      message: 'PixelLab key checked and saved in the companion',
    });
    expect(await store.getSyncState()).toMatchObject({ apiKeyDetected: true, apiKeySource: 'file', balanceUsd: 12.5 });
    await engine.syncOnce({ force: true });
    expect(await store.getSyncState()).toMatchObject({ apiKeyDetected: true, apiKeySource: 'file', balanceUsd: 12.5 });

    const everything = JSON.stringify(await fakeBrowser.storage.local.get(null));
    expect(everything).not.toContain(KEY);

    expect(await send({ type: 'removeApiKey' })).toMatchObject({ ok: true });
    expect(await store.getSyncState()).toMatchObject({ apiKeyDetected: false, apiKeySource: 'none', balanceUsd: null });
  });

  it('says to update a companion too old to take a key', async () => {
    const old = createCompanionClient({
      baseUrl: 'http://127.0.0.1:8787',
      fetch: async () =>
        new Response(JSON.stringify({ status: 'error', error: 'not_found', message: 'No route PUT /api/v1/key' }), {
          status: 404,
          headers: { 'content-type': 'application/json' },
        }),
    });
    handlers = createIntentHandlers({
      store,
      engine,
      scheduler: {
        kick() {},
        panelOpen() {},
        syncNow: async () => ({ ok: true, submitted: 0, pushed: 0, pulled: 0, reuploaded: 0, serverChanged: false }),
      },
      client: () => old,
    });
    expect(await send({ type: 'setApiKey', apiKey: KEY })).toEqual({
      ok: false,
      error:
        'This companion is too old to take the key from the panel: update it with npx pixellab-companion@latest service install, or set PIXELLAB_API_KEY where it runs.',
    });
  });
});
