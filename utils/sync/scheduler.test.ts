import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type Job, jobSchema } from '@/utils/domain';
import { createHistoryStore } from '@/utils/history/store';
import type { SyncEngine, SyncOptions, SyncResult } from '@/utils/sync/engine';
import { createSyncScheduler, PANEL_TTL_MS, SYNC_INTERVAL_MS } from '@/utils/sync/scheduler';

const ok: SyncResult = { ok: true, submitted: 0, pushed: 0, pulled: 0, reuploaded: 0, serverChanged: false };

/** An engine that records its runs; `hold()` keeps the next run open until released. */
function recordingEngine() {
  const runs: SyncOptions[] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  let running = false;
  const engine: SyncEngine = {
    async syncOnce(options = {}) {
      runs.push(options);
      running = true;
      if (gate) await gate;
      running = false;
      return { ...ok, pulled: runs.length };
    },
    get running() {
      return running;
    },
    imagesSettled: async () => undefined,
  };
  return {
    engine,
    runs,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = null;
      open();
    },
  };
}

function job(id: string, status: Job['status']): Job {
  return jobSchema.parse({ id, prompt: id, width: 64, height: 64, status, createdAt: 1, updatedAt: 1 });
}

beforeEach(() => {
  fakeBrowser.reset();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sync scheduler', () => {
  it('on browser start syncs once, and stops when there is nothing to wait for', async () => {
    const { engine, runs } = recordingEngine();
    const scheduler = createSyncScheduler({ engine, store: createHistoryStore() });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([{ force: true }]);
    await vi.advanceTimersByTimeAsync(SYNC_INTERVAL_MS * 5);
    expect(runs).toHaveLength(1);
    expect(scheduler.active).toBe(false);
  });

  it('syncs every 3 s while the panel sends heartbeats, and stops 15 s after the last', async () => {
    const { engine, runs } = recordingEngine();
    const scheduler = createSyncScheduler({ engine, store: createHistoryStore() });
    scheduler.panelOpen();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([{ force: true }]);
    for (let t = 0; t < 4; t++) {
      await vi.advanceTimersByTimeAsync(5_000);
      scheduler.panelOpen();
    }
    // 20 s of heartbeats: about one run per 3 s, and no forced run for a panel that stayed open.
    expect(runs.length).toBeGreaterThanOrEqual(6);
    expect(runs.slice(1).every((r) => !r.force)).toBe(true);
    const before = runs.length;
    await vi.advanceTimersByTimeAsync(PANEL_TTL_MS + SYNC_INTERVAL_MS * 2);
    const after = runs.length;
    expect(after - before).toBeLessThanOrEqual(Math.ceil(PANEL_TTL_MS / SYNC_INTERVAL_MS) + 1);
    await vi.advanceTimersByTimeAsync(SYNC_INTERVAL_MS * 10);
    expect(runs.length).toBe(after);
    expect(scheduler.active).toBe(false);
  });

  it('keeps going while jobs are idle, queued or running, even with the panel closed', async () => {
    const { engine, runs } = recordingEngine();
    const store = createHistoryStore();
    await store.applyJobs([job('a', 'running')]);
    const scheduler = createSyncScheduler({ engine, store });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(SYNC_INTERVAL_MS * 3);
    expect(runs.length).toBe(4);
    await store.applyJobs([job('a', 'success')]);
    await vi.advanceTimersByTimeAsync(SYNC_INTERVAL_MS * 5);
    expect(runs.length).toBe(5);
    expect(scheduler.active).toBe(false);
  });

  it('a kick during a run gets a run of its own afterwards', async () => {
    const recorder = recordingEngine();
    const scheduler = createSyncScheduler({ engine: recorder.engine, store: createHistoryStore() });
    recorder.hold();
    scheduler.kick();
    await vi.advanceTimersByTimeAsync(0);
    scheduler.kick();
    scheduler.kick();
    expect(recorder.runs).toHaveLength(1);
    recorder.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(recorder.runs).toHaveLength(2);
  });

  it('syncNow forces a run and answers with its result, even when one is in flight', async () => {
    const recorder = recordingEngine();
    const scheduler = createSyncScheduler({ engine: recorder.engine, store: createHistoryStore() });
    recorder.hold();
    scheduler.kick();
    await vi.advanceTimersByTimeAsync(0);
    const answer = scheduler.syncNow();
    recorder.release();
    expect(await answer).toMatchObject({ ok: true, pulled: 2 });
    expect(recorder.runs).toEqual([{ force: false }, { force: true }]);
  });
});
