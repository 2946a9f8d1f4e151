import type { HistoryStore } from '@/utils/history/store';
import type { SyncEngine, SyncResult } from '@/utils/sync/engine';

export const SYNC_INTERVAL_MS = 3_000;
/** The panel sends `panelOpen` every few seconds; without one for this long it counts as closed. */
export const PANEL_TTL_MS = 15_000;

export interface SyncSchedulerOptions {
  engine: SyncEngine;
  store: Pick<HistoryStore, 'getStats' | 'getSubmitQueue'>;
  now?: () => number;
  intervalMs?: number;
  panelTtlMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export interface SyncScheduler {
  /** Browser start or install: sync now, then keep going while there is a reason. */
  start(): void;
  /** Panel heartbeat: the first after a pause syncs at once; every one keeps the interval alive. */
  panelOpen(): void;
  /** Something changed locally: sync soon (after the run in flight, if any). */
  kick(): void;
  /** The user asked: sync now, ignoring the backoff. Resolves with that run's result. */
  syncNow(): Promise<SyncResult>;
  stop(): void;
  /** Whether a run or a timer is pending. */
  readonly active: boolean;
}

/**
 * Drives the engine with plain timers: every 3 s while the panel is open (a heartbeat in the
 * last 15 s) or any job waits on the companion (idle, queued, running); otherwise it stops.
 * Not `browser.alarms`: Chrome's alarms fire at most every 30 s and need a permission, and
 * the worker is alive anyway while the panel sends heartbeats or the engine calls storage.
 * If Chrome stops the worker, nothing is lost: the companion holds the jobs, and the next
 * browser start or panel open syncs again.
 */
export function createSyncScheduler(options: SyncSchedulerOptions): SyncScheduler {
  const { engine, store } = options;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? SYNC_INTERVAL_MS;
  const panelTtlMs = options.panelTtlMs ?? PANEL_TTL_MS;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));

  let timer: unknown = null;
  let loop: Promise<SyncResult> | null = null;
  let again = false;
  let againForce = false;
  let lastPanelAt = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const panelIsOpen = () => now() - lastPanelAt < panelTtlMs;

  async function hasWork(): Promise<boolean> {
    if (panelIsOpen()) return true;
    try {
      const [stats, submit] = await Promise.all([store.getStats(), store.getSubmitQueue()]);
      return stats.idle + stats.queued + stats.running > 0 || submit.length > 0;
    } catch (err) {
      console.error('Sync scheduler could not read the history stats', err);
      return false;
    }
  }

  function cancelTimer(): void {
    if (timer !== null) clearTimer(timer);
    timer = null;
  }

  function schedule(): void {
    cancelTimer();
    if (stopped) return;
    timer = setTimer(() => {
      timer = null;
      void run(false);
    }, intervalMs);
  }

  /** One run, plus one more for every request that arrived during it; then maybe the next tick. */
  function run(force: boolean): Promise<SyncResult> {
    if (loop) {
      again = true;
      againForce ||= force;
      return loop;
    }
    stopped = false;
    cancelTimer();
    const current = (async () => {
      try {
        let result = await engine.syncOnce({ force });
        while (again) {
          const f = againForce;
          again = false;
          againForce = false;
          result = await engine.syncOnce({ force: f });
        }
        return result;
      } finally {
        // Synchronous with the last `again` check: a later request starts a new loop.
        loop = null;
      }
    })();
    loop = current;
    void current
      .then(
        () => undefined,
        (err: unknown) => console.error('Sync run failed', err),
      )
      .then(async () => {
        if (loop !== null) return;
        const keepGoing = await hasWork();
        if (keepGoing && !stopped && loop === null && timer === null) schedule();
      });
    return current;
  }

  return {
    start() {
      void run(true);
    },
    panelOpen() {
      const wasOpen = panelIsOpen();
      lastPanelAt = now();
      if (!wasOpen) void run(true);
      else if (timer === null && loop === null) schedule();
    },
    kick() {
      void run(false);
    },
    syncNow() {
      return run(true);
    },
    stop() {
      stopped = true;
      cancelTimer();
    },
    get active() {
      return timer !== null || loop !== null;
    },
  };
}
