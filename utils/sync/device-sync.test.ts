import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { DeviceSyncStatus as SyncRun } from '@/companion-server/device-sync/device-sync';
import { createClock, job, replica, startCompanion } from '@/tests/helpers/sync-world';
import type { StorageAreaLike } from '@/utils/storage/area';

const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const LAPTOP = 'd-1aptop000000001';
const DESKTOP = 'd-desktop00000002';

beforeEach(() => fakeBrowser.reset());

/** The companion's sync run as device-sync.ts reports it (that side is tested over HTTP in tests/server). */
function run(patch: Partial<SyncRun> = {}): SyncRun {
  return {
    target: '/sync/folder',
    deviceId: LAPTOP,
    deviceName: 'Laptop',
    lastSyncAt: 1_000,
    lastError: null,
    bytesWritten: 0,
    linesRead: 0,
    quarantined: [],
    devices: [{ id: DESKTOP, name: 'Desktop', lastSeen: 900 }],
    readonly: false,
    passphraseNeeded: null,
    ...patch,
  };
}

describe('the background reads the companion’s device sync', () => {
  it('into the sync state at every sync, and the jobs it pulls keep who made them in the index', async () => {
    const clock = createClock();
    let status = run();
    const companion = startCompanion(clock, {
      jobs: [job({ id: 'job-1', device: DESKTOP, author: 'Rui' } as Parameters<typeof job>[0])],
      deviceSync: { status: () => status },
    });
    const { store, engine } = replica(local(), clock, () => companion);
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    expect((await store.getSyncState()).deviceSync).toEqual({
      target: '/sync/folder',
      device: { id: LAPTOP, name: 'Laptop' },
      author: null,
      readonly: false,
      state: { kind: 'synced', at: 1_000 },
      devices: [{ id: DESKTOP, name: 'Desktop', lastSeen: 900 }],
      quarantined: 0,
    });
    expect((await store.getIndex()).find((e) => e.id === 'job-1')).toMatchObject({ device: DESKTOP, author: 'Rui' });
    status = run({ lastError: 'EACCES: permission denied' });
    clock.advance(1_000);
    await engine.syncOnce({ force: true });
    expect((await store.getSyncState()).deviceSync?.state).toEqual({
      kind: 'offline',
      error: 'EACCES: permission denied',
      at: 1_000,
    });
  });

  it('clears it when the companion does not sync', async () => {
    const clock = createClock();
    const companion = startCompanion(clock);
    const { store, engine } = replica(local(), clock, () => companion);
    await store.setSyncState({
      deviceSync: {
        target: 'x',
        device: { id: LAPTOP, name: 'Laptop' },
        author: null,
        readonly: false,
        state: { kind: 'starting' },
        devices: [],
        quarantined: 0,
      },
    });
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    expect((await store.getSyncState()).deviceSync).toBeNull();
  });
});
