/**
 * Device sync through a folder (issue 22), in-process: real file stores in temp data dirs, each with its own view
 * of the shared folder, and a harness that carries files between the views as a sync client does.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import {
  cleanup,
  type Device,
  exchange,
  folder,
  holding,
  job,
  openDevice,
  runCleanup,
} from '../../tests/helpers/sync-devices';
import { SyncFolderClient } from '../../tests/helpers/sync-folder-client';
import { pixellabDouble } from '../../tests/reliability/support';
import { addToSetField, setOrganisingField, withoutSeq } from '../../utils/domain';
import { createRunner } from '../paid/runner';
import { createFileStore } from '../store/file-store';

afterEach(runCleanup);

describe('two devices sharing a folder', () => {
  it('both end with every job, images included, and the journal, seq and changes feed see them', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const b = await openDevice(root, 'B');
    const client = new SyncFolderClient([a.view, b.view]);
    const png = makeSprite(16, 16, 'knight');
    const hash = await a.store.putImage(png);
    const style = makeSprite(16, 16, 'style');
    const styleHash = await a.store.putImage(style);
    await a.store.merge([
      job('job-a1', { image: hash }),
      job('job-a2', { options: { mode: 'bitforge', style_image: styleHash } }),
    ]);
    await b.store.merge([job('job-b1')]);
    await exchange(client, [a, b]);
    expect(b.store.get('job-a1')).toMatchObject({ image: hash });
    expect(Buffer.from((await b.store.readImage(hash))!).equals(Buffer.from(png))).toBe(true);
    // An image a job's options name (a style image) comes along too.
    expect(b.store.hasImage(styleHash)).toBe(true);
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

  it('each pass is a new object named by its first line, and an object once written is never changed', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    const dir = path.join(a.view, 'devices', a.store.device!);
    const logs = async () => (await readdir(dir)).filter((n) => n.startsWith('log-')).sort();
    await a.store.merge([job('job-1')]);
    await a.sync.syncNow();
    expect(await logs()).toEqual(['log-000000001.jsonl']);
    const first = await readFile(path.join(dir, 'log-000000001.jsonl'));
    await a.store.merge([job('job-2')]);
    await a.sync.syncNow();
    expect(await logs()).toEqual(['log-000000001.jsonl', 'log-000000002.jsonl']);
    expect(await readFile(path.join(dir, 'log-000000001.jsonl'))).toEqual(first);
    expect(JSON.parse(await readFile(path.join(dir, 'head.json'), 'utf8'))).toMatchObject({
      n: 2,
      segment: 'log-000000002.jsonl',
    });
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
    // Polls are a minute apart here: only A's change check and B's watcher can move it. It takes well under a
    // second; 20 s leaves a loaded machine room and is still far before the first poll.
    while (!b.store.get('job-w') && Date.now() - started < 20_000) {
      await client.round();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(b.store.get('job-w')).toBeDefined();
  }, 45_000);
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
