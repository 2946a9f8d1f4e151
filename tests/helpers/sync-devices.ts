/**
 * Devices for device-sync tests (issue 22), in-process: a real file store in a temp data dir each, with device sync
 * started on its own view of the shared folder (a SyncFolderClient carries files between the views).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type DeviceSync, startDeviceSync } from '../../companion-server/device-sync/device-sync';
import type { SyncTarget } from '../../companion-server/device-sync/targets/types';
import { openDeviceSyncState } from '../../companion-server/store/device-sync-state';
import { createFileStore } from '../../companion-server/store/file-store';
import type { JobStore } from '../../companion-server/store/types';
import { addToSetField, canonicalJson, type Job, withoutSeq } from '../../utils/domain';
import type { SyncFolderClient } from './sync-folder-client';
import { makeTempDir } from './temp-dir';

/** Steps to undo after each test, newest first: call `runCleanup` in afterEach. */
export const cleanup: (() => Promise<unknown>)[] = [];
export async function runCleanup() {
  for (const step of cleanup.splice(0).reverse()) await step();
}

export interface Device {
  name: string;
  dataDir: string;
  view: string;
  store: JobStore;
  sync: DeviceSync;
  logs: string[];
  close(): Promise<void>;
}
export async function folder() {
  const t = await makeTempDir('pixellab-devsync-');
  cleanup.push(t.remove);
  return t.dir;
}

/** Passed on to startDeviceSync as they are (encryption, compaction, the image sweep). */
export type SyncOptions = Pick<
  Parameters<typeof startDeviceSync>[0],
  'passphrase' | 'sealCost' | 'compactBudget' | 'sweepEveryMs' | 'now'
>;

export async function openDevice(
  root: string,
  name: string,
  options: {
    now?: () => number;
    dataDir?: string;
    /** A target of its own (WebDAV, S3) instead of a view of the shared folder. */
    target?: (deviceId: string) => SyncTarget | Promise<SyncTarget>;
    log?: (line: string) => void;
    sync?: SyncOptions;
  } = {},
) {
  const dataDir = options.dataDir ?? path.join(root, `data-${name}`);
  const view = path.join(root, `view-${name}`);
  await mkdir(view, { recursive: true });
  const logs: string[] = [];
  const log = (line: string) => {
    logs.push(line);
    options.log?.(line);
  };
  const state = await openDeviceSyncState({ dataDir, log });
  const store = await createFileStore({ dataDir, log, now: options.now, device: state.read().deviceId });
  const target = options.target ? await options.target(state.read().deviceId) : undefined;
  const sync = await startDeviceSync({
    store,
    target,
    syncDir: view,
    deviceName: name,
    state,
    log,
    pollMs: 60_000,
    ...options.sync,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  let closed = false;
  const device: Device = {
    name,
    dataDir,
    view,
    store,
    sync,
    logs,
    async close() {
      if (closed) return;
      closed = true;
      await sync.stop();
      await store.close();
    },
  };
  cleanup.push(() => device.close());
  return device;
}

let counter = 0;
export function job(id: string, fields: Partial<Job> = {}): Job {
  const at = 1_780_000_000_000 + ++counter;
  return {
    id,
    kind: 'generate',
    prompt: `sprite ${id}`,
    width: 64,
    height: 64,
    seed: null,
    status: 'success',
    error: null,
    image: null,
    rotate: null,
    groupId: null,
    startTime: null,
    endTime: null,
    duration: null,
    createdAt: at,
    updatedAt: at,
    deleted: false,
    ...fields,
  } as Job;
}

/** Every device publishes, the client (none: a shared remote target) carries everything, every device reads. */
export async function exchange(client: SyncFolderClient | null, devices: Device[]) {
  for (let i = 0; i < 3; i++) {
    for (const d of devices) await d.sync.syncNow();
    await client?.settle();
    for (const d of devices) await d.sync.syncNow();
  }
}

/** What a device holds, seq aside: equal on every device once they converged. */
export const holding = (d: Device) =>
  d.store
    .changesSince(0, 100_000)
    .changes.map((j) => canonicalJson(withoutSeq(j)))
    .sort();

/** What a run of random edits made and deleted, by id. */
export interface EditLog {
  made: string[];
  deleted: Set<string>;
}

/**
 * One random user action on device `d` at `step`: a new job (2 in 5, and always while it knows none), else a prompt
 * edit, a tag or a delete of a job it holds live from `log.made`, minus `keep`. Job-wide edits and deletes are
 * last-writer-wins: an edit made without seeing a delete comes after it, so it takes the job out of `deleted`.
 */
export async function randomEdit(
  d: Device,
  step: number,
  random: () => number,
  log: EditLog,
  keep: ReadonlySet<string> = new Set(),
): Promise<void> {
  const known = log.made.filter((id) => !keep.has(id) && d.store.get(id) && !d.store.get(id)!.deleted);
  const action = known.length === 0 ? 0 : Math.floor(random() * 5);
  if (action <= 1) {
    const id = `job-${d.name}-${step}`;
    log.made.push(id);
    await d.store.merge([job(id)]);
    return;
  }
  const base = withoutSeq(d.store.get(known[Math.floor(random() * known.length)]!)!);
  if (action === 2) {
    log.deleted.delete(base.id);
    await d.store.put(d.store.clock.stamp({ ...base, prompt: `${base.prompt} +${d.name}` }, base));
  } else if (action === 3) await d.store.merge([addToSetField(base, 'tags', [`t${step}`], d.store.clock, 50)]);
  else {
    log.deleted.add(base.id);
    await d.store.put(d.store.clock.stamp({ ...base, deleted: true }, base));
  }
}
