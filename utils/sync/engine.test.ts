import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { encodePng, makeSprite } from '@/tests/fixtures/png';
import {
  type Companion,
  createClock,
  idle,
  imageRequests,
  job,
  liveIds,
  nextRandom,
  png,
  replica,
  serverJob,
  startCompanion,
} from '@/tests/helpers/sync-world';
import { isLater } from '@/tests/helpers/versions';
import { createCompanionClient } from '@/utils/companion-client';
import { jobSchema } from '@/utils/domain';
import { createHistoryStore } from '@/utils/history/store';
import type { StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import { backoffDelay, createSyncEngine } from '@/utils/sync/engine';

let clock: ReturnType<typeof createClock>;
let companion: Companion;
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const session = () => fakeBrowser.storage.session as unknown as StorageAreaLike;

beforeEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
  clock = createClock();
  companion = startCompanion(clock);
});

describe('sync with the real companion', () => {
  it('submits a new job, and the next sync brings its result and image', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    await store.applyJobs([idle('job-a', clock.now(), { prompt: 'knight' })], { submit: 'create' });
    const first = await engine.syncOnce();
    expect(first).toMatchObject({ ok: true, submitted: 1 });
    expect(companion.requests('/api/v1/jobs')).toHaveLength(1);
    clock.advance(1_000);
    await companion.runner.idle();
    clock.advance(1_000);
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    const done = (await store.getJob('job-a'))!;
    expect(done.status).toBe('success');
    expect((await store.getImages([done.image!])).get(done.image!)).toMatch(/^data:image\/png;base64,/);
    expect(await store.getSubmitQueue()).toEqual([]);
    expect(await store.getOutbox()).toEqual([]);
    expect(await store.getSyncState()).toMatchObject({
      online: true,
      serverId: 'server-a',
      apiKeyDetected: true,
      balanceUsd: 5,
      auth: 'none',
      lastError: null,
      syncing: false,
    });
    expect((await store.getSyncState()).checkpoint).toBe(companion.store.lastSeq);
  });

  it('a rotate whose source the companion lacks is sent again with the image', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    // Met first: the source below is not in the outbox a new companion's first sync pushes.
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    const source = png('source');
    await store.applyJobs([job({ id: 'src', image: source.hash })], { images: { [source.hash]: source.dataUrl } });
    const rotate = idle('rot', clock.now(), {
      kind: 'rotate',
      prompt: 'src (rotated to east)',
      rotate: { toDirection: 'east', fromDirection: null, sourceJobId: 'src', sourceImage: source.hash },
    });
    await store.applyJobs([rotate], { submit: 'create' });
    expect(await engine.syncOnce({ pull: false })).toMatchObject({ ok: true, submitted: 1 });
    const posts = companion.requests('/api/v1/jobs');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.body).toHaveProperty('sourceImageData');
    expect(companion.store.hasImage(source.hash)).toBe(true);
    expect((await serverJob(companion, 'rot'))!.status).not.toBe('idle');
  });

  it('a job the companion refuses for good becomes an error with its words, and leaves the queue', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    await store.applyJobs([idle('huge', clock.now(), { width: 1000 })], { submit: 'create' });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, submitted: 0 });
    const failed = (await store.getJob('huge'))!;
    expect(failed.status).toBe('error');
    expect(failed.error).toMatch(/width/);
    expect(await store.getSubmitQueue()).toEqual([]);
  });

  it('a job deleted while the companion was refusing it stays deleted', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    await store.applyJobs([idle('huge', clock.now(), { width: 1000 })], { submit: 'create' });
    // The user deletes the job while its create request is out; the refusal then comes back.
    let deleted!: Promise<void>;
    const fetch = companion.fetch;
    companion.fetch = async (input, init) => {
      if (String(input).endsWith('/api/v1/jobs') && !deleted) {
        const current = (await store.getJob('huge'))!;
        clock.advance(1);
        deleted = store.editJobs(['huge'], () => ({
          jobs: [{ ...current, deleted: true, updatedAt: clock.now() }],
          options: { markDirty: true },
          result: undefined,
        }));
        await deleted;
      }
      return fetch(input, init);
    };
    companion.client = createCompanionClient({
      baseUrl: 'http://127.0.0.1:8787',
      fetch: (input, init) => companion.fetch(input, init),
    });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, submitted: 0 });
    expect(deleted).toBeDefined();
    const stored = (await store.getJob('huge'))!;
    expect(stored).toMatchObject({ deleted: true, status: 'idle' });
    expect(await store.getSubmitQueue()).toEqual([]);
    expect(await store.getIndex()).toEqual([]);
    // The tombstone went out with the push; the companion never ran the job.
    expect(await serverJob(companion, 'huge')).toMatchObject({ deleted: true });
  });

  it('a job deleted while an earlier submission is out is not sent to the runner', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    await store.applyJobs([idle('first', clock.now()), idle('second', clock.now())], { submit: 'create' });
    const fetch = companion.fetch;
    let deleted = false;
    companion.fetch = async (input, init) => {
      if (String(input).endsWith('/api/v1/jobs') && !deleted) {
        deleted = true;
        clock.advance(1);
        await store.editJobs(['second'], (current) => ({
          jobs: [{ ...current.get('second')!, deleted: true, updatedAt: clock.now() }],
          options: { markDirty: true },
          result: undefined,
        }));
      }
      return fetch(input, init);
    };
    companion.client = createCompanionClient({
      baseUrl: 'http://127.0.0.1:8787',
      fetch: (input, init) => companion.fetch(input, init),
    });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, submitted: 1 });
    expect(
      companion
        .requests('/api/v1/jobs')
        .filter((r) => r.method === 'POST')
        .map((r) => (r.body as { id: string }).id),
    ).toEqual(['first']);
    expect(await store.getSubmitQueue()).toEqual([]);
    expect(await serverJob(companion, 'second')).toMatchObject({ deleted: true });
  });

  it('a retry of a failed job goes back to the runner', async () => {
    const failed = job({ id: 'f', status: 'error', error: 'PixelLab was down', updatedAt: clock.now() - 10_000 });
    companion = startCompanion(clock, { jobs: [failed] });
    const { store, engine } = replica(local(), clock, () => companion);
    await engine.syncOnce();
    await store.applyJobs([{ ...failed, status: 'idle', error: null, updatedAt: clock.now() }], { submit: 'retry' });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, submitted: 1 });
    expect(companion.requests('/api/v1/jobs/f/retry')).toHaveLength(1);
    clock.advance(10);
    await companion.runner.idle();
    await engine.syncOnce();
    expect((await store.getJob('f'))!.status).toBe('success');
  });

  it('concurrent syncOnce calls share one run', async () => {
    const { engine } = replica(local(), clock, () => companion);
    const [a, b] = await Promise.all([engine.syncOnce(), engine.syncOnce()]);
    expect(a).toBe(b);
    expect(companion.requests('/health')).toHaveLength(1);
  });
});

describe('while the companion is down', () => {
  it('backs off 1 s, 2 s, 4 s, then every 5 s (so a companion just started is seen at once), loses nothing, and the job stays idle until it is back', async () => {
    // A random of 0.5 puts the jitter at its middle: the nominal delays.
    const { store, engine } = replica(local(), clock, () => companion, { random: () => 0.5 });
    await store.applyJobs([idle('job-a', clock.now())], { submit: 'create' });
    companion.control.offline = true;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const result = await engine.syncOnce();
      expect(result).toMatchObject({ ok: false, errorKind: 'offline' });
      const state = await store.getSyncState();
      expect(state.online).toBe(false);
      expect(state.lastError).toMatch(/not reachable/);
      delays.push(state.nextAttemptAt! - clock.now());
      // Before the time is up a run does not even try.
      expect(await engine.syncOnce()).toMatchObject({ skipped: 'backoff' });
      clock.advance(state.nextAttemptAt! - clock.now());
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000, 5_000]);
    expect((await store.getJob('job-a'))!.status).toBe('idle');
    expect(await store.getSubmitQueue()).toEqual([{ id: 'job-a', action: 'create' }]);
    expect(await liveIds(store)).toEqual(['job-a']);

    companion.control.offline = false;
    expect(await engine.syncOnce()).toMatchObject({ ok: true, submitted: 1 });
    expect(await store.getSyncState()).toMatchObject({ online: true, nextAttemptAt: null, lastError: null });
    expect((await store.getJob('job-a'))!.status).not.toBe('idle');
  });

  it('jitters the delay by at most 20 % and never past 60 s', () => {
    expect(backoffDelay(1, () => 0)).toBe(800);
    expect(backoffDelay(1, () => 0.999)).toBeLessThanOrEqual(1_200);
    expect(backoffDelay(20, () => 0.999)).toBe(60_000);
    expect(backoffDelay(20, () => 0)).toBe(48_000);
  });

  it('a forced sync ignores the backoff', async () => {
    const { engine } = replica(local(), clock, () => companion);
    companion.control.offline = true;
    await engine.syncOnce();
    companion.control.offline = false;
    expect(await engine.syncOnce({ force: true })).toMatchObject({ ok: true });
  });
});

describe('conflicts: last writer wins, both ways', () => {
  it('a newer local edit reaches the companion; a newer companion version replaces an older local edit', async () => {
    companion = startCompanion(clock, {
      jobs: [
        job({ id: 'x', prompt: 'server old', updatedAt: 100 }),
        job({ id: 'y', prompt: 'server new', updatedAt: 900 }),
      ],
    });
    const { store, engine } = replica(local(), clock, () => companion);
    await store.setSyncState({ serverId: 'server-a' });
    await store.applyJobs(
      [job({ id: 'x', prompt: 'local new', updatedAt: 500 }), job({ id: 'y', prompt: 'local old', updatedAt: 300 })],
      { markDirty: true },
    );
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    expect((await serverJob(companion, 'x'))!.prompt).toBe('local new');
    expect((await serverJob(companion, 'y'))!.prompt).toBe('server new');
    expect((await store.getJob('x'))!.prompt).toBe('local new');
    expect((await store.getJob('y'))!.prompt).toBe('server new');
    expect(await store.getOutbox()).toEqual([]);
  });

  it('a local edit made while the pull runs stays dirty and wins next time', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    await store.applyJobs([job({ id: 'x', updatedAt: 100 })], { markDirty: true });
    await engine.syncOnce();
    // The companion's newer version arrives, but the local edit is newer still.
    await companion.store.put(job({ id: 'x', prompt: 'from companion', updatedAt: 200 }));
    await store.applyJobs([job({ id: 'x', prompt: 'edited here', updatedAt: 300 })], { markDirty: true });
    await engine.syncOnce({ push: false });
    expect((await store.getJob('x'))!.prompt).toBe('edited here');
    expect(await store.getOutbox()).toEqual(['x']);
    await engine.syncOnce();
    expect((await serverJob(companion, 'x'))!.prompt).toBe('edited here');
    expect(await store.getOutbox()).toEqual([]);
  });
});

describe('tombstones', () => {
  it('a delete syncs to the companion and to other browsers, and never comes back', async () => {
    const a = replica(local(), clock, () => companion);
    const b = replica(session(), clock, () => companion);
    await a.store.applyJobs([job({ id: 'gone', updatedAt: 100 }), job({ id: 'kept', updatedAt: 100 })], {
      markDirty: true,
    });
    await a.engine.syncOnce();
    await b.engine.syncOnce();
    expect(await liveIds(b.store)).toEqual(['gone', 'kept']);
    const stale = (await b.store.getJob('gone'))!;

    const current = (await a.store.getJob('gone'))!;
    await a.store.applyJobs([{ ...current, deleted: true, updatedAt: 500 }], { markDirty: true });
    await a.engine.syncOnce();
    expect((await serverJob(companion, 'gone'))!.deleted).toBe(true);

    // Browser b edits its old copy, older than the delete, and syncs: the delete wins everywhere.
    await b.store.applyJobs([{ ...stale, prompt: 'edited offline', updatedAt: 300 }], { markDirty: true });
    await b.engine.syncOnce();
    expect((await serverJob(companion, 'gone'))!.deleted).toBe(true);
    expect(await liveIds(b.store)).toEqual(['kept']);
    expect((await b.store.getJob('gone'))!.deleted).toBe(true);
    await a.engine.syncOnce();
    expect(await liveIds(a.store)).toEqual(['kept']);
  });
});

describe('a delete racing the runner', () => {
  it('a job deleted while it runs stays deleted when its later result arrives', async () => {
    const t0 = clock.now();
    companion = startCompanion(clock, { jobs: [job({ id: 'r', status: 'running', updatedAt: t0 })] });
    const { store, engine } = replica(local(), clock, () => companion);
    await engine.syncOnce();
    clock.advance(10);
    const running = (await store.getJob('r'))!;
    await store.applyJobs([{ ...running, deleted: true, updatedAt: clock.now() }], { markDirty: true });
    // The companion's runner finishes after the delete, before the delete reaches it.
    clock.advance(10);
    await companion.store.put(job({ id: 'r', status: 'success', updatedAt: clock.now() }));
    clock.advance(10);
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    expect((await store.getJob('r'))!.deleted).toBe(true);
    expect(await store.getIndex()).toEqual([]);
    expect((await serverJob(companion, 'r'))!.deleted).toBe(true);
    expect(await store.getOutbox()).toEqual([]);
  });
});

describe('paging and chunking', () => {
  it('pulls 450 jobs in a first page of 100 then pages of 2,000, and pushes 450 in chunks of at most 200', async () => {
    const many = Array.from({ length: 450 }, (_, i) =>
      job({ id: `s${String(i).padStart(3, '0')}`, createdAt: i, updatedAt: 1_000 + i }),
    );
    companion = startCompanion(clock, { jobs: many });
    const { store, engine } = replica(local(), clock, () => companion);
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 450 });
    expect(companion.requests('/api/v1/changes').map((r) => r.path)).toEqual([
      '/api/v1/changes?since=0&limit=100&v=2',
      '/api/v1/changes?since=100&limit=2000&v=2',
    ]);
    expect(await store.getIndex()).toHaveLength(450);
    expect((await store.getSyncState()).checkpoint).toBe(450);

    const mine = Array.from({ length: 450 }, (_, i) =>
      job({ id: `l${String(i).padStart(3, '0')}`, createdAt: 5_000 + i, updatedAt: 5_000 + i }),
    );
    await store.applyJobs(mine, { markDirty: true });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pushed: 450 });
    const pushes = companion.requests('/api/v1/push').map((r) => (r.body as { changes: unknown[] }).changes.length);
    expect(pushes).toEqual([200, 200, 50]);
    expect(companion.store.list()).toHaveLength(900);
    expect(await store.getOutbox()).toEqual([]);
  });
});

describe('a fresh or replaced companion', () => {
  it('receives the whole history, images and tombstones, and deletes nothing locally', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    const image = png('kept');
    await store.applyJobs(
      [
        job({ id: 'a', image: image.hash, updatedAt: 100 }),
        job({ id: 'b', updatedAt: 100 }),
        job({ id: 'c', deleted: true, updatedAt: 100 }),
      ],
      { markDirty: true, images: { [image.hash]: image.dataUrl } },
    );
    await engine.syncOnce();
    expect(companion.store.hasImage(image.hash)).toBe(true);

    // The companion's data dir is replaced by an empty one.
    companion = startCompanion(clock, { serverId: 'server-b' });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, serverChanged: true });
    expect(await liveIds(store)).toEqual(['a', 'b']);
    expect(
      companion.store
        .list()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect((await serverJob(companion, 'c'))!.deleted).toBe(true);
    expect(companion.store.hasImage(image.hash)).toBe(true);
    expect(await store.getSyncState()).toMatchObject({ serverId: 'server-b', checkpoint: companion.store.lastSeq });
  });
});

describe('failures in the middle', () => {
  it('a push whose answer was lost is retried with the same request id and applied once', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    await engine.syncOnce();
    await store.applyJobs([job({ id: 'p', updatedAt: 100 })], { markDirty: true });
    companion.control.dropAnswer = (s) => s.path === '/api/v1/push';
    expect(await engine.syncOnce()).toMatchObject({ ok: false, errorKind: 'offline' });
    const seqAfterFirst = companion.store.lastSeq;
    expect(await serverJob(companion, 'p')).toBeDefined();
    const pending = (await store.getPendingPush())!;
    expect(pending.jobs.map((j) => j.id)).toEqual(['p']);
    expect(await store.getOutbox()).toEqual(['p']);

    expect(await engine.syncOnce({ force: true })).toMatchObject({ ok: true });
    const pushes = companion.requests('/api/v1/push');
    expect(pushes).toHaveLength(2);
    expect((pushes[1]!.body as { requestId: string }).requestId).toBe(
      (pushes[0]!.body as { requestId: string }).requestId,
    );
    expect(companion.store.lastSeq).toBe(seqAfterFirst);
    expect(await store.getPendingPush()).toBeNull();
    expect(await store.getOutbox()).toEqual([]);
  });

  it('a worker stopped after the first page resumes at its checkpoint and ends up agreeing', async () => {
    const many = Array.from({ length: 450 }, (_, i) =>
      job({ id: `s${String(i).padStart(3, '0')}`, createdAt: i, updatedAt: 1_000 + i }),
    );
    companion = startCompanion(clock, { jobs: many });
    const first = replica(local(), clock, () => companion);
    companion.control.failBefore = (s) => s.path.startsWith('/api/v1/changes?since=100');
    expect(await first.engine.syncOnce()).toMatchObject({ ok: false });
    expect(await first.store.getIndex()).toHaveLength(100);
    expect((await first.store.getSyncState()).checkpoint).toBe(100);

    // A new worker: new store and engine objects over the same storage.
    companion.control.failBefore = null;
    const second = replica(local(), clock, () => companion);
    expect(await second.engine.syncOnce({ force: true })).toMatchObject({ ok: true, pulled: 350 });
    expect(companion.requests('/api/v1/changes').map((r) => r.path)).toContain(
      '/api/v1/changes?since=100&limit=100&v=2',
    );
    const serverIds = companion.store
      .list()
      .map((j) => j.id)
      .sort();
    expect(await liveIds(second.store)).toEqual(serverIds);
    for (const id of ['s000', 's250', 's449']) {
      expect(await second.store.getJob(id)).toEqual(jobSchema.parse({ ...companion.store.get(id), seq: undefined }));
    }
    expect((await fakeBrowser.storage.local.get(keys.stats))[keys.stats]).toMatchObject({ total: 450, success: 450 });
  });
});

describe('images and runs that must not be lost', () => {
  it('a submit answer for a job that already finished brings its image along', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    await store.applyJobs([idle('job-a', clock.now(), { prompt: 'knight' })], { submit: 'create' });
    // The companion queues the job, and the answer is lost; the job runs.
    companion.control.dropAnswer = (s) => s.path === '/api/v1/jobs';
    expect(await engine.syncOnce()).toMatchObject({ ok: false });
    clock.advance(10);
    await companion.runner.idle();
    // The resubmission is answered with the finished version, which wins: its image is fetched in the same sync.
    expect(await engine.syncOnce({ force: true, pull: false })).toMatchObject({ ok: true, submitted: 1 });
    const done = (await store.getJob('job-a'))!;
    expect(done.status).toBe('success');
    expect(await store.hasImages([done.image!])).toEqual(new Set([done.image]));
    expect(await store.getImagesWanted()).toEqual([]);
  });

  it('a job pulled before the companion holds its image gets the image at a later sync', async () => {
    const image = png('late');
    await companion.store.put(job({ id: 'x', image: image.hash, updatedAt: clock.now() }));
    const { store, engine } = replica(local(), clock, () => companion);
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 1 });
    expect((await store.getJob('x'))!.image).toBe(image.hash);
    expect(await store.hasImages([image.hash])).toEqual(new Set());
    expect(await store.getImagesWanted()).toEqual([{ id: 'x', hash: image.hash }]);
    // Still missing: asked again, still wanted.
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 0 });
    expect(imageRequests(companion, image.hash)).toHaveLength(2);
    expect(await store.getImagesWanted()).toHaveLength(1);
    // Uploaded by another browser: the next sync fetches it, though nothing changed in the history.
    await companion.store.putImage(image.bytes);
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 0 });
    expect(await store.hasImages([image.hash])).toEqual(new Set([image.hash]));
    expect(await store.getImagesWanted()).toEqual([]);
  });

  it('a first sync fetches images in batches, not one request per image', async () => {
    for (let i = 0; i < 250; i++) {
      const bytes = makeSprite(8, 8, `batch-${i}`);
      await companion.store.put(
        job({ id: `b${i}`, image: await companion.store.putImage(bytes), createdAt: i, updatedAt: clock.now() }),
      );
    }
    const { store, engine } = replica(local(), clock, () => companion);
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 250 });
    const jobs = await store.getJobs(Array.from({ length: 250 }, (_, i) => `b${i}`));
    const hashes = [...jobs.values()].map((j) => j.image!);
    expect((await store.hasImages(hashes)).size).toBe(250);
    // The head's images after each page (60, then the newest 60), then the rest in batches of at most 100:
    // each image asked for once, and no single-image request.
    const batches = companion.requests('/api/v1/images?').map((r) => r.path.split('=')[1]!.split(','));
    expect(batches.map((b) => b.length)).toEqual([60, 60, 100, 30]);
    expect(new Set(batches.flat()).size).toBe(250);
    expect(companion.requests('/api/v1/images/')).toEqual([]);
    expect(await store.getImagesWanted()).toEqual([]);
  });

  it('asks again for the images a batch answer left out to stay small', async () => {
    // Noise does not compress: 14 images of about 640 KB are more than one answer carries.
    let state = 7;
    const noise = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) >>> 24;
    for (let i = 0; i < 14; i++) {
      const bytes = encodePng(400, 400, () => [noise(), noise(), noise(), 255]);
      await companion.store.put(
        job({
          id: `n${i}`,
          width: 400,
          height: 400,
          image: await companion.store.putImage(bytes),
          updatedAt: clock.now(),
        }),
      );
    }
    const { store, engine } = replica(local(), clock, () => companion);
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 14 });
    const hashes = [...(await store.getJobs(Array.from({ length: 14 }, (_, i) => `n${i}`))).values()].map(
      (j) => j.image!,
    );
    expect((await store.hasImages(hashes)).size).toBe(14);
    expect(companion.requests('/api/v1/images?').length).toBeGreaterThan(1);
  });

  it('a companion without the batch route is asked one image at a time', async () => {
    for (let i = 0; i < 5; i++) {
      await companion.store.put(
        job({
          id: `o${i}`,
          image: await companion.store.putImage(makeSprite(8, 8, `old-${i}`)),
          updatedAt: clock.now(),
        }),
      );
    }
    const fetch = companion.fetch;
    const batchTries: string[] = [];
    const oldCompanion: typeof globalThis.fetch = async (input, init) => {
      if (String(input).includes('/api/v1/images?')) {
        batchTries.push(String(input));
        return new Response(JSON.stringify({ status: 'error', error: 'not_found', message: 'Not found' }), {
          status: 404,
        });
      }
      return fetch(input, init);
    };
    const client = createCompanionClient({ baseUrl: 'http://127.0.0.1:8787', fetch: oldCompanion });
    const store = createHistoryStore(local(), { now: clock.now });
    const engine = createSyncEngine({
      store,
      client: () => client,
      now: clock.now,
      random: nextRandom(),
      pageSize: 2,
    });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 5 });
    const hashes = [...(await store.getJobs(Array.from({ length: 5 }, (_, i) => `o${i}`))).values()].map(
      (j) => j.image!,
    );
    expect((await store.hasImages(hashes)).size).toBe(5);
    // Asked once, then remembered for the later pages.
    expect(batchTries).toHaveLength(1);
    expect(companion.requests('/api/v1/images/')).toHaveLength(5);
  });

  it('a wanted image is forgotten once its job no longer shows it', async () => {
    const image = png('never');
    await companion.store.put(job({ id: 'x', image: image.hash, updatedAt: clock.now() }));
    const { store, engine } = replica(local(), clock, () => companion);
    await engine.syncOnce();
    expect(await store.getImagesWanted()).toHaveLength(1);
    const current = (await store.getJob('x'))!;
    await store.applyJobs([{ ...current, deleted: true, updatedAt: clock.now() + 1 }], { markDirty: true });
    expect(await store.getImagesWanted()).toEqual([]);
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    expect(imageRequests(companion, image.hash)).toHaveLength(1);
  });

  it('a job retried in the millisecond it was created (its idle version ahead of the clock) is queued, not pushed back idle', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    const t = clock.now();
    await store.applyJobs([idle('job-a', t)], { submit: 'create' });
    await store.applyJobs([idle('job-a', t, { updatedAt: t + 1 })], { submit: 'retry' });
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    expect(companion.requests('/api/v1/jobs')[0]!.body).toMatchObject({ id: 'job-a', clientUpdatedAt: t + 1 });
    const server = (await serverJob(companion, 'job-a'))!;
    expect(server.status).not.toBe('idle');
    expect(isLater(server, { updatedAt: t + 1 })).toBe(true);
    expect((await store.getJob('job-a'))!.status).not.toBe('idle');
    expect(await store.getOutbox()).toEqual([]);
    expect(await store.getSubmitQueue()).toEqual([]);
    await companion.runner.idle();
    await engine.syncOnce();
    expect((await store.getJob('job-a'))!.status).toBe('success');
  });

  it('a retry that finds the job already queued adopts the companion’s version, stamped above its own', async () => {
    const t = clock.now();
    // A runner that takes no new jobs keeps it queued.
    await companion.runner.stop();
    await companion.store.put(job({ id: 'job-a', status: 'queued', updatedAt: t }));
    const { store, engine } = replica(local(), clock, () => companion);
    await engine.syncOnce();
    // Here the job is idle, newer than the companion's queued version (a clock ahead, or an earlier retry).
    await store.applyJobs([job({ id: 'job-a', status: 'idle', updatedAt: t + 50 })], { submit: 'retry' });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, submitted: 1 });
    expect(companion.requests('/api/v1/jobs/job-a/retry')).toHaveLength(1);
    const adopted = (await store.getJob('job-a'))!;
    expect(adopted).toMatchObject({ status: 'queued' });
    expect(isLater(adopted, { updatedAt: t + 50 })).toBe(true);
    expect(await serverJob(companion, 'job-a')).toEqual(
      expect.objectContaining({ ...adopted, seq: expect.any(Number) }),
    );
    expect(await store.getSubmitQueue()).toEqual([]);
    expect(await store.getOutbox()).toEqual([]);
  });

  it('a fresh companion runs the queued jobs it receives, and fails the running ones as interrupted', async () => {
    const old = startCompanion(clock, { serverId: 'server-old' });
    const { store, engine } = replica(local(), clock, () => companion);
    await store.setSyncState({ serverId: old.store.serverId });
    const t = clock.now();
    await store.applyJobs([
      job({ id: 'q', status: 'queued', updatedAt: t }),
      job({ id: 'r', status: 'running', startTime: t - 5, updatedAt: t }),
    ]);
    expect(await engine.syncOnce()).toMatchObject({ ok: true, serverChanged: true });
    expect(await store.getJob('r')).toMatchObject({ status: 'error', error: expect.stringMatching(/^Interrupted/) });
    clock.advance(10);
    await companion.runner.idle();
    expect((await serverJob(companion, 'q'))!.status).toBe('success');
    await engine.syncOnce();
    const q = (await store.getJob('q'))!;
    expect(q.status).toBe('success');
    expect(await store.hasImages([q.image!])).toEqual(new Set([q.image]));
  });
});
