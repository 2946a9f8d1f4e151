/**
 * A paid result is never discarded, over real HTTP: the companion in-process (createApp over a real file store
 * whose fs seam can make the disk full or unwritable) served on a loopback port, PixelLab's fake behind it, and
 * for restarts the real companion process on the same data dir. A store with the coming contract (a refused
 * write changes nothing) is checked the same way, with a wrapped memory store.
 */

import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../companion-server/app';
import { defaultLimits } from '../../companion-server/deps';
import { openSpending } from '../../companion-server/paid/open-spending';
import { createRunner, type JobRunner } from '../../companion-server/paid/runner';
import { createPixelLabClient } from '../../companion-server/pixellab/client';
import { createFileStore } from '../../companion-server/store/file-store';
import { readDataDir } from '../../companion-server/store/inspect';
import { createMemoryStore } from '../../companion-server/store/memory-store';
import { SLOT_BYTES, SLOTS, SPOOL_FILE } from '../../companion-server/store/result-spool';
import type { JobStore } from '../../companion-server/store/types';
import type { SyncedJob } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { fullDiskFs } from '../helpers/full-disk-fs';
import { refusingStore } from '../helpers/refusing-store';
import { makeTempDir } from '../helpers/temp-dir';

const KEY = 'pl-key-paid-results';
let fake: FakePixelLab;
beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

interface Served {
  url: string;
  runner: JobRunner;
  store: JobStore;
  logs: string[];
  /** Stops serving and running, as a crash would: nothing more is written. */
  crash(): Promise<void>;
}
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function tempDir() {
  const t = await makeTempDir('pixellab-paid-');
  cleanups.push(t.remove);
  return t.dir;
}

/** The companion in-process, wired as index.ts wires it, served on a loopback port. */
async function serve(
  dataDir: string,
  options: { disk?: ReturnType<typeof fullDiskFs>; store?: JobStore } = {},
): Promise<Served> {
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const fs = options.disk?.fs;
  const store = options.store ?? (await createFileStore({ dataDir, fs, log, retry: { backoffMs: 1 } }));
  const spending = await openSpending({ dataDir, fs, log, limits: { maxUsdPerDay: null, maxCallsPerMinute: null } });
  const pixellab = createPixelLabClient({ baseUrl: fake.url, apiKey: KEY, timeoutMs: 10_000 });
  const runner = createRunner({ store, pixellab, log, paid: spending.paid, retry: { firstMs: 20, maxMs: 50 } });
  await runner.recover();
  const app = createApp({
    store,
    pixellab,
    runner,
    log,
    spending: spending.guard,
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 'paid-results',
      balanceTtlMs: 60_000,
    },
  });
  const server: Server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  runner.resume();
  let down = false;
  const crash = async () => {
    if (down) return;
    down = true;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await runner.stop();
    await spending.close();
    // A crashed process leaves its lock behind, and the next start takes it over because that pid is gone;
    // this process lives on, so its lock is removed the way that takeover would replace it.
    await rm(path.join(dataDir, 'companion.lock'), { force: true });
  };
  cleanups.push(crash);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, runner, store, logs, crash };
}

const post = (url: string, p: string, body: unknown) =>
  fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const getJob = async (url: string, id: string): Promise<SyncedJob> =>
  (await (await fetch(`${url}/api/v1/jobs/${id}`)).json()).job;
const imagesIn = async (dir: string) =>
  (await readdir(path.join(dir, 'images')).catch(() => [])).filter((n) => n.endsWith('.png'));
/** No slot holds a record: every slot's header is zeros (a released slot keeps its old bytes behind the header). */
const spoolIsEmpty = async (dir: string) => {
  const bytes = await readFile(path.join(dir, SPOOL_FILE));
  return Array.from({ length: SLOTS }, (_, i) => bytes.subarray(i * SLOT_BYTES, i * SLOT_BYTES + 4)).every((magic) =>
    magic.every((b) => b === 0),
  );
};
const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('the old API on a disk that refuses writes', () => {
  for (const code of ['ENOSPC', 'EACCES']) {
    it(`${code}: the image goes back with saved: false, waits in the spool, and is stored once the disk allows`, async () => {
      const dir = await tempDir();
      const disk = fullDiskFs();
      const c = await serve(dir, { disk });
      disk.fill(code);
      const res = await post(c.url, '/generate-character', { prompt: 'kept anyway', width: 32, height: 32 });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ status: 'success', saved: false, error_message: null });
      expect(body.image_data_url).toMatch(/^data:image\/png;base64,/);
      expect(body.save_error).toMatch(new RegExp(`not saved on the companion yet .*${code}`));
      expect(await imagesIn(dir)).toEqual([]);
      expect(await spoolIsEmpty(dir)).toBe(false);
      expect(c.runner.unsaved).toBe(1);

      disk.free();
      await c.runner.stored();
      const hash = (await import('node:crypto'))
        .createHash('sha256')
        .update(Buffer.from(body.image_data_url.split(',')[1], 'base64'))
        .digest('hex');
      expect(await imagesIn(dir)).toEqual([`${hash}.png`]);
      expect(await spoolIsEmpty(dir)).toBe(true);
    });
  }

  it('with no room to keep a result, no paid call is made: 507 for the old API, an unpaid error for a job', async () => {
    const dir = await tempDir();
    const disk = fullDiskFs();
    // The disk is already full when the companion starts: no reserve can be set aside.
    await createFileStore({ dataDir: dir }).then((s) => s.close());
    disk.fill();
    const c = await serve(dir, { disk, store: createMemoryStore() });
    const res = await post(c.url, '/generate-character', { prompt: 'no room' });
    expect(res.status).toBe(507);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'fail', error: 'storage_full', image_data_url: null });
    expect(body.error_message).toMatch(/cannot set aside room on disk .* Nothing was charged/);
    expect((await post(c.url, '/api/v1/jobs', { id: 'job-no-room', prompt: 'x', width: 32, height: 32 })).status).toBe(
      202,
    );
    await until(async () => (await getJob(c.url, 'job-no-room')).status === 'error', 'the job to end');
    expect((await getJob(c.url, 'job-no-room')).error).toMatch(/cannot set aside room/);
    expect(fake.requests).toEqual([]);
  });
});

describe("a job's paid result on a full disk", () => {
  it('survives a crash: the next start stores it before the runner resumes, and it wins over "interrupted"', async () => {
    const dir = await tempDir();
    const disk = fullDiskFs();
    const c = await serve(dir, { disk });
    fake.setDelay(200);
    fake.setPrice({ usd: 0.0091 });
    expect(
      (await post(c.url, '/api/v1/jobs', { id: 'job-spooled', prompt: 'paid knight', width: 64, height: 64 })).status,
    ).toBe(202);
    await until(() => fake.inFlight === 1, 'the PixelLab call');
    disk.fill();
    await until(() => c.runner.unsaved === 1, 'the result to wait for the disk');
    expect(await spoolIsEmpty(dir)).toBe(false);
    const onDisk = await readDataDir(dir);
    expect(onDisk.jobs.find((j: SyncedJob) => j.id === 'job-spooled')!.status).toBe('running');
    await c.crash();
    disk.free();

    const real: CompanionProcess = await startCompanion({ dataDir: dir, pixellabUrl: fake.url, apiKey: KEY });
    cleanups.push(() => real.stop());
    const job = await getJob(real.url, 'job-spooled');
    expect(job).toMatchObject({ status: 'success', error: null, usd: 0.0091 });
    expect(await imagesIn(dir)).toEqual([`${job.image}.png`]);
    expect(await spoolIsEmpty(dir)).toBe(true);
    // The companion's output comes through a pipe, which may lag behind its answers.
    await expect.poll(() => real.logs.join('\n')).toMatch(/Recovery spool: stored the paid result of job job-spooled/);
    const file = await readDataDir(dir);
    expect(file.jobs.find((j: SyncedJob) => j.id === 'job-spooled')).toMatchObject({
      status: 'success',
      image: job.image,
    });
    // Paid once, stored once; the ledger has its row.
    expect(fake.requests).toHaveLength(1);
    const month = new Date().toISOString().slice(0, 7);
    const rows = (await readFile(path.join(dir, 'costs', `${month}.jsonl`), 'utf8')).trim().split('\n');
    expect(rows.map((r) => JSON.parse(r))).toMatchObject([{ jobId: 'job-spooled', usd: 0.0091 }]);
  });
});

describe('a store whose refused writes change nothing (the coming contract)', () => {
  it('the job reads running, with a retry scheduled, and ends success with its image once the disk takes it', async () => {
    const dir = await tempDir();
    const refusing = refusingStore(createMemoryStore());
    const c = await serve(dir, { store: refusing.store });
    fake.setDelay(100);
    expect(
      (await post(c.url, '/api/v1/jobs', { id: 'job-refused', prompt: 'refused', width: 32, height: 32 })).status,
    ).toBe(202);
    await until(() => fake.inFlight === 1, 'the PixelLab call');
    refusing.state.refusing = true;
    await until(() => c.runner.unsaved === 1, 'the result to wait');
    const refusedSoFar = refusing.state.refused;
    await until(() => refusing.state.refused > refusedSoFar + 1, 'two more attempts');
    expect((await getJob(c.url, 'job-refused')).status).toBe('running');
    expect(await spoolIsEmpty(dir)).toBe(false);

    // The old API answers with its image too, while nothing can be stored.
    const res = await post(c.url, '/generate-character', { prompt: 'meanwhile', width: 32, height: 32 });
    expect(await res.json()).toMatchObject({ status: 'success', saved: false });

    refusing.state.refusing = false;
    await c.runner.stored();
    const job = await getJob(c.url, 'job-refused');
    expect(job).toMatchObject({ status: 'success', error: null });
    expect(refusing.store.hasImage(job.image!)).toBe(true);
    expect(await spoolIsEmpty(dir)).toBe(true);
  });
});
