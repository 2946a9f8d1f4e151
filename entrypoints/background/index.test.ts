import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createApp } from '@/companion-server/app';
import { defaultLimits, type PixelLab } from '@/companion-server/deps';
import { createRunner } from '@/companion-server/paid/runner';
import { createMemoryStore } from '@/companion-server/store/memory-store';
import background from '@/entrypoints/background/index';
import { makeSprite } from '@/tests/fixtures/png';
import { INTENT_CHANNEL, type IntentInput, type IntentReply } from '@/utils/intents/protocol';
import { keys } from '@/utils/storage/keys';
import { HISTORY_SCHEMA_VERSION } from '@/utils/storage/layout';

/** The real companion behind the global fetch the background uses (default URL http://127.0.0.1:8787). */
function stubCompanion() {
  const store = createMemoryStore({ serverId: 'srv' });
  const pixellab: PixelLab = {
    generate: async ({ prompt, width, height }) => ({ png: makeSprite(width, height, prompt), usd: 0.01, seed: 1 }),
    rotate: async ({ width, height, toDirection }) => ({ png: makeSprite(width, height, toDirection), usd: 0.01 }),
    balance: async () => ({ usd: 2 }),
  };
  const runner = createRunner({ store, pixellab, log: () => undefined });
  const app = createApp({
    store,
    pixellab,
    runner,
    log: () => undefined,
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 0,
    },
  });
  const paths: string[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    request.headers.set('host', new URL(request.url).host);
    paths.push(new URL(request.url).pathname);
    return app.request(request);
  });
  return { store, runner, paths };
}

const send = (intent: IntentInput) =>
  fakeBrowser.runtime.sendMessage({ channel: INTENT_CHANNEL, intent }) as Promise<IntentReply>;

async function settle() {
  for (let i = 0; i < 20; i++) await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  fakeBrowser.reset();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  delete (fakeBrowser as { sidePanel?: unknown }).sidePanel;
  delete (fakeBrowser as { sidebarAction?: unknown }).sidebarAction;
});

describe('background', () => {
  it('answers intents: a generated job is stored, submitted, and its result synced back', async () => {
    const companion = stubCompanion();
    background.main();
    const reply = await send({ type: 'generate', request: { prompt: 'knight', width: 64, height: 64, seed: null } });
    expect(reply).toMatchObject({ ok: true });
    const [id] = (reply as { ids: string[] }).ids;
    expect((await fakeBrowser.storage.local.get(keys.schema))[keys.schema]).toEqual({
      version: HISTORY_SCHEMA_VERSION,
    });

    await settle();
    await companion.runner.idle();
    expect(await send({ type: 'syncNow' })).toMatchObject({ ok: true });
    const stored = (await fakeBrowser.storage.local.get(keys.job(id!)))[keys.job(id!)] as {
      status: string;
      image: string;
    };
    expect(stored.status).toBe('success');
    expect((await fakeBrowser.storage.local.get(keys.image(stored.image)))[keys.image(stored.image)]).toMatch(
      /^data:image\/png/,
    );
    expect(companion.paths).toContain('/api/v1/jobs');
  });

  it('rejects a malformed intent and leaves other messages alone', async () => {
    stubCompanion();
    background.main();
    expect(await fakeBrowser.runtime.sendMessage({ channel: INTENT_CHANNEL, intent: { type: 'retry' } })).toMatchObject(
      { ok: false },
    );
    expect(
      await fakeBrowser.runtime.sendMessage({ channel: 'someone-else', intent: { type: 'syncNow' } }),
    ).toBeUndefined();
  });

  it('syncs when the browser starts', async () => {
    const companion = stubCompanion();
    background.main();
    await fakeBrowser.runtime.onStartup.trigger();
    await settle();
    expect(companion.paths).toContain('/health');
    expect((await fakeBrowser.storage.local.get(keys.sync))[keys.sync]).toMatchObject({
      online: true,
      serverId: 'srv',
    });
  });

  it('in Chrome, the toolbar button opens the side panel', () => {
    const setPanelBehavior = vi.fn(async () => undefined);
    Object.assign(fakeBrowser, { sidePanel: { setPanelBehavior } });
    background.main();
    expect(setPanelBehavior).toHaveBeenCalledWith({ openPanelOnActionClick: true });
  });

  it('in Firefox, the toolbar button shows and hides the sidebar', async () => {
    const toggle = vi.fn(async () => undefined);
    Object.assign(fakeBrowser, { sidebarAction: { toggle } });
    background.main();
    await fakeBrowser.action.onClicked.trigger({} as never, undefined as never);
    expect(toggle).toHaveBeenCalledTimes(1);
  });
});
