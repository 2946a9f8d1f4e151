import { type CompanionClient, CompanionError } from '@/utils/companion-client';
import type { HistoryStore } from '@/utils/history/store';

/**
 * Reads today's spend and the daily limit into the sync state, for the status bar. Part of every sync so the
 * figure follows each paid job; a companion without the route (older) clears it, and a failure of this read
 * alone keeps the last figure rather than failing the sync, which has already done its work.
 */
export async function readSpend(store: HistoryStore, client: CompanionClient): Promise<void> {
  try {
    const spend = await client.getSpend();
    await store.setSyncState({
      spend: spend && {
        todayUsd: spend.todayUsd,
        maxUsdPerDay: spend.limits.maxUsdPerDay,
        resetsAt: spend.resetsAt,
      },
    });
  } catch (error) {
    if (!(error instanceof CompanionError)) throw error;
  }
}
