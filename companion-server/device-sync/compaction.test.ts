/**
 * Compaction into snapshots and image deletion on the target (issue 22), in-process: real file stores in temp
 * data dirs, each with its own view of the shared folder, a SyncFolderClient carrying files between the views.
 */
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import {
  type Device,
  exchange,
  folder,
  holding,
  job,
  openDevice,
  runCleanup,
  type SyncOptions,
} from '../../tests/helpers/sync-devices';
import { SyncFolderClient } from '../../tests/helpers/sync-folder-client';
import { setOrganisingField, withoutSeq } from '../../utils/domain';
import { openDeviceSyncState } from '../store/device-sync-state';

afterEach(runCleanup);

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const options = (passphrase: string | null = null): { sync: SyncOptions } => ({
  sync: { passphrase, sealCost: FAST, sweepEveryMs: 0, compactBudget: { count: 3, bytes: 1024 * 1024 } },
});
const own = async (d: Device, view = d.view) => (await readdir(path.join(view, 'devices', d.store.device!))).sort();
const logsOf = (names: string[]) => names.filter((n) => n.startsWith('log-'));
const snapshotsOf = (names: string[]) => names.filter((n) => n.startsWith('snapshot-'));
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Opens devices one after another, each view given the first one's sync.json (when encrypted) before it starts. */
async function devices(root: string, names: string[], passphrase: string | null) {
  const views = names.map((n) => path.join(root, `view-${n}`));
  const client = new SyncFolderClient(views, 1, { deletions: true });
  const out: Device[] = [];
  for (const name of names) {
    out.push(await openDevice(root, name, options(passphrase)));
    await client.settle();
  }
  return { client, devices: out };
}

describe('compaction', () => {
  it.each([
    ['plain', null],
    ['encrypted', 'a passphrase'],
  ])(
    'keeps three companions converged, bounds each device’s files, and a new one starts from the snapshot (%s)',
    async (_, passphrase) => {
      const root = await folder();
      const { client, devices: three } = await devices(root, ['A', 'B', 'C'], passphrase);
      const [a, b, c] = three as [Device, Device, Device];
      for (let i = 0; i < 8; i++) {
        await a.store.merge([job(`a-${i}`)]);
        await b.store.merge([job(`b-${i}`)]);
        const held = c.store.get('a-0');
        if (held)
          await c.store.put(c.store.clock.stamp({ ...withoutSeq(held), prompt: `edit ${i}` }, withoutSeq(held)));
        await exchange(client, three);
      }
      for (const d of three) expect(holding(d), d.name).toEqual(holding(a));
      expect(a.store.get('a-0')!.prompt).toBe('edit 7');
      for (const d of three) {
        const names = await own(d);
        expect(logsOf(names).length, d.name).toBeLessThanOrEqual(4);
        expect(snapshotsOf(names), d.name).toHaveLength(1);
        expect(d.sync.status().quarantined, d.name).toEqual([]);
      }
      // Readers that had read the logs already are past the snapshot's line: they did not read it again.
      const state = (d: Device) => openDeviceSyncState({ dataDir: d.dataDir, log: () => undefined });
      const n = Number(snapshotsOf(await own(a))[0]!.slice('snapshot-'.length, 'snapshot-'.length + 9));
      expect((await state(b)).read().reads[a.store.device!]!.upTo).toBeGreaterThanOrEqual(n);
      // A new device gets only what is on the target now (the snapshot and the logs after it), and converges.
      const dView = path.join(root, 'view-D');
      const late = new SyncFolderClient([a.view, b.view, c.view, dView]);
      await late.settle();
      expect(logsOf(await own(a, dView)).length).toBeLessThanOrEqual(4);
      const d = await openDevice(root, 'D', options(passphrase));
      await exchange(late, [a, b, c, d]);
      expect(holding(d)).toEqual(holding(a));
      expect(d.store.get('a-0')!.prompt).toBe('edit 7');
      expect(d.sync.status().quarantined).toEqual([]);
    },
  );

  it('a reader that missed logs compacted away reads them in the snapshot', async () => {
    const root = await folder();
    const { client, devices: two } = await devices(root, ['A', 'B'], null);
    const [a, b] = two as [Device, Device];
    await a.store.merge([job('x-0')]);
    await exchange(client, two);
    // B is offline while A writes four passes and compacts them away.
    for (let i = 1; i <= 4; i++) {
      await a.store.merge([job(`x-${i}`)]);
      await a.sync.syncNow();
    }
    expect(snapshotsOf(await own(a))).toHaveLength(1);
    expect(logsOf(await own(a)).length).toBeLessThanOrEqual(3);
    await client.settle();
    await b.sync.syncNow();
    for (let i = 0; i <= 4; i++) expect(b.store.get(`x-${i}`), `x-${i}`).toBeDefined();
    expect(holding(b)).toEqual(holding(a));
  });

  it('a tampered snapshot part is quarantined and nothing of it is applied', async () => {
    const root = await folder();
    const { client, devices: two } = await devices(root, ['A', 'B'], 'pw');
    const [a, offline] = two as [Device, Device];
    // B is stopped while the files arrive and are tampered with (a running B would read them as they land).
    await offline.close();
    for (let i = 0; i < 5; i++) {
      await a.store.merge([job(`s-${i}`)]);
      await a.sync.syncNow();
    }
    await client.settle();
    const part = snapshotsOf(await own(a, offline.view))[0]!;
    const file = path.join(offline.view, 'devices', a.store.device!, part);
    const bytes = await readFile(file);
    bytes[bytes.length - 5]! ^= 1;
    await writeFile(file, bytes);
    // Only the snapshot holds the first jobs now, in B's view too (the logs it replaced never reached it).
    expect(logsOf(await own(a, offline.view)).some((name) => name.startsWith('log-000000001'))).toBe(false);
    const b = await openDevice(root, 'B', { ...options('pw'), dataDir: offline.dataDir });
    expect(b.sync.status().quarantined.some((q) => q.file.endsWith(part) && /authentication/.test(q.reason))).toBe(
      true,
    );
    expect(b.store.get('s-0')).toBeUndefined();
  });
});

describe('image deletion on the target', () => {
  it('waits until every device has seen the purge, and keeps an image a live job still points at', async () => {
    const root = await folder();
    const { client, devices: three } = await devices(root, ['A', 'B', 'C'], null);
    const [a, b, offline] = three as [Device, Device, Device];
    const gone = await a.store.putImage(makeSprite(16, 16, 'thrown away'));
    const kept = await a.store.putImage(makeSprite(16, 16, 'still used'));
    await a.store.merge([job('j-gone', { image: gone }), job('j-kept', { image: kept })]);
    await exchange(client, three);
    // B makes a job of its own with the second image: it stays needed after A purges its job.
    await b.store.merge([job('k-live', { options: { mode: 'bitforge', style_image: kept } })]);
    await exchange(client, three);
    // C is offline (stopped: a running one reads what arrives at once, its watcher sees the files land).
    await offline.close();
    for (const id of ['j-gone', 'j-kept']) {
      const held = withoutSeq(a.store.get(id)!);
      await a.store.merge([setOrganisingField(held, 'trashedAt', Date.now(), a.store.clock)]);
    }
    expect(await a.store.purge(['j-gone', 'j-kept'])).toHaveLength(2);
    const onTarget = (hash: string, d: Device = a) => exists(path.join(d.view, 'images', `${hash}.png`));
    // A and B go round and round, and the image stays: C has not read the purge.
    for (let i = 0; i < 3; i++) await exchange(client, [a, b]);
    expect(b.store.get('j-gone')).toMatchObject({ deleted: true });
    expect(await onTarget(gone)).toBe(true);
    expect(await onTarget(gone, b)).toBe(true);
    // C comes back and reads the purge; once its head says so, the image goes, and only that one.
    const c = await openDevice(root, 'C', { ...options(), dataDir: offline.dataDir });
    await exchange(client, [a, b, c]);
    await exchange(client, [a, b, c]);
    expect(await onTarget(gone)).toBe(false);
    expect(await onTarget(kept)).toBe(true);
    expect(c.store.get('j-gone')).toMatchObject({ deleted: true });
    expect(c.store.get('k-live')).toBeDefined();
    for (const d of [b, c]) expect(holding(d), d.name).toEqual(holding(a));
  });
});
