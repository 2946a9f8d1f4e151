import { beforeEach, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { CompanionClient } from '@/utils/companion-client';
import { type Job, type JobInput, jobSchema } from '@/utils/domain';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import { createIntentHandlers, type IntentHandlers } from '@/utils/intents/handlers';
import { handleIntent } from '@/utils/intents/listener';
import type { IntentInput } from '@/utils/intents/protocol';
import type { StorageAreaLike } from '@/utils/storage/area';
import { runMigrations } from '@/utils/storage/migrations';
import type { SyncOptions, SyncResult } from '@/utils/sync/engine';

/**
 * The setup the intent handler suites share (utils/intents/**.test.ts): a migrated fakeBrowser store, the
 * handlers over it with a recording engine and scheduler. The `let` exports are live: each test sees this
 * test's values.
 */
export const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
export const NOW = 1_700_000_000_000;
export const okSync: SyncResult = { ok: true, submitted: 0, pushed: 3, pulled: 5, reuploaded: 0, serverChanged: false };

export function job(overrides: Partial<JobInput> & { id: string }): Job {
  return jobSchema.parse({
    prompt: `prompt ${overrides.id}`,
    width: 64,
    height: 64,
    status: 'success',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  });
}

export let store: HistoryStore;
export let handlers: IntentHandlers;
export let kicks: number;
export let syncRuns: SyncOptions[];
export let syncResult: SyncResult;
export let putConfig: ReturnType<typeof vi.fn>;

/** What the engine and scheduler fakes answer from now on. */
export function setSyncResult(result: SyncResult): void {
  syncResult = result;
}

export const send = (intent: IntentInput) => handleIntent(handlers, intent);

/** Registers the beforeEach that builds a fresh store and handlers for every test of the calling suite. */
export function useIntentHandlers(): void {
  beforeEach(async () => {
    vi.restoreAllMocks();
    fakeBrowser.reset();
    await runMigrations(local());
    store = createHistoryStore(local(), { now: () => NOW });
    kicks = 0;
    syncRuns = [];
    syncResult = okSync;
    putConfig = vi.fn(async (config: { parallelLimit: number }) => config);
    let seed = 7;
    handlers = createIntentHandlers({
      store,
      engine: { syncOnce: async (options = {}) => (syncRuns.push(options), syncResult) },
      scheduler: {
        kick: () => void (kicks += 1),
        panelOpen: () => undefined,
        syncNow: async () => (syncRuns.push({ force: true }), syncResult),
      },
      client: () => ({ putConfig }) as unknown as CompanionClient,
      now: () => NOW,
      random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
    });
  });
}
