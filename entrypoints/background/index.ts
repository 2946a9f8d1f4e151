import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createCompanionClient } from '@/utils/companion-client';
import { colourCodesOfPng } from '@/utils/history/colour-codes';
import { createColourIndexer } from '@/utils/history/colour-indexer';
import { createHistoryStore } from '@/utils/history/store';
import { createIntentHandlers } from '@/utils/intents/handlers';
import { createIntentListener } from '@/utils/intents/listener';
import type { StorageAreaLike } from '@/utils/storage/area';
import { runMigrations } from '@/utils/storage/migrations';
import { createSyncEngine } from '@/utils/sync/engine';
import { createSyncScheduler } from '@/utils/sync/scheduler';

/** The only writer of storage and the only syncer: store, companion client, engine, scheduler, intents. */
export default defineBackground(() => {
  const storage = browser.storage.local as unknown as StorageAreaLike;
  const ready = runMigrations(storage);
  // Logged here; every store call still fails with it rather than touch an unmigrated layout.
  ready.catch((err: unknown) => console.error('Could not prepare the history storage', err));
  const store = createHistoryStore(storage, { ready });
  const client = async () => {
    const settings = await store.getSettings();
    return createCompanionClient({ baseUrl: settings.companionUrl, token: settings.token });
  };
  const engine = createSyncEngine({ store, client });
  const scheduler = createSyncScheduler({ engine, store });
  const handlers = createIntentHandlers({
    store,
    engine,
    scheduler,
    client,
    clientName: `PixelLab Side Panel (${browserName()})`,
  });

  browser.runtime.onMessage.addListener(createIntentListener(handlers));
  // Each stored image's colours are indexed once, and what was stored before is backfilled (colour-indexer.ts).
  // It follows the store's own writes (the only writer), not storage.onChanged: that would copy each synced page here.
  const colours = createColourIndexer({ store, codesOf: colourCodesOfPng });
  store.onWrite((changes) => colours.onStorageChanged(changes));
  colours.schedule();
  browser.runtime.onStartup.addListener(() => scheduler.start());
  browser.runtime.onInstalled.addListener(() => scheduler.start());
  openPanelOnActionClick();
});

/** The browser this build is for, as the companion's console shows it when pairing. */
function browserName(): string {
  const target: string = import.meta.env.BROWSER ?? 'chrome';
  const names: Record<string, string> = {
    chrome: 'Chrome',
    firefox: 'Firefox',
    edge: 'Edge',
    safari: 'Safari',
    opera: 'Opera',
  };
  return names[target] ?? target;
}

/** Chrome opens the side panel itself; in Firefox the toolbar button shows and hides the sidebar. */
function openPanelOnActionClick(): void {
  const api = browser as unknown as {
    sidePanel?: { setPanelBehavior(behavior: { openPanelOnActionClick: boolean }): Promise<void> };
    sidebarAction?: { toggle(): Promise<void> };
    action?: { onClicked: { addListener(fn: () => void): void } };
    browserAction?: { onClicked: { addListener(fn: () => void): void } };
  };
  if (api.sidePanel?.setPanelBehavior) {
    api.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch((err: unknown) => {
      console.error('Could not make the toolbar button open the side panel', err);
    });
    return;
  }
  const sidebar = api.sidebarAction;
  const action = api.action ?? api.browserAction;
  if (sidebar && action) {
    // Called synchronously inside the click handler: Firefox only opens sidebars on a user action.
    action.onClicked.addListener(() => {
      sidebar.toggle().catch((err: unknown) => console.error('Could not open the sidebar', err));
    });
  }
}
