import type { KnownDevice } from '../../utils/domain/device-sync';
import type { DeviceSyncStateFile } from '../store/device-sync-state';
import type { JobStore } from '../store/types';
import { type CompactBudget, createCompactor } from './compact';
import { createDeviceRoster } from './device-roster';
import { createImageSweep } from './image-sweep';
import { passListing } from './pass-listing';
import { createPublisher } from './publisher';
import { createReader, type Quarantined } from './reader';
import { type ScryptCost, SealError } from './seal';
import { decideSeal, sealTarget } from './sealed-target';
import { openFolderTarget } from './targets/folder';
import { LOG_FILE, type SyncTarget } from './targets/types';

/** The folder is read at least this often, whatever the watcher says (issue 22: within 10 s of a file arriving). */
export const DEFAULT_POLL_MS = 5000;
/**
 * A remote target (each request billed) is read this often once passes find nothing: a file that arrives is
 * still seen within 10 s (this, plus a pass of one listing). A folder is watched, and stays at DEFAULT_POLL_MS.
 */
export const REMOTE_IDLE_POLL_MS = 8000;
/** Passes in a row that read and wrote nothing before the poll backs off to the idle interval. */
const IDLE_AFTER_PASSES = 3;

/** The wait before the next poll, from the passes in a row that found nothing to read or write. */
export const nextPollMs = (idlePasses: number, pollMs: number, idlePollMs: number) =>
  idlePasses >= IDLE_AFTER_PASSES ? idlePollMs : pollMs;
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
  /** Every byte written to the target is sealed (seal.ts); absent means no. */
  encrypted?: boolean;
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
  /** The poll once idle (REMOTE_IDLE_POLL_MS for a remote target; a folder keeps pollMs); never below pollMs. */
  idlePollMs?: number;
  now?: () => number;
  /** COMPANION_SYNC_PASSPHRASE or the 0600 passphrase file (secrets/sync-passphrase.ts); null: no encryption asked for. */
  passphrase?: string | null;
  /** The scrypt cost of a new target's sync.json (tests use the lowest accepted one). */
  sealCost?: ScryptCost;
  compactBudget?: CompactBudget;
  /** Images are looked at for deletion from the target at most this often (it parses the history). */
  sweepEveryMs?: number;
  /** --sync-readonly: read the other devices' files, write nothing to the target (no log, no head, no image). */
  readonly?: boolean;
  /** `wait` (default): resolves after the first pass; `background`: resolves at once, the pass running on. */
  firstPass?: 'wait' | 'background';
}): Promise<DeviceSync> {
  const { store, state } = options;
  const log = options.log ?? ((line: string) => console.warn(line));
  const now = options.now ?? Date.now;
  const deviceId = state.read().deviceId;
  if (store.device !== deviceId) throw new Error('The store was opened without this device id (device-sync-state.ts)');
  if (!options.target && !options.syncDir) throw new Error('Device sync needs a target or a folder');
  const raw: SyncTarget = options.target ?? (await openFolderTarget(options.syncDir!, deviceId));
  const readonly = options.readonly === true;
  const sweepEveryMs = options.sweepEveryMs ?? 60_000;
  let sweptAt = Number.NEGATIVE_INFINITY;
  let engine: ReturnType<typeof build> | null = null;
  let encrypted = false;

  function build(sealed: SyncTarget) {
    // On a remote target, each pass lists the whole tree once and every part reads that listing.
    const listing = passListing(sealed, deviceId);
    const target = listing.target;
    const publisher = createPublisher({ store, target, state, deviceName: options.deviceName, log });
    return {
      target,
      listing,
      publisher,
      // A watched folder is local: asking it for a missing image costs nothing (missing-images.ts).
      reader: createReader({
        store,
        target,
        state,
        echoes: publisher.echoes,
        log,
        now,
        imagesEveryPass: target.watch !== undefined,
      }),
      compactor: createCompactor({ target, state, deviceId, log, budget: options.compactBudget }),
      sweep: createImageSweep({ store, target, state, log }),
      roster: createDeviceRoster({
        devices: () => target.devices(),
        readHead: (device, max) => listing.readHead(device, max),
        async lastWrite(device) {
          const files = (await target.list(device)).filter((f) => LOG_FILE.test(f.name));
          return files.length === 0 ? null : Math.max(...files.map((f) => f.mtimeMs));
        },
      }),
    };
  }
  let rosterAt = Number.NEGATIVE_INFINITY;
  let rosterDevices: string | null = null;

  /** Whether the target is encrypted, before anything is written; null: a passphrase is needed (and why). */
  async function decide(): Promise<string | null> {
    const passphrase = options.passphrase ?? null;
    const sealing = await decideSeal({ target: raw, deviceId, passphrase, cost: options.sealCost, readonly });
    if (sealing.kind === 'passphrase needed') return sealing.reason;
    encrypted = sealing.kind === 'sealed';
    engine = build(sealing.kind === 'sealed' ? sealTarget(raw, sealing.seal, deviceId) : raw);
    return null;
  }

  // A wrong passphrase refuses the start (SealError); a missing one leaves sync idle; a target that cannot be
  // reached now is decided at the first pass that reaches it (nothing is written before).
  let undecided: string | null = null;
  try {
    const needed = await decide();
    if (needed) {
      log(`Device sync: ${raw.describe()}: ${needed}`);
      return idleSync(raw.describe(), deviceId, options.deviceName, needed, readonly);
    }
  } catch (error) {
    if (error instanceof SealError) throw error;
    undecided = (error as Error).message ?? String(error);
  }
  let passphraseNeeded: string | null = null;

  let lastSyncAt: number | null = null;
  let lastError: string | null = undecided;
  let bytesWritten = 0;
  let linesRead = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let watched: string | null = null;
  let unwatch: () => void = () => undefined;
  let publishedUpTo = -1;
  let idlePasses = 0;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const idlePollMs = Math.max(pollMs, options.idlePollMs ?? (raw.watch ? pollMs : REMOTE_IDLE_POLL_MS));

  async function pass() {
    if (passphraseNeeded) return;
    try {
      if (!engine) {
        try {
          passphraseNeeded = await decide();
        } catch (error) {
          if (!(error instanceof SealError)) throw error;
          passphraseNeeded = error.message;
        }
        if (passphraseNeeded) {
          lastError = passphraseNeeded;
          log(`Device sync: ${passphraseNeeded}; this device does not sync until it restarts with the passphrase`);
          return;
        }
      }
      const { target, listing, publisher, reader, compactor, sweep, roster } = engine!;
      await listing.refresh();
      const before = bytesWritten;
      if (!readonly) bytesWritten += await publisher.publish();
      publishedUpTo = store.lastSeq;
      const read = await reader.read();
      linesRead += read.lines;
      // What the merge wrote goes out at once (only what differs from the target: see reader.ts echoes).
      if (read.applied > 0 && !readonly) bytesWritten += await publisher.publish();
      // Echoes are pruned by publishing, which a reader-only device never does.
      if (readonly) publisher.echoes.clear();
      if (!readonly) bytesWritten += await compactor.compact();
      if (!readonly && now() - sweptAt >= sweepEveryMs) {
        sweptAt = now();
        await sweep.sweep();
      }
      const devices = (await target.devices()).join(',');
      if (read.lines > 0 || devices !== rosterDevices || now() - rosterAt >= ROSTER_EVERY_MS) {
        await roster.refresh();
        rosterAt = now();
        rosterDevices = devices;
      }
      idlePasses = read.lines > 0 || bytesWritten > before ? 0 : idlePasses + 1;
      lastSyncAt = now();
      if (lastError) log('Device sync: working again');
      lastError = null;
      // A folder is watched (a new device's folder too); a remote target is only polled.
      if (target.watch && devices !== watched && !stopped) {
        watched = devices;
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
      armPoll();
    });
    return running;
  }

  /** The next poll, counted from the end of the last pass: sooner while things move, later once idle. */
  let poll: NodeJS.Timeout | null = null;
  function armPoll() {
    if (poll) clearTimeout(poll);
    poll = null;
    if (stopped) return;
    poll = setTimeout(() => schedule(0), nextPollMs(idlePasses, pollMs, idlePollMs));
  }

  let pending: NodeJS.Timeout | null = null;
  function schedule(delay: number) {
    if (stopped || pending) return;
    pending = setTimeout(() => {
      pending = null;
      void run();
    }, delay);
  }

  armPoll();
  const changes = setInterval(() => {
    if (store.lastSeq !== publishedUpTo) schedule(0);
  }, PUBLISH_CHECK_MS);
  // The companion does not wait for the first pass (`background`): a new device listens, and shows the jobs
  // merged so far, from the start instead of after reading every other device.
  if (options.firstPass === 'background') void run();
  else await run();
  const describe = () => engine?.target.describe() ?? raw.describe();
  log(
    `Device sync: ${describe()} as "${options.deviceName}" (${deviceId})${readonly ? ', read-only: nothing is written there' : ''}`,
  );

  return {
    async syncNow() {
      // A pass that began before this call may have missed what the caller just did: wait for it, then run one.
      await running;
      await run();
    },
    status: () => ({
      target: describe(),
      deviceId,
      deviceName: options.deviceName,
      lastSyncAt,
      lastError,
      bytesWritten,
      linesRead,
      quarantined: engine?.reader.quarantined() ?? [],
      encrypted,
      devices: engine?.roster.devices() ?? [],
      readonly,
      passphraseNeeded,
    }),
    async stop() {
      stopped = true;
      if (poll) clearTimeout(poll);
      clearInterval(changes);
      if (pending) clearTimeout(pending);
      unwatch();
      await running;
      if (!engine || readonly) return;
      bytesWritten += await engine.publisher.publish().catch((error: unknown) => {
        log(`Device sync: could not publish the last changes (${String(error)}); they go at the next start`);
        return 0;
      });
    },
  };
}

/** Sync that does nothing: the target is encrypted and this device has no passphrase. Nothing is written. */
function idleSync(target: string, deviceId: string, deviceName: string, reason: string, readonly: boolean): DeviceSync {
  return {
    syncNow: async () => undefined,
    stop: async () => undefined,
    status: () => ({
      target,
      deviceId,
      deviceName,
      lastSyncAt: null,
      lastError: reason,
      bytesWritten: 0,
      linesRead: 0,
      quarantined: [],
      encrypted: true,
      devices: [],
      readonly,
      passphraseNeeded: reason,
    }),
  };
}
