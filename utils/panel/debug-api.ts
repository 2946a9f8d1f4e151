import type { Job } from '@/utils/domain/job';
import { insightsRangeSchema } from '@/utils/insights/schema';
import type { Insights, InsightsRange } from '@/utils/insights/summary';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { PanelData } from '@/utils/panel/data';
import type { InsightsSource } from '@/utils/panel/insights-source';
import type { IndexEntry, Stats, StorageErrorValue, SyncState } from '@/utils/storage/layout';
import type { Settings } from '@/utils/storage/settings';

/**
 * The seed dashboard's console API, on the panel's window:
 *   getState(), getMetrics(), clearHistory(), loadFromServer(), saveToStorage(), and getInsights(range)
 * also as `app.*` and `state.*`, the names the seed's docs use (`app.getState()`, `state.loadFromServer()`).
 * Everything goes through intents; the panel still never writes storage.
 */
export interface DebugState {
  /** Every row known to the panel, newest first: the full record where read, else its index entry. */
  jobs: Array<Job | IndexEntry>;
  /** False until the full index is loaded (only the newest rows are listed before). */
  complete: boolean;
  stats: Stats | null;
  sync: SyncState;
  settings: Settings;
  pendingChanges: number | null;
  storageError: StorageErrorValue | null;
}

export interface DebugMetrics {
  total: number;
  running: number;
  completed: number;
  failed: number;
  queued: number;
  waiting: number;
  /** Seconds, summed over completed jobs. */
  totalDuration: number;
  /** Seconds per completed job, 0 when there is none (as the seed reported). */
  avgDuration: number;
}

export interface DebugApi {
  getState(): DebugState;
  getMetrics(): DebugMetrics;
  /** Clears the history everywhere; the companion keeps job_history.json.backup. */
  clearHistory(): Promise<IntentReply>;
  /** Pulls from the companion now. */
  loadFromServer(): Promise<IntentReply>;
  /** Pushes local changes to the companion now. */
  saveToStorage(): Promise<IntentReply>;
  /** What Insights shows for '7d' (default), '30d', 'all' or `{ from, to }`; null while nothing is readable yet. */
  getInsights(range?: InsightsRange): Promise<Insights | null>;
}

export type SendIntent = (intent: IntentInput) => Promise<IntentReply>;

export function createDebugApi(
  data: Pick<PanelData, 'getSnapshot' | 'getJob'>,
  send: SendIntent,
  /** Insights' read side, imported on the first call (main.tsx); without it getInsights refuses. */
  insights?: () => Promise<InsightsSource>,
): DebugApi {
  return {
    getState() {
      const snap = data.getSnapshot();
      return {
        jobs: snap.entries.map((entry) => data.getJob(entry.id) ?? entry),
        complete: snap.phase === 'full',
        stats: snap.stats,
        sync: snap.sync,
        settings: snap.settings,
        pendingChanges: snap.outboxLength === null ? null : snap.outboxLength + (snap.stats?.idle ?? 0),
        storageError: snap.storageError,
      };
    },
    getMetrics() {
      const snap = data.getSnapshot();
      const stats = snap.stats;
      if (stats) {
        const avg = stats.avgDuration ?? 0;
        return {
          total: stats.total,
          running: stats.running,
          completed: stats.success,
          failed: stats.error,
          queued: stats.queued,
          waiting: stats.idle,
          totalDuration: avg * stats.success,
          avgDuration: avg,
        };
      }
      // No stats key yet: count what the panel has.
      const metrics: DebugMetrics = {
        total: 0,
        running: 0,
        completed: 0,
        failed: 0,
        queued: 0,
        waiting: 0,
        totalDuration: 0,
        avgDuration: 0,
      };
      for (const entry of snap.entries) {
        metrics.total++;
        if (entry.status === 'running') metrics.running++;
        else if (entry.status === 'queued') metrics.queued++;
        else if (entry.status === 'idle') metrics.waiting++;
        else if (entry.status === 'error') metrics.failed++;
        else {
          metrics.completed++;
          metrics.totalDuration += data.getJob(entry.id)?.duration ?? 0;
        }
      }
      metrics.avgDuration = metrics.completed ? metrics.totalDuration / metrics.completed : 0;
      return metrics;
    },
    clearHistory: () => send({ type: 'clearHistory' }),
    loadFromServer: () => send({ type: 'loadFromServer' }),
    saveToStorage: () => send({ type: 'saveToStorage' }),
    async getInsights(range = '7d') {
      const parsed = insightsRangeSchema.safeParse(range);
      if (!parsed.success)
        throw new TypeError(`getInsights: ${parsed.error.issues[0]?.message} (use '7d', '30d', 'all' or {from, to})`);
      if (!insights) throw new Error('getInsights: Insights is not available in this page');
      const snap = data.getSnapshot();
      return (await insights()).insightsFor(parsed.data, Date.now(), snap.phase === 'full' ? snap.entries : null);
    },
  };
}

const NAMES = ['getState', 'getMetrics', 'clearHistory', 'loadFromServer', 'saveToStorage', 'getInsights'] as const;

/** Puts the API on `target` (the panel's window); returns a function that takes it off again. */
export function installDebugApi(api: DebugApi, target: object = globalThis): () => void {
  const slots = target as Record<string, unknown>;
  const names = [...NAMES, 'app', 'state'];
  const previous = new Map(names.map((name) => [name, slots[name]]));
  for (const name of NAMES) slots[name] = api[name];
  slots.app = api;
  slots.state = api;
  return () => {
    for (const name of names) {
      const value = previous.get(name);
      if (value === undefined) delete slots[name];
      else slots[name] = value;
    }
  };
}
