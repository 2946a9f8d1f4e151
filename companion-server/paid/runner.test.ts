import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../../tests/fixtures/fake-pixellab';
import { decodePngSize, makeSprite } from '../../tests/fixtures/png';
import { isLater } from '../../tests/helpers/versions';
import { type Job, type JobInput, jobSchema, type SyncedJob } from '../../utils/domain';
import { createPixelLabClient } from '../pixellab/client';
import { INTERRUPTED_WHILE_RUNNING } from '../store/history-file';
import { createMemoryStore } from '../store/memory-store';
import type { JobStore } from '../store/types';
import type { PaidCalls } from './paid-calls';
import { createRunner, type JobRunner } from './runner';

const KEY = 'sk-runner-test-0c9d8e7f';

/**
 * The real memory store, with a record of the writes in order and writes that can be made to fail:
 * `refuse` as the store's contract says (a refused put changes nothing), `put` as today's file store
 * still does (memory keeps the change, then the put throws).
 */
function createTestStore() {
  const inner = createMemoryStore({ serverId: 'test-store' });
  const ops: string[] = [];
  const puts: Job[] = [];
  const images: string[] = [];
  /**
   * `put`: matchers of writes that fail after memory changed; `refuse`: matchers of writes refused before it;
   * `refuseAll`: every put and image write refused while set (a full disk); `putImage`: image writes refused.
   */
  const failures: {
    put: ((job: Job) => boolean)[];
    refuse: ((job: Job) => boolean)[];
    refuseAll: boolean;
    putImage: number;
    flush: number;
  } = {
    put: [],
    refuse: [],
    refuseAll: false,
    putImage: 0,
    flush: 0,
  };
  let flushes = 0;
  const diskFull = () => Object.assign(new Error('disk full (ENOSPC)'), { code: 'ENOSPC' });

  const store: JobStore = {
    serverId: inner.serverId,
    clock: inner.clock,
    snapshots: inner.snapshots,
    get lastSeq() {
      return inner.lastSeq;
    },
    get lastJobId() {
      return inner.lastJobId;
    },
    get savedAt() {
      return inner.savedAt;
    },
    filePath: inner.filePath,
    get liveCount() {
      return inner.liveCount;
    },
    get: (id) => inner.get(id),
    list: () => inner.list(),
    liveIndex: () => inner.liveIndex(),
    changesSince: (since, limit) => inner.changesSince(since, limit),
    changeLines: (since, limit, v) => inner.changeLines(since, limit, v),
    getRecord: (kind, id) => inner.getRecord(kind, id),
    listRecords: (kind) => inner.listRecords(kind),
    mergeRecords: (records) => inner.mergeRecords(records),
    pinImage: (hash) => inner.pinImage(hash),
    collectImages: () => inner.collectImages(),
    purge: (ids) => inner.purge(ids),
    purgeTrashedBefore: (time) => inner.purgeTrashedBefore(time),
    commit: (plan) => inner.commit(plan),
    lostImages: (limit) => inner.lostImages(limit),
    compact: () => inner.compact(),
    async put(job) {
      if (failures.refuseAll) throw diskFull();
      const refused = failures.refuse.findIndex((matches) => matches(job));
      if (refused >= 0) {
        failures.refuse.splice(refused, 1);
        throw Object.assign(new Error('The job store is closed and accepts no more changes'), { code: 'STORE_CLOSED' });
      }
      const stored = await inner.put(job);
      const index = failures.put.findIndex((matches) => matches(job));
      if (index >= 0) {
        failures.put.splice(index, 1);
        throw diskFull();
      }
      puts.push(stored);
      ops.push(`put:${job.id}:${job.status}${job.deleted ? ':deleted' : ''}`);
      return stored;
    },
    merge: (jobs) => inner.merge(jobs),
    replaceAll: (jobs, lastJobId) => inner.replaceAll(jobs, lastJobId),
    clear: () => inner.clear(),
    async putImage(bytes) {
      if (failures.refuseAll) throw diskFull();
      if (failures.putImage > 0) {
        failures.putImage -= 1;
        throw diskFull();
      }
      const hash = await inner.putImage(bytes);
      images.push(hash);
      ops.push(`image:${hash.slice(0, 8)}`);
      return hash;
    },
    hasImage: (hash) => inner.hasImage(hash),
    readImage: (hash) => inner.readImage(hash),
    fileSize: () => inner.fileSize(),
    async flush() {
      flushes += 1;
      if (failures.flush > 0) {
        failures.flush -= 1;
        throw diskFull();
      }
      ops.push('flush');
      return inner.flush();
    },
    close: () => inner.close(),
  };
  return { store, ops, puts, images, failures, flushes: () => flushes };
}

let fake: FakePixelLab;
beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());

let t: ReturnType<typeof createTestStore>;
let clock: number;
let logs: string[];
let runner: JobRunner | undefined;
const now = () => (clock += 250);

beforeEach(() => {
  fake.reset();
  t = createTestStore();
  clock = 1_700_000_000_000;
  logs = [];
  runner = undefined;
});
afterEach(async () => {
  await runner?.stop();
});

function start(
  options: {
    limit?: number;
    apiKey?: string | null;
    timeoutMs?: number;
    retry?: { firstMs?: number; maxMs?: number };
    paid?: PaidCalls;
  } = {},
): JobRunner {
  const pixellab = createPixelLabClient({
    baseUrl: fake.url,
    apiKey: options.apiKey === undefined ? KEY : options.apiKey,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  runner = createRunner({
    store: t.store,
    pixellab,
    limit: options.limit,
    now,
    log: (line) => logs.push(line),
    retry: options.retry ?? { firstMs: 10, maxMs: 40 },
    rateLimit: { firstMs: 5, maxMs: 20 },
    paid: options.paid,
  });
  return runner;
}

let nextId = 0;
async function addJob(fields: Partial<JobInput> = {}): Promise<SyncedJob> {
  nextId += 1;
  const at = fields.createdAt ?? clock;
  return t.store.put(
    jobSchema.parse({
      id: `job-test-${nextId}`,
      prompt: `sprite number ${nextId}`,
      width: 32,
      height: 32,
      status: 'queued',
      createdAt: at,
      updatedAt: at,
      ...fields,
    }),
  );
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('running a generate job', () => {
  it('goes queued -> running -> success, with the image on disk before the job counts as done', async () => {
    const job = await addJob({ prompt: 'cute dragon', width: 48, height: 64, seed: 7 });
    const r = start();
    r.enqueue(job.id);
    expect(r.running).toBe(1);
    await r.idle();

    const done = t.store.get(job.id)!;
    expect(done).toMatchObject({ status: 'success', error: null, deleted: false, seed: 7 });
    expect(done.image).toMatch(/^[0-9a-f]{64}$/);
    const png = await t.store.readImage(done.image!);
    expect(decodePngSize(png!)).toEqual({ width: 48, height: 64 });
    expect(done.startTime).toBeGreaterThan(job.updatedAt);
    expect(done.endTime).toBeGreaterThan(done.startTime!);
    expect(done.duration).toBeCloseTo((done.endTime! - done.startTime!) / 1000);
    expect(done.updatedAt).toBeGreaterThanOrEqual(done.endTime!);

    expect(t.puts.map((p) => p.status)).toEqual(['queued', 'running', 'success']);
    const running = t.puts[1]!;
    expect(isLater(running, job)).toBe(true);
    expect(running.startTime).not.toBeNull();
    expect(t.ops).toEqual([
      `put:${job.id}:queued`,
      `put:${job.id}:running`,
      `image:${done.image!.slice(0, 8)}`,
      `put:${job.id}:success`,
    ]);

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.body).toMatchObject({
      description: 'cute dragon',
      image_size: { width: 48, height: 64 },
      seed: 7,
    });
    expect(r.running).toBe(0);
  });

  it('runs a rotate job with the stored source PNG', async () => {
    const source = makeSprite(64, 64, 'knight');
    const hash = await t.store.putImage(source);
    const job = await addJob({
      kind: 'rotate',
      prompt: 'rotate to east',
      width: 64,
      height: 64,
      rotate: { sourceImage: hash, toDirection: 'east', fromDirection: 'south', sourceJobId: null },
    });
    const r = start();
    r.enqueue(job.id);
    await r.idle();

    const done = t.store.get(job.id)!;
    expect(done.status).toBe('success');
    expect(done.image).not.toBe(hash);
    expect(decodePngSize((await t.store.readImage(done.image!))!)).toEqual({ width: 64, height: 64 });
    expect(fake.requests[0]).toMatchObject({ path: '/rotate' });
    expect(fake.requests[0]!.body).toMatchObject({
      from_image: { type: 'base64', base64: Buffer.from(source).toString('base64') },
      from_direction: 'south',
      to_direction: 'east',
    });
  });

  it('runs each job once even when enqueued twice', async () => {
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    r.enqueue(job.id);
    await r.idle();
    r.enqueue(job.id); // now `success`: nothing to do
    await r.idle();
    expect(fake.requests).toHaveLength(1);
  });
});

describe('the parallel limit', () => {
  it('never has more than `limit` PixelLab calls in flight', async () => {
    fake.setDelay(150);
    const jobs = await Promise.all(Array.from({ length: 7 }, () => addJob()));
    const r = start({ limit: 3 });
    let most = 0;
    const sample = setInterval(() => {
      most = Math.max(most, r.running);
    }, 5);
    const started = Date.now();
    for (const job of jobs) r.enqueue(job.id);
    expect(r.running).toBe(3);
    await r.idle();
    clearInterval(sample);

    expect(fake.maxInFlight).toBe(3);
    expect(most).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 150 - 20); // three rounds: 3 + 3 + 1
    expect(jobs.map((j) => t.store.get(j.id)!.status)).toEqual(Array(7).fill('success'));
  });

  it('setLimit raises and lowers the limit while jobs run', async () => {
    fake.setDelay(120);
    const jobs = await Promise.all(Array.from({ length: 6 }, () => addJob()));
    const r = start({ limit: 1 });
    for (const job of jobs) r.enqueue(job.id);
    expect(r.running).toBe(1);
    r.setLimit(4);
    expect(r.limit).toBe(4);
    expect(r.running).toBe(4);
    await until(() => fake.inFlight === 4, 'four calls in flight');
    r.setLimit(1);
    await r.idle();
    expect(fake.maxInFlight).toBe(4);
    expect(jobs.every((j) => t.store.get(j.id)!.status === 'success')).toBe(true);
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    const r = start();
    expect(() => r.setLimit(0)).toThrow(RangeError);
    expect(() => r.setLimit(2.5)).toThrow(RangeError);
    expect(() => start({ limit: -1 })).toThrow(RangeError);
    expect(r.limit).toBe(3);
  });
});

describe('failures', () => {
  it('stores PixelLab errors in plain words (429), once the tries PixelLab allows are spent', async () => {
    fake.failNext({ status: 429, detail: 'Rate limit exceeded' }, 4);
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    const done = t.store.get(job.id)!;
    expect(done).toMatchObject({
      status: 'error',
      image: null,
      error: 'PixelLab rate limit reached (429): Rate limit exceeded. Try again in a minute. (tried 4 times)',
    });
    expect(done.endTime).not.toBeNull();
    expect(logs.some((line) => line.includes(job.id) && line.includes('429'))).toBe(true);
  });

  it('stores the field PixelLab refused (422)', async () => {
    // A tier whose area cap is below what the request asks: PixelLab refuses, in FastAPI's words.
    fake.failNext({
      status: 422,
      detail: [{ loc: ['body', 'image_size', 'width'], msg: 'ensure this value is less than or equal to 200' }],
    });
    const job = await addJob({ width: 320, height: 320 });
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    expect(t.store.get(job.id)!.error).toBe(
      'PixelLab rejected the request (422): image_size.width: ensure this value is less than or equal to 200',
    );
  });

  it('never sends PixelLab a job outside the limits of a new request, however it arrived', async () => {
    const job = await addJob({ width: 4096, height: 4096 });
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    expect(t.store.get(job.id)).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/^This job cannot be run as it is \(width: .*<=400\)/),
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('stores a rejected key without the key', async () => {
    const job = await addJob();
    const r = start({ apiKey: `${KEY}-typo` });
    r.enqueue(job.id);
    await r.idle();
    const done = t.store.get(job.id)!;
    expect(done.error).toBe('PixelLab rejected the API key (401): Invalid API token');
    expect(JSON.stringify(done) + logs.join('\n')).not.toContain(KEY);
  });

  it('stores a missing key, without calling PixelLab', async () => {
    const job = await addJob();
    const r = start({ apiKey: null });
    r.enqueue(job.id);
    await r.idle();
    expect(t.store.get(job.id)!.error).toBe(
      'No PixelLab API key: enter it in the side panel, or set PIXELLAB_API_KEY in the environment or .env',
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('stores a timeout', async () => {
    fake.hang(1);
    const job = await addJob();
    const r = start({ timeoutMs: 200 });
    r.enqueue(job.id);
    await r.idle();
    expect(t.store.get(job.id)!).toMatchObject({ status: 'error', error: 'PixelLab did not answer within 0.2 s' });
  });

  it('fails a rotate whose source image is missing, without calling PixelLab', async () => {
    const job = await addJob({
      kind: 'rotate',
      rotate: { sourceImage: 'a'.repeat(64), toDirection: 'west', fromDirection: null, sourceJobId: null },
    });
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    expect(t.store.get(job.id)!.error).toMatch(/^The image to rotate \(aaaaaaaaaaaa…\) is not on the companion/);
    expect(fake.requests).toHaveLength(0);
  });

  it('fails a rotate above PixelLab rotate size, without calling PixelLab', async () => {
    const hash = await t.store.putImage(makeSprite(256, 256, 'big'));
    const job = await addJob({
      kind: 'rotate',
      width: 256,
      height: 256,
      rotate: { sourceImage: hash, toDirection: 'west', fromDirection: null, sourceJobId: null },
    });
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    expect(t.store.get(job.id)!.error).toBe('PixelLab rotates images up to 200x200 pixels; this job asks for 256x256.');
    expect(fake.requests).toHaveLength(0);
  });

  it('keeps going after a failed job', async () => {
    fake.failNext({ status: 500, detail: 'Internal Server Error' });
    const a = await addJob();
    const b = await addJob();
    const r = start({ limit: 1 });
    r.enqueue(a.id);
    r.enqueue(b.id);
    await r.idle();
    expect(t.store.get(a.id)!.status).toBe('error');
    expect(t.store.get(b.id)!.status).toBe('success');
  });
});

describe('store write errors: a paid result is never discarded', () => {
  it('an image the store refuses is kept: the job stays running with a retry scheduled, then succeeds with it', async () => {
    t.failures.putImage = 1;
    const a = await addJob();
    const b = await addJob();
    const r = start({ limit: 1 });
    r.enqueue(a.id);
    r.enqueue(b.id);
    await r.idle();
    // The runner carried on with b; a's paid image waits for the disk, and a is not marked failed.
    expect(t.store.get(b.id)!.status).toBe('success');
    await r.stored();
    const done = t.store.get(a.id)!;
    expect(done).toMatchObject({ status: 'success', error: null });
    expect(t.store.hasImage(done.image!)).toBe(true);
    expect(t.ops.filter((op) => op.startsWith(`put:${a.id}:error`))).toEqual([]);
    expect(logs.some((line) => line.includes(a.id) && line.includes('ENOSPC'))).toBe(true);
    expect(r.unsaved).toBe(0);
  });

  it('a final write the store refuses changes nothing, and is written again until the disk takes it', async () => {
    for (let i = 0; i < 3; i++) t.failures.refuse.push((job) => job.status === 'success');
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    // Refused: memory unchanged, so the job still reads as running, with a retry scheduled.
    expect(t.store.get(job.id)!.status).toBe('running');
    expect(r.unsaved).toBe(1);
    await r.stored();
    const done = t.store.get(job.id)!;
    expect(done).toMatchObject({ status: 'success', error: null, usd: expect.any(Number) });
    expect(done.image).toBe(t.images[0]);
    expect(t.puts.map((p) => p.status)).toEqual(['queued', 'running', 'success']);
    expect(logs.some((line) => line.startsWith('Stored 1 result(s) that waited for the disk'))).toBe(true);
  });

  it("today's file store (memory keeps a failed write) ends the same way: the success with its image", async () => {
    t.failures.put.push((job) => job.status === 'success');
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    await r.stored();
    const done = t.store.get(job.id)!;
    expect(done).toMatchObject({ status: 'success', error: null });
    expect(done.image).toBe(t.images[0]);
    expect(t.ops.filter((op) => op.startsWith(`put:${job.id}:error`))).toEqual([]);
  });

  it('a job never stays running without a retry: the error end of a failed call is retried too', async () => {
    fake.failNext({ status: 500, detail: 'boom' });
    t.failures.refuse.push((job) => job.status === 'error');
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    expect(r.unsaved).toBe(1);
    await r.stored();
    expect(t.store.get(job.id)!).toMatchObject({ status: 'error', image: null });
  });

  it('stop() ends the retries; the job is not marked failed meanwhile', async () => {
    t.failures.refuse.push(...Array.from({ length: 1000 }, () => (job: Job) => job.status === 'success'));
    const job = await addJob();
    const r = start({ retry: { firstMs: 5, maxMs: 5 } });
    r.enqueue(job.id);
    await r.idle();
    await until(() => t.failures.refuse.length < 997, 'two retries');
    r.resume(); // the job reads as running, but its result is held: not "interrupted"
    await r.stop();
    const left = t.failures.refuse.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(t.failures.refuse.length).toBe(left);
    expect(t.store.get(job.id)!.status).toBe('running');
    expect(logs.some((line) => line.includes('not yet stored'))).toBe(true);
  });

  it('a job that cannot be marked running is not sent to PixelLab, and ends in an error once the disk allows', async () => {
    t.failures.refuse.push((job) => job.status === 'running');
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    await r.stored();
    expect(t.store.get(job.id)!).toMatchObject({ status: 'error', error: expect.stringMatching(/did not start/) });
    expect(fake.requests).toHaveLength(0);
  });

  it('survives a disk that refuses everything: nothing is sent to PixelLab, nothing runs', async () => {
    const job = await addJob();
    t.failures.refuseAll = true;
    const r = start();
    r.enqueue(job.id);
    await r.idle();
    expect(fake.requests).toHaveLength(0);
    expect(r.running).toBe(0);
    expect(t.store.get(job.id)!.status).toBe('queued');
    t.failures.refuseAll = false;
    await r.stored();
    expect(t.store.get(job.id)!.status).toBe('error');
  });
});

describe('jobs changed by a client while they run', () => {
  it('a job deleted while running stays deleted, and its paid image is kept', async () => {
    fake.setDelay(150);
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    await until(() => fake.inFlight === 1, 'the PixelLab call');

    const running = t.store.get(job.id)!;
    const { seq: _seq, ...fields } = running;
    const tombstone = { ...fields, deleted: true, updatedAt: running.updatedAt + 5_000 };
    const [merged] = await t.store.merge([tombstone]);
    expect(merged!.outcome).toBe('applied');
    await r.idle();

    const done = t.store.get(job.id)!;
    expect(done).toMatchObject({ deleted: true, status: 'success' });
    expect(isLater(done, tombstone)).toBe(true);
    expect(t.store.hasImage(done.image!)).toBe(true);
    expect(t.store.list().map((j) => j.id)).not.toContain(job.id);
  });

  it('a job deleted before it starts is never sent to PixelLab', async () => {
    fake.setDelay(100);
    const first = await addJob();
    const second = await addJob();
    const r = start({ limit: 1 });
    r.enqueue(first.id);
    r.enqueue(second.id);
    const { seq: _seq, ...fields } = t.store.get(second.id)!;
    await t.store.merge([{ ...fields, deleted: true, updatedAt: fields.updatedAt + 1 }]);
    await r.idle();
    expect(fake.requests).toHaveLength(1);
    expect(t.store.get(second.id)!).toMatchObject({ deleted: true, status: 'queued' });
  });

  it('keeps a client edit made while the job ran', async () => {
    fake.setDelay(120);
    const job = await addJob();
    const r = start();
    r.enqueue(job.id);
    await until(() => fake.inFlight === 1, 'the PixelLab call');
    const { seq: _seq, ...fields } = t.store.get(job.id)!;
    await t.store.merge([{ ...fields, groupId: 'group-b', updatedAt: fields.updatedAt + 10 }]);
    await r.idle();
    expect(t.store.get(job.id)!).toMatchObject({ status: 'success', groupId: 'group-b', deleted: false });
  });
});

describe('resume', () => {
  it('queues stored `queued` jobs oldest first, and marks jobs left running as interrupted', async () => {
    const newer = await addJob({ prompt: 'newer', createdAt: 3_000 });
    const older = await addJob({ prompt: 'older', createdAt: 1_000 });
    const middle = await addJob({ prompt: 'middle', createdAt: 2_000 });
    const finished = await addJob({ prompt: 'finished', status: 'success', createdAt: 500 });
    const left = await addJob({ prompt: 'left running', status: 'running', startTime: 900, createdAt: 800 });
    const gone = await addJob({ prompt: 'gone', deleted: true, createdAt: 100 });

    const r = start({ limit: 1 });
    r.resume();
    await r.idle();

    expect(fake.requests.map((req) => (req.body as { description: string }).description)).toEqual([
      'older',
      'middle',
      'newer',
    ]);
    for (const job of [newer, older, middle]) expect(t.store.get(job.id)!.status).toBe('success');
    expect(t.store.get(finished.id)!.status).toBe('success');
    expect(t.store.get(left.id)!).toMatchObject({ status: 'error', error: INTERRUPTED_WHILE_RUNNING });
    expect(isLater(t.store.get(left.id)!, left)).toBe(true);
    expect(t.store.get(gone.id)!).toMatchObject({ status: 'queued', deleted: true });
  });
});

describe('stop', () => {
  it('waits for jobs in flight, starts no more, and leaves the rest queued on disk', async () => {
    fake.setDelay(120);
    const jobs = await Promise.all(Array.from({ length: 5 }, () => addJob()));
    const r = start({ limit: 2 });
    for (const job of jobs) r.enqueue(job.id);
    await until(() => fake.inFlight === 2, 'two calls in flight');
    await r.stop();

    const statuses = jobs.map((j) => t.store.get(j.id)!.status);
    expect(statuses).toEqual(['success', 'success', 'queued', 'queued', 'queued']);
    r.enqueue(jobs[4]!.id);
    expect(r.running).toBe(0);
    await r.idle();
    expect(fake.requests).toHaveLength(2);
  });
});
