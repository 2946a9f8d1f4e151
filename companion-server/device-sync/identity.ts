import { isAbsolute, relative, resolve } from 'node:path';
import { type DeviceSyncStateFile, openDeviceSyncState, readDeviceId } from '../store/device-sync-state';

/**
 * This data dir's device id, known before the store opens (its start must not fail another device's running
 * jobs): with --sync-dir the state is opened (an id made on first use); without, an id from an earlier sync is
 * still honoured, so jobs that came from other devices are never run here. With --sync-url as with --sync-dir.
 */
export async function openDeviceIdentity(
  dataDir: string,
  syncDir: string | null,
  log: (line: string) => void,
  /** --sync-url: a remote target, which cannot overlap the data dir. */
  remote = false,
): Promise<{ deviceId: string | null; state: DeviceSyncStateFile | null }> {
  if (!syncDir && !remote) return { deviceId: await readDeviceId(dataDir), state: null };
  const problem = syncDir ? overlap(resolve(dataDir), resolve(syncDir)) : null;
  if (problem) throw new Error(problem);
  const state = await openDeviceSyncState({ dataDir, log });
  return { deviceId: state.read().deviceId, state };
}

/** The sync folder holds every device's files; the data dir this device's own. One inside the other mixes them. */
function overlap(dataDir: string, syncDir: string): string | null {
  const inside = (child: string, parent: string) => {
    const rel = relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  if (inside(syncDir, dataDir))
    return `--sync-dir ${syncDir} is the data dir or inside it: give a folder of its own (for example beside it)`;
  if (inside(dataDir, syncDir))
    return `The data dir ${dataDir} is inside --sync-dir ${syncDir}: other devices would read it; keep them apart`;
  return null;
}
