import type { KnownDevice } from '../../utils/domain/device-sync';
import type { DeviceSyncStateFile } from '../store/device-sync-state';
import type { JobStore } from '../store/types';
import { createDeviceRoster } from './device-roster';
import { createPublisher } from './publisher';
import { createReader, type Quarantined } from './reader';
import { openFolderTarget } from './targets/folder';
import { LOG_FILE, type SyncTarget } from './targets/types';

/** The folder is read at least this often, whatever the watcher says (issue 22: within 10 s of a file arriving). */
export const DEFAULT_POLL_MS = 5000;
/** How often the store is looked at for changes to publish: a number compare, so it costs nothing. */
const PUBLISH_CHECK_MS = 200;
/** Watcher events come in bursts while a sync client writes: one pass after the burst. */
const WATCH_SETTLE_MS = 100;
/** The other devices' names and last writes are read again at least this often (and whenever lines arrive). */
const ROSTER_EVERY_MS = 30_000;

export interface DeviceSyncStatus {
  target: string;
  deviceId: string;
  deviceName: string;
  /** When a pass last finished without an error, or null. */
  lastSyncAt: number | null;
  lastError: string | null;
  /** Bytes this device wrote to the target since it started. */
  bytesWritten: number;
  linesRead: number;
  quarantined: Quarantined[];
  /** The other devices on the target: names from their head.json, when they last wrote. */
  devices: KnownDevice[];
  /** --sync-readonly: this device reads the target and never writes to it. */
  readonly: boolean;
  /** Why the target cannot be read without a passphrase (none, or a wrong one), or null (seal.ts sets it). */
  passphraseNeeded: string | null;
}

export interface DeviceSync {
  /** One publish and read pass now (after the one running, if any). */
  syncNow(): Promise<void>;
  status(): DeviceSyncStatus;
  /** Stops watching and polling, and publishes what is left; call before the store closes. */
  stop(): Promise<void>;
}

/**
 * Every-device sync through a folder (issue 22): no locks, since no file is written by two devices. Publishes this
 * store's accepted changes to its own log, and merges the other devices' logs into the store, on a change here,
 * on a watcher event, and at least every `pollMs`.
 */
export async function startDeviceSync(options: {
  store: JobStore;
  /** The target, or a folder to open as one. */
  target?: SyncTarget;
  syncDir?: string;
  deviceName: string;
  state: DeviceSyncStateFile;
  log?: (line: string) => void;
  pollMs?: number;
  now?: () => number;
  /** --sync-readonly: read the other devices' files, write nothing to the target (no log, no head, no image). */
  readonly?: boolean;
}): Promise<DeviceSync> {
  const { store, state } = options;
  const log = options.log ?? ((line: string) => console.warn(line));
  const now = options.now ?? Date.now;
  const deviceId = state.read().deviceId;
  if (store.device !== deviceId) throw new Error('The store was opened without this device id (device-sync-state.ts)');
  if (!options.target && !options.syncDir) throw new Error('Device sync needs a target or a folder');
  const target: SyncTarget = options.target ?? (await openFolderTarget(options.syncDir!, deviceId));
  const publisher = createPublisher({ store, target, state, deviceName: options.deviceName, log });
  const reader = createReader({ store, target, state, echoes: publisher.echoes, log, now });
  const readonly = options.readonly === true;
  const roster = createDeviceRoster({
    devices: () => target.devices(),
    readHead: (device, max) => target.read(device, 'head.json', max),
    async lastWrite(device) {
      const files = (await target.list(device)).filter((file) => LOG_FILE.test(file.name));
      return files.length === 0 ? null : Math.max(...files.map((f) => f.mtimeMs));
    },
  });
  let rosterAt = Number.NEGATIVE_INFINITY;
  // Set by the encryption (seal.ts) when the target needs a passphrase this device lacks: no pass reads it then.
  const passphraseNeeded: string | null = null;

  let lastSyncAt: number | null = null;
  let lastError: string | null = null;
  let bytesWritten = 0;
  let linesRead = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let watched: string | null = null;
  let unwatch: () => void = () => undefined;
  let publishedUpTo = -1;

  async function pass() {
    try {
      if (!readonly) bytesWritten += await publisher.publish();
      publishedUpTo = store.lastSeq;
      const read = await reader.read();
      linesRead += read.lines;
      // What the merge wrote goes out at once (only what differs from the target: see reader.ts echoes).
      if (read.applied > 0 && !readonly) bytesWritten += await publisher.publish();
      // Echoes are pruned by publishing, which a reader-only device never does.
      if (readonly) publisher.echoes.clear();
      const devices = (await target.devices()).join(',');
      if (read.lines > 0 || devices !== watched || now() - rosterAt >= ROSTER_EVERY_MS) {
        await roster.refresh();
        rosterAt = now();
      }
      lastSyncAt = now();
      if (lastError) log('Device sync: working again');
      lastError = null;
      // A folder is watched (a new device's folder too); a remote target is only polled.
      if (target.watch && devices !== watched && !stopped) {
        unwatch();
        unwatch = target.watch(() => schedule(WATCH_SETTLE_MS));
      }
      watched = devices;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      if (message !== lastError) log(`Device sync: ${message}; trying again`);
      lastError = message;
    }
  }

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await pass();
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  let pending: NodeJS.Timeout | null = null;
  function schedule(delay: number) {
    if (stopped || pending) return;
    pending = setTimeout(() => {
      pending = null;
      void run();
    }, delay);
  }

  const poll = setInterval(() => schedule(0), options.pollMs ?? DEFAULT_POLL_MS);
  const changes = setInterval(() => {
    if (store.lastSeq !== publishedUpTo) schedule(0);
  }, PUBLISH_CHECK_MS);
  await run();
  log(
    `Device sync: ${target.describe()} as "${options.deviceName}" (${deviceId})${readonly ? ', read-only: nothing is written there' : ''}`,
  );

  return {
    async syncNow() {
      // A pass that began before this call may have missed what the caller just did: wait for it, then run one.
      await running;
      await run();
    },
    status: () => ({
      target: target.describe(),
      deviceId,
      deviceName: options.deviceName,
      lastSyncAt,
      lastError,
      bytesWritten,
      linesRead,
      quarantined: reader.quarantined(),
      devices: roster.devices(),
      readonly,
      passphraseNeeded,
    }),
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(changes);
      if (pending) clearTimeout(pending);
      unwatch();
      await running;
      if (readonly) return;
      bytesWritten += await publisher.publish().catch((error: unknown) => {
        log(`Device sync: could not publish the last changes (${String(error)}); they go at the next start`);
        return 0;
      });
    },
  };
}
