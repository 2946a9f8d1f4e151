import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createApp } from '@/companion-server/app';
import { defaultLimits, type PixelLab } from '@/companion-server/deps';
import { openSpending } from '@/companion-server/paid/open-spending';
import { createRunner } from '@/companion-server/paid/runner';
import { createMemoryStore } from '@/companion-server/store/memory-store';
import { makeSprite } from '@/tests/fixtures/png';
import { makeTempDir } from '@/tests/helpers/temp-dir';
import { createCompanionClient } from '@/utils/companion-client';
import { LEDGER_CSV_HEADER } from '@/utils/domain';
import { createHistoryStore } from '@/utils/history/store';
import { createIntentHandlers } from '@/utils/intents/handlers';
import type { StorageAreaLike } from '@/utils/storage/area';
import { runMigrations } from '@/utils/storage/migrations';

/** refreshSpend and exportLedger against the real companion app (its real ledger in a temp data dir), over app.request. */
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});
beforeEach(() => fakeBrowser.reset());

async function setup(options: { withLedger?: boolean } = {}) {
  const temp = await makeTempDir();
  cleanups.push(() => temp.remove());
  const spending = await openSpending({
    dataDir: temp.dir,
    limits: { maxUsdPerDay: 5, maxCallsPerMinute: null },
    log: () => undefined,
  });
  cleanups.push(() => spending.close());
  const pixellab: PixelLab = {
    generate: async ({ prompt, width, height }) => ({ png: makeSprite(width, height, prompt), usd: 0.0125, seed: 1 }),
    rotate: async ({ width, height }) => ({ png: makeSprite(width, height, 'r'), usd: 0.02 }),
    balance: async () => ({ usd: 5 }),
  };
  const companion = createMemoryStore({ serverId: 'srv' });
  const runner = createRunner({ store: companion, pixellab, log: () => undefined, paid: spending.paid });
  cleanups.push(() => runner.stop());
  const app = createApp({
    store: companion,
    pixellab,
    runner,
    spending: spending.guard,
    ledger: options.withLedger === false ? undefined : spending.ledger,
    log: () => undefined,
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 't',
      balanceTtlMs: 0,
    },
  });
  const client = createCompanionClient({
    baseUrl: 'http://127.0.0.1:8787',
    fetch: async (input, init) => {
      const request = new Request(input, init);
      // As a socket would: the Host header names the address (the loopback guard checks it).
      request.headers.set('host', new URL(request.url).host);
      return app.request(request);
    },
  });
  await runMigrations(local());
  const store = createHistoryStore(local());
  const handlers = createIntentHandlers({
    store,
    engine: {
      syncOnce: async () => ({ ok: true, submitted: 0, pushed: 0, pulled: 0, reuploaded: 0, serverChanged: false }),
    },
    scheduler: { kick: () => undefined, panelOpen: () => undefined, syncNow: async () => ({ ok: true }) as never },
    client: () => client,
  });
  return { client, runner, store, handlers };
}

describe('spend intents', () => {
  it("refreshSpend keeps the companion's spend and limits in the sync state; exportLedger answers the ledger as CSV", async () => {
    const { client, runner, store, handlers } = await setup();
    await client.createJob({
      id: 'job-s1',
      kind: 'generate',
      prompt: 'knight',
      width: 64,
      height: 64,
      seed: null,
      rotate: null,
      groupId: null,
    });
    await runner.idle();
    expect(await handlers.refreshSpend({ type: 'refreshSpend' })).toEqual({ ok: true });
    expect((await store.getSyncState()).spend).toMatchObject({ todayUsd: 0.0125, maxUsdPerDay: 5 });

    const reply = await handlers.exportLedger({ type: 'exportLedger' });
    expect(reply).toMatchObject({ ok: true, message: '1 paid call' });
    const lines = (reply as { text: string }).text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(LEDGER_CSV_HEADER.join(','));
    expect(lines[1]!.split(',').slice(1)).toEqual(['job-s1', 'generate', '64x64', '0.0125', 'false']);
    // A range before the call holds nothing.
    const none = await handlers.exportLedger({ type: 'exportLedger', to: 1 });
    expect((none as { text: string }).text.trimEnd().split('\r\n')).toHaveLength(1);
  });

  it('a companion without the ledger is a plain refusal, not a crash', async () => {
    const { handlers } = await setup({ withLedger: false });
    expect(await handlers.exportLedger({ type: 'exportLedger' })).toEqual({
      ok: false,
      error: expect.stringContaining('keeps no cost ledger'),
    });
  });
});
