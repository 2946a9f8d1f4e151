import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  healthResponseSchema,
  imageBatchResponseSchema,
  jobSchema,
  MAX_IMAGE_BATCH,
  pullResponseSchema,
  pushResponseSchema,
  type SyncedJob,
  syncedJobSchema,
} from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { decodePngSize } from '../fixtures/png';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';
import { untilBalanceKnown } from '../helpers/until';
import { liveIds, untilFile } from '../helpers/until-file';

let fake: FakePixelLab;
let companion: CompanionProcess;
let temp: Awaited<ReturnType<typeof makeTempDir>>;

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const get = async (p: string) => (await fetch(companion.url + p)).json();

async function waitForJob(id: string, done: (job: SyncedJob) => boolean, timeoutMs = 15_000): Promise<SyncedJob> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { job } = await get(`/api/v1/jobs/${id}`);
    if (done(job)) return job;
    if (Date.now() > until) throw new Error(`job ${id} stuck: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: 'secret-key-123', balanceUsd: 12.5 });
  temp = await makeTempDir();
  companion = await startCompanion({ dataDir: temp.dir, pixellabUrl: fake.url, apiKey: 'secret-key-123' });
});
afterAll(async () => {
  await companion?.stop();
  await fake?.close();
  await temp?.remove();
});
beforeEach(() => fake.reset());

describe('seed endpoints keep the seed shapes', () => {
  it('GET /health says who it is, with the seed fields', async () => {
    const health = await untilBalanceKnown(() => get('/health'));
    expect(healthResponseSchema.parse(health)).toMatchObject({
      status: 'ok',
      app: 'pixellab-companion',
      api_key_detected: true,
      balance: { status: 'ok', usd: 12.5 },
      auth: 'none',
    });
    expect(typeof health.server_time).toBe('string');
    expect(health.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it('GET /balance', async () => {
    expect(await get('/balance')).toEqual({ status: 'ok', usd: 12.5 });
  });

  it('POST /generate-character answers like the seed with a real PNG', async () => {
    const res = await fetch(
      companion.url + '/generate-character',
      json({ prompt: 'heroic knight', width: 48, height: 32, seed: '7' }),
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: 'success',
      prompt: 'heroic knight',
      width: 48,
      height: 32,
      seed: 7,
      error_message: null,
    });
    expect(typeof body.duration).toBe('number');
    expect(typeof body.timestamp).toBe('string');
    const png = Buffer.from(body.image_data_url.split(',')[1], 'base64');
    expect(decodePngSize(png)).toEqual({ width: 48, height: 32 });
    expect(fake.requests.at(-1)).toMatchObject({ path: '/generate-image-pixflux', authorized: true });
  });

  it('POST /rotate-character rotates a data URL', async () => {
    const made = await (
      await fetch(companion.url + '/generate-character', json({ prompt: 'mage', width: 64, height: 64 }))
    ).json();
    const res = await fetch(
      companion.url + '/rotate-character',
      json({ image_data_url: made.image_data_url, to_direction: 'east', width: 64, height: 64 }),
    );
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: 'success', width: 64, height: 64, error_message: null });
    expect(body.image_data_url).toMatch(/^data:image\/png;base64,/);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/rotate' });
  });

  it('passes PixelLab errors on in plain words, never the key', async () => {
    fake.failNext({ status: 429, detail: 'Too many requests, slow down' });
    const res = await fetch(companion.url + '/generate-character', json({ prompt: 'x' }));
    expect(res.status).toBe(429);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'fail', image_data_url: null });
    expect(body.error_message).toMatch(/429/);
    expect(body.error_message).toMatch(/slow down/);
    expect(JSON.stringify(body)).not.toContain('secret-key-123');
  });

  it('save-jobs replaces the history, load-jobs gives it back, the backup holds the previous file', async () => {
    const png = (
      await (await fetch(companion.url + '/generate-character', json({ prompt: 'p', width: 32, height: 32 }))).json()
    ).image_data_url;
    const first = {
      jobs: [
        {
          id: 'job-1',
          prompt: 'a',
          width: 64,
          height: 64,
          seed: null,
          status: 'success',
          result: png,
          error: null,
          startTime: 1,
          endTime: 2,
          duration: 0.001,
          createdAt: 1,
        },
      ],
      lastJobId: 1,
    };
    const saved = await (await fetch(companion.url + '/save-jobs', json(first))).json();
    expect(saved).toMatchObject({ status: 'ok', message: 'Saved 1 jobs' });
    expect(saved.fileSize).toBeGreaterThan(0);
    expect(typeof saved.savedAt).toBe('string');
    // The save is in the journal when answered; the file follows a moment later.
    const mainFile = path.join(temp.dir, 'job_history.json');
    const fileAfterFirst = await untilFile(mainFile, (text) => liveIds(text).join() === 'job-1');

    const second = {
      jobs: [
        ...first.jobs,
        {
          id: 'job-2',
          prompt: 'b',
          width: 32,
          height: 32,
          seed: 5,
          status: 'error',
          result: null,
          error: 'boom',
          startTime: 3,
          endTime: 4,
          duration: 0.001,
          createdAt: 3,
        },
      ],
      lastJobId: 2,
    };
    await fetch(companion.url + '/save-jobs', json(second));
    await untilFile(mainFile, (text) => liveIds(text).join() === 'job-1,job-2');
    expect(await readFile(path.join(temp.dir, 'job_history.json.backup'), 'utf8')).toBe(fileAfterFirst);

    const loaded = await get('/load-jobs');
    expect(loaded).toMatchObject({ status: 'ok', lastJobId: 2, message: 'Loaded 2 jobs' });
    expect(loaded.jobs.map((j: { id: string }) => j.id)).toEqual(['job-1', 'job-2']);
    expect(loaded.jobs[0].result).toBe(png);
    expect(loaded.jobs[1]).toMatchObject({ status: 'error', error: 'boom', result: null, seed: 5 });

    const file = JSON.parse(await readFile(path.join(temp.dir, 'job_history.json'), 'utf8'));
    expect(file).toMatchObject({ lastJobId: 2, version: '2.0' });
    expect(typeof file.savedAt).toBe('string');
    // Images live beside the file, not inside it.
    expect(JSON.stringify(file)).not.toContain('data:image/png');
    expect(existsSync(path.join(temp.dir, 'images', `${file.jobs[0].image}.png`))).toBe(true);
  });

  it('clear-history tombstones everything and keeps the previous file as the backup', async () => {
    const mainFile = path.join(temp.dir, 'job_history.json');
    const before = await untilFile(mainFile, (text) => liveIds(text).length > 0);
    const res = await (
      await fetch(companion.url + '/clear-history', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json();
    expect(res).toMatchObject({ status: 'ok' });
    expect((await get('/load-jobs')).jobs).toEqual([]);
    await untilFile(mainFile, (text) => liveIds(text).length === 0);
    expect(await readFile(path.join(temp.dir, 'job_history.json.backup'), 'utf8')).toBe(before);
  });
});

describe('jobs run in the companion', () => {
  it('202 with the stored job, then queued -> running -> success with the PNG on disk first', async () => {
    fake.setDelay(200);
    const res = await fetch(companion.url + '/api/v1/jobs', json({ prompt: 'dragon', width: 32, height: 48, seed: 3 }));
    expect(res.status).toBe(202);
    const { job } = await res.json();
    expect(syncedJobSchema.parse(job)).toMatchObject({
      status: 'queued',
      prompt: 'dragon',
      width: 32,
      height: 48,
      seed: 3,
    });
    // Done is reported through the changes feed, which only carries versions already on disk.
    let done: SyncedJob | undefined;
    for (let i = 0; i < 300 && !done; i++) {
      const page = pullResponseSchema.parse(await get(`/api/v1/changes?since=${job.seq}&limit=500`));
      done = page.changes.find((c) => c.id === job.id && c.status === 'success');
      if (!done) await new Promise((r) => setTimeout(r, 50));
    }
    if (!done) throw new Error('the job never reported success');
    expect(done.image).toMatch(/^[0-9a-f]{64}$/);
    expect(done.startTime).toBeGreaterThan(0);
    expect(done.endTime).toBeGreaterThanOrEqual(done.startTime!);
    expect(done.duration).toBeGreaterThan(0);
    const onDisk = JSON.parse(
      await untilFile(path.join(temp.dir, 'job_history.json'), (text) => text.includes(done!.image!)),
    );
    expect(onDisk.jobs.find((j: { id: string }) => j.id === job.id)).toMatchObject({
      status: 'success',
      image: done.image,
    });
    const image = await fetch(`${companion.url}/api/v1/images/${done.image}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await image.arrayBuffer());
    expect(decodePngSize(bytes)).toEqual({ width: 32, height: 48 });

    // The same image in a batch, beside one the companion does not hold.
    const absent = 'f'.repeat(64);
    const batch = imageBatchResponseSchema.parse(
      await get(`/api/v1/images?hashes=${done.image},${absent},${done.image}`),
    );
    expect(batch).toEqual({
      images: { [done.image!]: Buffer.from(bytes).toString('base64') },
      missing: [absent],
      deferred: [],
    });
  });

  it('a batch of images refuses a bad hash, an empty list and more than MAX_IMAGE_BATCH hashes', async () => {
    for (const query of [
      'hashes=nope',
      'hashes=',
      '',
      `hashes=${Array.from({ length: MAX_IMAGE_BATCH + 1 }, () => 'a'.repeat(64)).join(',')}`,
    ]) {
      const res = await fetch(`${companion.url}/api/v1/images?${query}`);
      expect(res.status, query.slice(0, 30)).toBe(400);
      expect(await res.json()).toMatchObject({ status: 'error', message: expect.stringMatching(/^hashes/) as unknown });
    }
  });

  it('a resubmitted id is not run twice', async () => {
    const body = { id: 'job-idem-1', prompt: 'once', width: 32, height: 32 };
    const a = await fetch(companion.url + '/api/v1/jobs', json(body));
    const b = await fetch(companion.url + '/api/v1/jobs', json(body));
    expect([a.status, b.status]).toEqual([202, 200]);
    await waitForJob('job-idem-1', (j) => j.status === 'success');
    expect(fake.requests.filter((r) => (r.body as { description?: string })?.description === 'once')).toHaveLength(1);
  });

  it('retry re-runs a failed job; a rotate job runs from a stored image', async () => {
    fake.failNext({ status: 422, detail: [{ loc: ['body', 'description'], msg: 'bad words', type: 'value_error' }] });
    const { job } = await (await fetch(companion.url + '/api/v1/jobs', json({ prompt: 'will fail' }))).json();
    const failed = await waitForJob(job.id, (j) => j.status === 'error');
    expect(failed.error).toMatch(/422/);
    expect(failed.error).toMatch(/bad words/);
    const retry = await fetch(`${companion.url}/api/v1/jobs/${job.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    const ok = await waitForJob(job.id, (j) => j.status === 'success');

    const rot = await fetch(
      companion.url + '/api/v1/jobs',
      json({
        kind: 'rotate',
        prompt: 'will fail (east)',
        width: 64,
        height: 64,
        rotate: { toDirection: 'east', sourceJobId: job.id, sourceImage: ok.image },
      }),
    );
    expect(rot.status).toBe(202);
    const rotated = await waitForJob((await rot.json()).job.id, (j) => j.status === 'success');
    expect(rotated).toMatchObject({ kind: 'rotate', rotate: { toDirection: 'east', sourceImage: ok.image } });
    expect(fake.requests.at(-1)?.path).toBe('/rotate');
  });

  it('a rotate of an image the companion lacks asks for it (409)', async () => {
    const res = await fetch(
      companion.url + '/api/v1/jobs',
      json({ kind: 'rotate', prompt: 'r', rotate: { toDirection: 'east', sourceImage: 'a'.repeat(64) } }),
    );
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'image_required', field: 'rotate.sourceImage' });
  });

  it('PUT /api/v1/config sets the parallel limit', async () => {
    const res = await fetch(companion.url + '/api/v1/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parallelLimit: 2 }),
    });
    expect(await res.json()).toEqual({ parallelLimit: 2, tier: null, tierSource: null });
    expect((await get('/health')).runner.limit).toBe(2);
    await fetch(companion.url + '/api/v1/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parallelLimit: 3 }),
    });
  });
});

describe('incremental sync', () => {
  it('pulls in pages since a checkpoint and pushes with last-writer-wins', async () => {
    const now = Date.now();
    const jobs = Array.from({ length: 25 }, (_, i) =>
      jobSchema.parse({
        id: `job-sync-${i}`,
        prompt: `p${i}`,
        width: 64,
        height: 64,
        status: 'idle',
        createdAt: now,
        updatedAt: now,
      }),
    );
    const push = await fetch(
      companion.url + '/api/v1/push',
      json({ requestId: 'req-00000001', clientId: 'c1', changes: jobs }),
    );
    const pushed = pushResponseSchema.parse(await push.json());
    expect(pushed.results.every((r) => r.outcome === 'applied')).toBe(true);

    const seen: string[] = [];
    let since = pushed.lastSeq - 25;
    for (;;) {
      const page = pullResponseSchema.parse(await get(`/api/v1/changes?since=${since}&limit=10`));
      seen.push(...page.changes.map((c) => c.id));
      since = page.lastSeq;
      if (!page.hasMore) break;
    }
    expect(seen).toEqual(jobs.map((j) => j.id));

    // Older version loses and the answer carries the winner; a newer one wins.
    const stale = { ...jobs[0]!, prompt: 'stale', updatedAt: now - 1 };
    const fresh = { ...jobs[1]!, prompt: 'fresh', updatedAt: now + 1 };
    const second = pushResponseSchema.parse(
      await (
        await fetch(
          companion.url + '/api/v1/push',
          json({ requestId: 'req-00000002', clientId: 'c1', changes: [stale, fresh] }),
        )
      ).json(),
    );
    expect(second.results.map((r) => [r.outcome, r.job.prompt])).toEqual([
      ['ignored', 'p0'],
      ['applied', 'fresh'],
    ]);

    // The same request id is applied once: no new sequence numbers.
    const again = pushResponseSchema.parse(
      await (
        await fetch(
          companion.url + '/api/v1/push',
          json({ requestId: 'req-00000002', clientId: 'c1', changes: [stale, fresh] }),
        )
      ).json(),
    );
    expect(again.lastSeq).toBe(second.lastSeq);

    // A tombstone syncs as a change.
    const del = { ...jobs[2]!, deleted: true, updatedAt: now + 2 };
    const third = pushResponseSchema.parse(
      await (
        await fetch(companion.url + '/api/v1/push', json({ requestId: 'req-00000003', clientId: 'c1', changes: [del] }))
      ).json(),
    );
    const tail = pullResponseSchema.parse(await get(`/api/v1/changes?since=${third.lastSeq - 1}`));
    expect(tail.changes).toEqual([expect.objectContaining({ id: 'job-sync-2', deleted: true })]);
    expect((await get('/load-jobs')).jobs.some((j: { id: string }) => j.id === 'job-sync-2')).toBe(false);
  });

  it('asks for images it lacks, and takes them with their hash checked', async () => {
    const made = await (
      await fetch(companion.url + '/generate-character', json({ prompt: 'img', width: 32, height: 32 }))
    ).json();
    const b64 = made.image_data_url.split(',')[1];
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
    const fakeHash = 'b'.repeat(64);
    const job = jobSchema.parse({
      id: 'job-img-1',
      prompt: 'x',
      width: 32,
      height: 32,
      status: 'success',
      image: fakeHash,
      createdAt: 1,
      updatedAt: 1,
    });
    const res = pushResponseSchema.parse(
      await (
        await fetch(companion.url + '/api/v1/push', json({ requestId: 'req-img-0001', clientId: 'c2', changes: [job] }))
      ).json(),
    );
    expect(res.needImages).toEqual([fakeHash]);
    const bad = await fetch(
      companion.url + '/api/v1/push',
      json({ requestId: 'req-img-0002', clientId: 'c2', changes: [], images: { [fakeHash]: b64 } }),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'image_hash_mismatch' });
    const good = await fetch(
      companion.url + '/api/v1/push',
      json({
        requestId: 'req-img-0003',
        clientId: 'c2',
        changes: [{ ...job, image: hash, updatedAt: 2 }],
        images: { [hash]: b64 },
      }),
    );
    expect(pushResponseSchema.parse(await good.json()).needImages).toEqual([]);
  });
});

describe('never reveals the PixelLab key', () => {
  it('not in any response, file or log line', async () => {
    const bodies = await Promise.all(
      ['/health', '/balance', '/load-jobs', '/api/v1/changes'].map(async (p) =>
        (await fetch(companion.url + p)).text(),
      ),
    );
    for (const body of bodies) expect(body).not.toContain('secret-key-123');
    const { readdir } = await import('node:fs/promises');
    for (const name of await readdir(temp.dir)) {
      if (name.endsWith('.json') || name.includes('backup')) {
        expect(await readFile(path.join(temp.dir, name), 'utf8')).not.toContain('secret-key-123');
      }
    }
    expect(companion.logs.join('\n')).not.toContain('secret-key-123');
  });
});
