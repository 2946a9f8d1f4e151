import { type CompanionClient, CompanionError } from '@/utils/companion-client';
import type { HistoryStore } from '@/utils/history/store';

/**
 * Reads the companion's every-device sync (target, state, devices by name) into the sync state, for the status
 * line and for naming who made each job. Part of every sync, as the spend is; a companion that does not sync (or is
 * older) clears it, and a failure of this read alone keeps the last answer rather than failing the sync.
 */
export async function readDeviceSync(store: HistoryStore, client: CompanionClient): Promise<void> {
  try {
    await store.setSyncState({ deviceSync: await client.getDeviceSync() });
  } catch (error) {
    if (!(error instanceof CompanionError)) throw error;
  }
}
