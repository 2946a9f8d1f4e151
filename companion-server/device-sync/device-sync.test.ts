/**
 * Device sync through a folder (issue 22), in-process: real file stores in temp data dirs, each with its own view
 * of the shared folder, and a harness that carries files between the views as a sync client does.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { seededRandom } from '../../tests/helpers/seeded-random';
import { SyncFolderClient } from '../../tests/helpers/sync-folder-client';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import { pixellabDouble } from '../../tests/reliability/support';
import { addToSetField, canonicalJson, type Job, setOrganisingField, withoutSeq } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { createRunner } from '../paid/runner';
import { openDeviceSyncState } from '../store/device-sync-state';
import { createFileStore } from '../store/file-store';
import type { JobStore } from '../store/types';
import { type DeviceSync, startDeviceSync } from './device-sync';
import { formatLine } from './line-format';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Device {
  name: string;
  dataDir: string;
  view: string;
  store: JobStore;
  sync: DeviceSync;
  logs: string[];
  close(): Promise<void>;
}

async function folder() {
  const t = await makeTempDir('pixellab-devsync-');
  cleanup.push(t.remove);
  return t.dir;
}

async function openDevice(root: string, name: string, options: { now?: () => number; dataDir?: string } = {}) {
  const dataDir = options.dataDir ?? path.join(root, `data-${name}`);
  const view = path.join(root, `view-${name}`);
  await mkdir(view, { recursive: true });
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const state = await openDeviceSyncState({ dataDir, log });
  const store = await createFileStore({ dataDir, log, now: options.now, device: state.read().deviceId });
  const sync = await startDeviceSync({ store, syncDir: view, deviceName: name, state, log, pollMs: 60_000 });
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
function job(id: string, fields: Partial<Job> = {}): Job {
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

/** Every device publishes, the client carries everything, every device reads; twice, so merges made go round. */
async function exchange(client: SyncFolderClient, devices: Device[]) {
  for (let i = 0; i < 3; i++) {
    for (const d of devices) await d.sync.syncNow();
    await client.settle();
    for (const d of devices) await d.sync.syncNow();
  }
}

/** What a device holds, seq aside: equal on every device once they converged. */
const holding = (d: Device) =>
  d.store
    .changesSince(0, 100_000)
    .changes.map((j) => canonicalJson(withoutSeq(j)))
    .sort();

describe('two devices sharing a folder', () => {
  it('both end with every job, images included, and the journal, seq and changes feed see them', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    const png = makeSprite(16, 16, 'knight');
    const hash = await a.store.putImage(png);
    await a.store.merge([job('job-a1', { image: hash }), job('job-a2')]);
    await b.store.merge([job('job-b1')]);
    await exchange(client, [a, b]);
    expect(b.store.get('job-a1')).toMatchObject({ image: hash });
    expect(Buffer.from((await b.store.readImage(hash))!).equals(Buffer.from(png))).toBe(true);
    expect(a.store.get('job-b1')).toBeDefined();
    expect(holding(a)).toEqual(holding(b));
    expect(b.store.changesSince(0, 100).changes.map((j) => j.id)).toEqual(
      expect.arrayContaining(['job-a1', 'job-a2', 'job-b1']),
    );
    // Durable through the store's own path: a restart of B still holds A's jobs.
    await b.close();
    const again = await createFileStore({ dataDir: b.dataDir, log: () => undefined });
    cleanup.push(() => again.close());
    expect(again.get('job-a2')).toBeDefined();
  });

  it('each device writes only its own folder and images, never another device’s file', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    await a.store.merge([job('job-1')]);
    await b.store.merge([job('job-2')]);
    await exchange(client, [a, b]);
    const own = (d: Device) => readdir(path.join(d.view, 'devices', d.store.device!));
    expect((await own(a)).filter((n) => n.startsWith('log-'))).toHaveLength(1);
    const bFilesInA = path.join(a.view, 'devices', b.store.device!);
    const before = await readFile(path.join(bFilesInA, (await own(b)).find((n) => n.startsWith('log-'))!));
    await a.store.merge([job('job-3')]);
    await a.sync.syncNow();
    expect(await readFile(path.join(bFilesInA, (await own(b)).find((n) => n.startsWith('log-'))!))).toEqual(before);
    // What B merged from A is not sent back: B's log holds B's own job only.
    const bLog = await readFile(
      path.join(b.view, 'devices', b.store.device!, (await own(b)).find((n) => n.startsWith('log-'))!),
      'utf8',
    );
    expect(bLog).toContain('"job-2"');
    expect(bLog).not.toContain('"job-1"');
    // Nothing secret is published: the lines hold jobs and boards only.
    const text = await readFile(
      path.join(a.view, 'devices', a.store.device!, (await own(a)).find((n) => n.startsWith('log-'))!),
      'utf8',
    );
    expect(text).not.toMatch(/usdPerDay|maxUsd|apiKey|PIXELLAB|test-key/i);
  });

  it('a star on A and a tag on B of one job both survive', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    await a.store.merge([job('job-1')]);
    await exchange(client, [a, b]);
    const onA = withoutSeq(a.store.get('job-1')!);
    const onB = withoutSeq(b.store.get('job-1')!);
    await a.store.merge([setOrganisingField(onA, 'starred', true, a.store.clock)]);
    await b.store.merge([addToSetField(onB, 'tags', ['hero'], b.store.clock, 50)]);
    await exchange(client, [a, b]);
    for (const d of [a, b]) {
      expect(d.store.get('job-1'), d.name).toMatchObject({ starred: true, tags: ['hero'] });
    }
    expect(holding(a)).toEqual(holding(b));
  });

  it('B’s clock an hour fast does not make its stale edit win over A’s later one', async () => {
    const root = await folder();
    const hour = 3_600_000;
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B', { now: () => Date.now() + hour });
    const client = new SyncFolderClient([a.view, b.view]);
    await a.store.merge([job('job-1', { updatedAt: Date.now(), prompt: 'first' })]);
    await exchange(client, [a, b]);
    // B edits first, an hour ahead; A edits after it has seen B's edit.
    const held = withoutSeq(b.store.get('job-1')!);
    await b.store.put(b.store.clock.stamp({ ...held, prompt: 'from B (stale)' }, held));
    await exchange(client, [a, b]);
    expect(a.store.get('job-1')!.prompt).toBe('from B (stale)');
    const seen = withoutSeq(a.store.get('job-1')!);
    expect(seen.updatedAt).toBeGreaterThan(Date.now() + hour / 2);
    await a.store.put(a.store.clock.stamp({ ...seen, prompt: 'from A (later)' }, seen));
    await exchange(client, [a, b]);
    for (const d of [a, b]) expect(d.store.get('job-1')!.prompt, d.name).toBe('from A (later)');
  });
});

describe('timing', () => {
  it('a change is published by itself, and the folder watcher brings it in without waiting for the poll', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    await a.store.merge([job('job-w')]);
    const started = Date.now();
    // Polls are a minute apart here: only A's change check and B's watcher can move it.
    while (!b.store.get('job-w') && Date.now() - started < 5000) {
      await client.round();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(b.store.get('job-w')).toBeDefined();
  });
});

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
      const made: string[] = [];
      const deleted = new Set<string>();
      for (let step = 0; step < 40; step++) {
        const d = pick(devices);
        const known = made.filter((id) => d.store.get(id) && !d.store.get(id)!.deleted);
        const action = known.length === 0 ? 0 : Math.floor(random() * 5);
        if (action <= 1) {
          const id = `job-${d.name}-${step}`;
          made.push(id);
          await d.store.merge([job(id)]);
        } else {
          const base = withoutSeq(d.store.get(pick(known))!);
          // Job-wide edits and deletes are last-writer-wins: an edit made without seeing a delete comes after it.
          if (action === 2) {
            deleted.delete(base.id);
            await d.store.put(d.store.clock.stamp({ ...base, prompt: `${base.prompt} +${d.name}` }, base));
          } else if (action === 3) await d.store.merge([addToSetField(base, 'tags', [`t${step}`], d.store.clock, 50)]);
          else {
            deleted.add(base.id);
            await d.store.put(d.store.clock.stamp({ ...base, deleted: true }, base));
          }
        }
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
      const live = made.filter((id) => !deleted.has(id)).sort();
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

describe('who runs a job', () => {
  it('a queued or running job from A is shown on B, never run by B, and never failed at B’s start', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    // A accepted both (its runner is busy elsewhere): one waits, one is running.
    await a.store.put(job('job-q', { status: 'queued', image: null, device: a.store.device }));
    await a.store.put(job('job-r', { status: 'running', startTime: Date.now(), device: a.store.device }));
    // Accepted on A before it stamped devices: B still takes it as A's.
    await a.store.put(job('job-old', { status: 'queued' }));
    const pixellab = pixellabDouble();
    const runner = createRunner({ store: b.store, pixellab, log: () => undefined });
    cleanup.push(() => runner.stop());
    await exchange(client, [a, b]);
    runner.resume();
    for (const id of ['job-q', 'job-old']) runner.enqueue(id);
    await runner.idle();
    expect(pixellab.calls).toBe(0);
    expect(b.store.get('job-q')).toMatchObject({ status: 'queued' });
    expect(b.store.get('job-old')).toMatchObject({ status: 'queued', device: a.store.device });
    expect(b.store.get('job-r')).toMatchObject({ status: 'running' });
    // B restarts (a crash): A's running job is not B's to fail.
    await runner.stop();
    await b.close();
    const b2 = await openDevice(root, 'B', { dataDir: b.dataDir });
    expect(b2.store.get('job-r')).toMatchObject({ status: 'running' });
    const runner2 = createRunner({ store: b2.store, pixellab, log: () => undefined });
    cleanup.push(() => runner2.stop());
    runner2.resume();
    await runner2.idle();
    expect(pixellab.calls).toBe(0);
    expect(b2.store.get('job-r')).toMatchObject({ status: 'running' });
    // A's own start still fails what it was running when it stopped.
    await a.close();
    const a2 = await openDevice(root, 'A', { dataDir: a.dataDir });
    expect(a2.store.get('job-r')).toMatchObject({ status: 'error' });
  });
});

describe('cost', () => {
  it('one change at 10,000 jobs writes a few KB to the target', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const jobs = Array.from({ length: 10_000 }, (_, i) => job(`job-${i + 1}`));
    await a.store.merge(jobs);
    await a.sync.syncNow();
    const before = a.sync.status().bytesWritten;
    const held = withoutSeq(a.store.get('job-5000')!);
    await a.store.put(a.store.clock.stamp({ ...held, prompt: 'changed' }, held));
    await a.sync.syncNow();
    const perChange = a.sync.status().bytesWritten - before;
    console.log(`device sync: one change at 10,000 jobs wrote ${perChange} bytes to the target`);
    expect(perChange).toBeGreaterThan(0);
    expect(perChange).toBeLessThan(4096);
    // A new device takes the whole history from the folder (several segments), and sends none of it back.
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    await client.settle();
    const started = performance.now();
    await b.sync.syncNow();
    console.log(`device sync: a new device merged 10,000 jobs in ${Math.round(performance.now() - started)} ms`);
    expect(b.store.liveCount).toBe(10_000);
    expect(b.store.get('job-5000')!.prompt).toBe('changed');
    expect(
      (await readdir(path.join(a.view, 'devices', a.store.device!))).filter((n) => n.startsWith('log-')).length,
    ).toBeGreaterThan(1);
    expect(b.sync.status().bytesWritten).toBeLessThan(4096);
  });
});
