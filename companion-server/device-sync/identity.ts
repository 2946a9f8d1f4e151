import { type DeviceSyncStateFile, openDeviceSyncState, readDeviceId } from '../store/device-sync-state';

/**
 * This data dir's device id, known before the store opens (its start must not fail another device's running
 * jobs): with --sync-dir the state is opened (an id made on first use); without, an id from an earlier sync is
 * still honoured, so jobs that came from other devices are never run here.
 */
export async function openDeviceIdentity(
  dataDir: string,
  syncDir: string | null,
  log: (line: string) => void,
): Promise<{ deviceId: string | null; state: DeviceSyncStateFile | null }> {
  if (!syncDir) return { deviceId: await readDeviceId(dataDir), state: null };
  const state = await openDeviceSyncState({ dataDir, log });
  return { deviceId: state.read().deviceId, state };
}
