import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createHistoryStore } from '@/utils/history/store';
import type { IntentInput } from '@/utils/intents/protocol';
import { createPanelData } from '@/utils/panel/data';
import { createDebugApi, installDebugApi } from '@/utils/panel/debug-api';
import { createInsightsSource } from '@/utils/panel/insights-source';
import type { PanelStorage, StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import { runMigrations } from '@/utils/storage/migrations';

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
    expect(win.getInsights).toBe(api.getInsights);
    uninstall();
    expect(win.app).toBeUndefined();
    expect(win.state).toBe('page state');
  });

  it("app.getInsights(range) answers what Insights shows, from the background store's aggregates", async () => {
    const area = fakeBrowser.storage.local as unknown as StorageAreaLike;
    await runMigrations(area);
    const now = Date.now();
    const base = { kind: 'generate', width: 64, height: 64, seed: null, error: null, image: null, rotate: null };
    const job = (id: string, prompt: string, createdAt: number, usd: number) =>
      ({ ...base, id, prompt, createdAt, updatedAt: now, status: 'success', duration: 2, usd, groupId: null }) as never;
    await createHistoryStore(area).applyJobs([
      job('a', 'knight', now, 0.01),
      job('b', 'knight', now - 1000, 0.02),
      job('c', 'old tree', now - 40 * 86_400_000, 0.5),
    ]);
    const data = await startData();
    await data.loadIndex();
    const api = createDebugApi(data, vi.fn(), async () => createInsightsSource(area as unknown as PanelStorage));

    const week = await api.getInsights();
    expect(week).toMatchObject({ totals: { jobs: 2, paid: 2 }, today: { jobs: 2 } });
    expect(week!.totals.usd).toBeCloseTo(0.03, 9);
    expect(week!.days).toHaveLength(7);
    expect(week!.prompts).toEqual([{ key: 'knight', count: 2, usd: expect.closeTo(0.03, 9) }]);
    expect((await api.getInsights('all'))!.totals.jobs).toBe(3);

    await expect(api.getInsights('week' as never)).rejects.toThrow(/getInsights: .*'7d', '30d', 'all'/);
    await expect(api.getInsights({ from: '2026-02-01', to: '2026-01-01' })).rejects.toThrow(/from is after to/);
    await expect(createDebugApi(data, vi.fn()).getInsights()).rejects.toThrow(/not available/);
  });
});
