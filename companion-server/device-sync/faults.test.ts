/**
 * Device sync through a folder (issue 22) under what sync clients and users do to the folder: partial copies,
 * files out of order or held back, conflict copies, deletions by hand, corrupt, hostile and forged files.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { seededRandom } from '../../tests/helpers/seeded-random';
import {
  cleanup,
  type EditLog,
  exchange,
  folder,
  holding,
  job,
  openDevice,
  randomEdit,
  runCleanup,
} from '../../tests/helpers/sync-devices';
import { SyncFolderClient } from '../../tests/helpers/sync-folder-client';
import { pixellabDouble } from '../../tests/reliability/support';
import { withoutSeq } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { createRunner } from '../paid/runner';
import { formatLine } from './line-format';
import { openFolderTarget } from './targets/folder';
import { TargetHttpError, TargetUnreachableError } from './targets/http';

afterEach(runCleanup);

describe('what sync clients do', () => {
  it.each([7, 11, 23])(
    'three devices converge through partial writes, out-of-order files, conflict copies, held-back files and hand deletions (seed %i)',
    async (seed) => {
      const root = await folder();
      const devices = [await openDevice(root, 'A'), await openDevice(root, 'B'), await openDevice(root, 'C')];
      const client = new SyncFolderClient(
        devices.map((d) => d.view),
        seed,
      );
      const random = seededRandom(seed * 31);
      const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
      const log: EditLog = { made: [], deleted: new Set() };
      for (let step = 0; step < 40; step++) {
        const d = pick(devices);
        await randomEdit(d, step, random, log);
        await d.sync.syncNow();
        await client.round({ share: 0.5, partial: 0.3, conflict: 0.2 });
        // Now and then a user tidies up another device's file by hand in their view (the client brings it back).
        if (random() < 0.1) {
          const view = Math.floor(random() * 3);
          const owner = pick(devices.filter((_, i) => i !== view));
          const dir = path.join(devices[view]!.view, 'devices', owner.store.device!);
          const logs = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('log-'));
          if (logs.length > 0) await client.remove(view, path.join('devices', owner.store.device!, pick(logs)));
        }
        for (const other of devices) if (random() < 0.5) await other.sync.syncNow();
      }
      await exchange(client, devices);
      expect(client.log.some((l) => l.startsWith('cut'))).toBe(true);
      expect(client.log.some((l) => l.startsWith('conflict'))).toBe(true);
      const live = log.made.filter((id) => !log.deleted.has(id)).sort();
      for (const d of devices) {
        expect(
          d.store
            .liveIndex()
            .map((e) => e.id)
            .sort(),
          d.name,
        ).toEqual(live);
        expect(d.sync.status().quarantined, d.name).toEqual([]);
      }
      expect(holding(devices[1]!)).toEqual(holding(devices[0]!));
      expect(holding(devices[2]!)).toEqual(holding(devices[0]!));
    },
  );

  it('a file deleted by hand loses nothing local, and a device whose own log went is sent again in full', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    await a.store.merge([job('job-1'), job('job-2')]);
    await exchange(client, [a, b]);
    const aDir = path.join('devices', a.store.device!);
    const [segment] = (await readdir(path.join(a.view, aDir))).filter((n) => n.startsWith('log-'));
    // Deleted in B's view: B keeps what it merged.
    await client.remove(1, path.join(aDir, segment!));
    await b.sync.syncNow();
    expect(b.store.liveCount).toBe(2);
    // Deleted in A's own view: A writes its history again, so a device that comes later gets everything.
    await client.remove(0, path.join(aDir, segment!));
    await a.sync.syncNow();
    expect(a.logs.some((l) => l.includes('sending the history again'))).toBe(true);
    await a.close();
    const a2 = await openDevice(root, 'A', { dataDir: a.dataDir });
    const c = await openDevice(root, 'C');
    const client3 = new SyncFolderClient([a2.view, b.view, c.view]);
    await exchange(client3, [a2, b, c]);
    expect(c.store.liveCount).toBe(2);
  });

  it('a listing that lags a just-written object is no deletion: one change still writes a few KB, not the history', async () => {
    const root = await folder();
    // A store whose listings leave out new objects (some S3-compatible ones): here, for good.
    const unlisted = new Set<string>();
    const a = await openDevice(root, 'A', {
      async target(deviceId) {
        const inner = await openFolderTarget(path.join(root, 'view-A'), deviceId);
        return {
          ...inner,
          async writeOwn(name, bytes) {
            await inner.writeOwn(name, bytes);
            unlisted.add(name);
          },
          list: async (device) => (await inner.list(device)).filter((f) => !unlisted.has(f.name)),
        };
      },
    });
    await a.store.merge(Array.from({ length: 300 }, (_, i) => job(`job-${i + 1}`)));
    await a.sync.syncNow();
    const before = a.sync.status().bytesWritten;
    const held = withoutSeq(a.store.get('job-7')!);
    await a.store.put(a.store.clock.stamp({ ...held, prompt: 'changed' }, held));
    await a.sync.syncNow();
    expect(a.logs.filter((l) => l.includes('sending the history again'))).toEqual([]);
    expect(a.sync.status().bytesWritten - before).toBeLessThan(4096);
  });

  it('a read the server fails (503, a connection cut mid-answer) is no quarantine: the file is read at the next pass', async () => {
    const root = await folder();
    const shared = path.join(root, 'shared');
    const failures = [
      new TargetHttpError(503, 'GET head.json: 503 Service Unavailable'),
      new TargetUnreachableError('GET log: unreachable (terminated)'),
    ];
    const a = await openDevice(root, 'A', { target: (id) => openFolderTarget(shared, id) });
    const b = await openDevice(root, 'B', {
      async target(deviceId) {
        const inner = await openFolderTarget(shared, deviceId);
        return {
          ...inner,
          async read(device, name, max) {
            const failure = device !== deviceId ? failures.shift() : undefined;
            if (failure) throw failure;
            return inner.read(device, name, max);
          },
        };
      },
    });
    await a.store.merge([job('job-1')]);
    await a.sync.syncNow();
    await b.sync.syncNow();
    expect(b.sync.status().lastError).toMatch(/503|unreachable/);
    await b.sync.syncNow();
    expect(b.sync.status().lastError).toBeNull();
    expect(b.store.get('job-1')).toBeDefined();
    expect(b.sync.status().quarantined).toEqual([]);
  });

  it('a corrupt or hostile file is quarantined: reported, skipped, and nothing local is damaged', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    await a.store.merge([job('job-1')]);
    await b.store.merge([job('job-b')]);
    await exchange(client, [a, b]);
    const before = holding(b);
    const aDir = path.join(b.view, 'devices', a.store.device!);
    const good = (
      await readFile(path.join(aDir, (await readdir(aDir)).find((n) => n.startsWith('log-'))!), 'utf8')
    ).split('\n')[0]!;
    const hostile = path.join(b.view, 'devices', 'd-ffffffffffffffff');
    await mkdir(hostile, { recursive: true });
    await writeFile(path.join(hostile, 'log-000000001.jsonl'), 'not json at all\n\u0000\u0000garbage\n');
    // A good line of A's, copied under another device's folder: the names do not match.
    await writeFile(path.join(hostile, 'log-000000002.jsonl'), `${good}\n`);
    // A line whose checksum holds but whose job fails the schema (a width of 99999).
    const evil = good.replace(/"width":64/, '"width":99999');
    await writeFile(path.join(aDir, 'log-000000099.jsonl'), `${evil}\n`);
    await b.sync.syncNow();
    const reasons = b.sync.status().quarantined.map((q) => `${q.file}: ${q.reason}`);
    expect(reasons.join('\n')).toMatch(/d-ffffffffffffffff\/log-000000001\.jsonl: a line it is incomplete/);
    expect(reasons.join('\n')).toMatch(/names device/);
    expect(reasons.join('\n')).toMatch(/log-000000099\.jsonl: a line its checksum does not match/);
    expect(holding(b)).toEqual(before);
    // Still working: a change from A still arrives.
    await a.store.merge([job('job-2')]);
    await exchange(client, [a, b]);
    expect(b.store.get('job-2')).toBeDefined();
  });

  it('a job that names this device but never was accepted here is refused: a forged line cannot make it spend', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const pixellab = pixellabDouble();
    const runner = createRunner({ store: b.store, pixellab, log: () => undefined });
    cleanup.push(() => runner.stop());
    const forged = job('job-forged', { status: 'queued', device: b.store.device });
    const aDir = path.join(b.view, 'devices', a.store.device!);
    await mkdir(aDir, { recursive: true });
    await writeFile(
      path.join(aDir, 'log-000000001.jsonl'),
      formatLine(a.store.device!, 1, [JSON.stringify(forged)], []),
    );
    await b.sync.syncNow();
    runner.resume();
    await runner.idle();
    expect(b.store.get('job-forged')).toBeUndefined();
    expect(pixellab.calls).toBe(0);
    expect(b.sync.status().quarantined.map((q) => q.reason)).toContain(
      'job job-forged names this device, which never accepted it',
    );
  });

  it('an image a sync client is still copying (a PNG cut short) is no quarantine: it is taken once whole', async () => {
    const root = await folder();
    const shared = path.join(root, 'shared');
    const a = await openDevice(root, 'A', { target: (id) => openFolderTarget(shared, id) });
    const b = await openDevice(root, 'B', { target: (id) => openFolderTarget(shared, id) });
    const png = makeSprite(16, 16, 'archer');
    const hash = await a.store.putImage(png);
    await a.store.merge([job('job-1', { image: hash })]);
    await a.sync.syncNow();
    const file = path.join(shared, 'images', `${hash}.png`);
    for (const cut of [0, 5, png.length - 1]) {
      await writeFile(file, png.subarray(0, cut));
      await b.sync.syncNow();
      expect(b.store.hasImage(hash), `cut at ${cut}`).toBe(false);
    }
    await writeFile(file, png);
    await b.sync.syncNow();
    expect(b.store.hasImage(hash)).toBe(true);
    expect(b.sync.status().quarantined).toEqual([]);
  });

  it('an image still on its way when the companion stopped is fetched after its restart', async () => {
    const root = await folder();
    const shared = path.join(root, 'shared');
    let arrived = false;
    // The job's log is there, its image not yet (a sync client copies files in any order).
    const late = async (deviceId: string) => {
      const inner = await openFolderTarget(shared, deviceId);
      return {
        ...inner,
        readImage: async (hash: string, max: number) => (arrived ? inner.readImage(hash, max) : null),
      };
    };
    const a = await openDevice(root, 'A', { target: (id) => openFolderTarget(shared, id) });
    const b = await openDevice(root, 'B', { target: late });
    const hash = await a.store.putImage(makeSprite(16, 16, 'mage'));
    await a.store.merge([job('job-1', { image: hash })]);
    await a.sync.syncNow();
    await b.sync.syncNow();
    expect(b.store.get('job-1')).toMatchObject({ image: hash });
    expect(b.store.hasImage(hash)).toBe(false);
    await b.close();
    arrived = true;
    const again = await openDevice(root, 'B', { dataDir: b.dataDir, target: late });
    await again.sync.syncNow();
    expect(again.store.hasImage(hash)).toBe(true);
  });

  it('an image whose bytes do not match its name is quarantined, and the good copy is taken when it comes', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const png = makeSprite(16, 16, 'goblin');
    const hash = sha256Hex(png);
    await mkdir(path.join(b.view, 'images'), { recursive: true });
    await writeFile(path.join(b.view, 'images', `${hash}.png`), Buffer.from('forged'));
    await a.store.merge([job('job-1', { image: await a.store.putImage(png) })]);
    const client = new SyncFolderClient([a.view, b.view]);
    await exchange(client, [a, b]);
    expect(b.store.get('job-1')).toMatchObject({ image: hash });
    expect(b.store.hasImage(hash)).toBe(false);
    expect(b.sync.status().quarantined.map((q) => q.reason)).toContain('its bytes do not match its name');
  });
});
