import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { IntentInput } from '@/utils/intents/protocol';
import { createPanelData } from '@/utils/panel/data';
import { createDebugApi, installDebugApi } from '@/utils/panel/debug-api';
import type { PanelStorage } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';

async function startData() {
  const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, { afterPaint: () => {} });
  await data.start();
  return data;
}

describe('debug API', () => {
  beforeEach(() => fakeBrowser.reset());

  it('reports metrics like the seed from the stats key', async () => {
    await fakeBrowser.storage.local.set({
      [keys.stats]: { total: 10, idle: 1, queued: 2, running: 1, success: 4, error: 2, avgDuration: 2.5 },
    });
    const api = createDebugApi(await startData(), vi.fn());
    expect(api.getMetrics()).toEqual({
      total: 10,
      running: 1,
      completed: 4,
      failed: 2,
      queued: 2,
      waiting: 1,
      totalDuration: 10,
      avgDuration: 2.5,
    });
  });

  it('counts the rows it has when there is no stats key', async () => {
    const job = {
      id: 'job-1',
      prompt: 'p',
      width: 64,
      height: 64,
      status: 'success',
      duration: 3,
      createdAt: 1,
      updatedAt: 1,
    };
    await fakeBrowser.storage.local.set({ [keys.head]: ['job-1'], [keys.job('job-1')]: job });
    const api = createDebugApi(await startData(), vi.fn());
    expect(api.getMetrics()).toMatchObject({ total: 1, completed: 1, totalDuration: 3, avgDuration: 3 });
    expect(api.getState().jobs).toHaveLength(1);
    expect(api.getState().jobs[0]).toMatchObject({ id: 'job-1', duration: 3 });
  });

  it('sends intents for clearHistory, loadFromServer and saveToStorage', async () => {
    const send = vi.fn(async (_intent: IntentInput) => ({ ok: true as const }));
    const api = createDebugApi(await startData(), send);
    await api.clearHistory();
    await api.loadFromServer();
    await api.saveToStorage();
    expect(send.mock.calls.map((c) => c[0])).toEqual([
      { type: 'clearHistory' },
      { type: 'loadFromServer' },
      { type: 'saveToStorage' },
    ]);
  });

  it('installs on a window with app and state aliases, and uninstalls', async () => {
    const api = createDebugApi(await startData(), vi.fn());
    const win: Record<string, unknown> = { state: 'page state' };
    const uninstall = installDebugApi(api, win);
    expect(win.getMetrics).toBe(api.getMetrics);
    expect(win.app).toBe(api);
    expect(win.state).toBe(api);
    expect(typeof (win.app as typeof api).loadFromServer).toBe('function');
    uninstall();
    expect(win.app).toBeUndefined();
    expect(win.state).toBe('page state');
  });
});
