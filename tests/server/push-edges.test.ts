/**
 * The edges of POST /api/v1/push and GET /api/v1/changes found by the second attack review (issue 23: items 2,
 * 9, 10, and the limits of issue 12), over the real app with a file store and the real runner against the fake
 * PixelLab over HTTP. Clients: the side panel's sync engine, as a script would drive it (no Origin).
 */
import { truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../companion-server/lib/hash';
import type { JobRunner } from '../../companion-server/paid/runner';
import { createPixelLabClient } from '../../companion-server/pixellab/client';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { makeSprite } from '../fixtures/png';
import { call, type InProcess, job, pushBody, startInProcess, tempDir } from '../reliability/support';

const J = { 'content-type': 'application/json' };
let fake: FakePixelLab;
const open: { h: InProcess; t: Awaited<ReturnType<typeof tempDir>> }[] = [];
beforeAll(async () => {
  fake = await startFakePixelLab();
});
afterAll(async () => {
  await fake?.close();
});
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.h.close();
    await o.t.remove();
  }
});

async function companion() {
  const t = await tempDir();
  const pixellab = createPixelLabClient({ baseUrl: fake.url, apiKey: fake.apiKey });
  const h = await startInProcess({ dataDir: t.dir, runner: 'real', pixellab });
  open.push({ h, t });
  return h;
}

async function push(h: InProcess, requestId: string, changes: unknown[], images: Record<string, string> = {}) {
  const res = await call(h.app, {
    method: 'POST',
    path: '/api/v1/push',
    headers: J,
    body: pushBody(requestId, changes, images),
  });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

const runner = (h: InProcess) => h.runner as JobRunner;

describe('jobs that arrive by push are held to the limits of a new request', () => {
  it('a queued 4096x4096 job fails in plain words and never reaches PixelLab', async () => {
    const h = await companion();
    const before = fake.requests.length;
    const { status, body } = await push(h, 'req-big-0001', [
      job('job-big', 10, { status: 'queued', width: 4096, height: 4096 }),
    ]);
    expect(status).toBe(200);
    expect(body.results[0].job).toMatchObject({ status: 'error', error: expect.stringMatching(/width: .*<=400/) });
    await runner(h).idle();
    expect(fake.requests.length).toBe(before);
  });

  it('a queued rotate above 200 px fails the same way', async () => {
    const h = await companion();
    const png = makeSprite(8, 8, 'src');
    const hash = sha256Hex(png);
    const rotate = { toDirection: 'east', fromDirection: null, sourceJobId: null, sourceImage: hash };
    const { body } = await push(
      h,
      'req-rot-0001',
      [job('job-rot', 10, { kind: 'rotate', status: 'queued', width: 256, height: 256, rotate })],
      { [hash]: Buffer.from(png).toString('base64') },
    );
    expect(body.results[0].job).toMatchObject({ status: 'error', error: expect.stringMatching(/up to 200x200/) });
  });
});

describe('a pushed rotate job whose image comes in the next request', () => {
  it('waits for the image, then runs (it failed when the image came 50 ms later)', async () => {
    const h = await companion();
    const png = makeSprite(16, 16, 'source sprite');
    const hash = sha256Hex(png);
    const rotate = { toDirection: 'west', fromDirection: 'east', sourceJobId: null, sourceImage: hash };
    const first = await push(h, 'req-wait-0001', [
      job('job-rot', 10, { kind: 'rotate', status: 'queued', width: 16, height: 16, rotate }),
    ]);
    expect(first.body.needImages).toEqual([hash]);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.store.get('job-rot')).toMatchObject({ status: 'queued' });
    const second = await push(h, 'req-wait-0002', [], { [hash]: Buffer.from(png).toString('base64') });
    expect(second.status).toBe(200);
    await runner(h).idle();
    expect(h.store.get('job-rot')).toMatchObject({ status: 'success', image: expect.any(String) });
  });
});

describe('retried pushes', () => {
  it('apply once, and answer the current version of each job, not a copy kept from the first answer', async () => {
    const h = await companion();
    const body = [job('job-1', 10, { status: 'error', error: 'x' })];
    const first = await push(h, 'req-retry-0001', body);
    expect(first.body.results[0]).toMatchObject({ outcome: 'applied', job: { seq: 1 } });
    await push(h, 'req-other-0001', [job('job-1', 20, { status: 'error', error: 'y' })]);
    const again = await push(h, 'req-retry-0001', body);
    // Not applied again (no new seq), and the answer carries the version the companion holds now.
    expect(again.body.results[0]).toMatchObject({ outcome: 'applied', job: { seq: 2, error: 'y' } });
    expect(h.store.lastSeq).toBe(2);
  });
});

describe('an image the companion lost', () => {
  it('is asked for in every pull until a client uploads it again, and then served whole', async () => {
    const h = await companion();
    const png = makeSprite(8, 8, 'will be damaged');
    const hash = sha256Hex(png);
    await push(h, 'req-img-0001', [job('job-1', 10, { status: 'success', image: hash })], {
      [hash]: Buffer.from(png).toString('base64'),
    });
    await truncate(path.join(h.dir, 'images', `${hash}.png`), 10);
    // Restarting is what makes the companion forget it checked the file.
    await h.close();
    const again = await startInProcess({ dataDir: h.dir, runner: 'idle' });
    open.push({ h: again, t: { dir: h.dir, remove: async () => undefined } as Awaited<ReturnType<typeof tempDir>> });
    const served = await call(again.app, { method: 'GET', path: `/api/v1/images/${hash}` });
    expect(served.status).toBe(404);
    const pull = JSON.parse(await (await call(again.app, { method: 'GET', path: '/api/v1/changes?since=0' })).text());
    expect(pull.needImages).toEqual([hash]);
    const upload = await push(again, 'req-img-0002', [], { [hash]: Buffer.from(png).toString('base64') });
    expect(upload.status).toBe(200);
    const fixed = await call(again.app, { method: 'GET', path: `/api/v1/images/${hash}` });
    expect(new Uint8Array(await fixed.arrayBuffer())).toEqual(png);
    const after = JSON.parse(await (await call(again.app, { method: 'GET', path: '/api/v1/changes?since=0' })).text());
    expect(after.needImages).toEqual([]);
  });
});

describe('times at the edge of exact numbers (issue 23, item 6)', () => {
  it('a version stamped 2^53 is refused, and a finished job pushed again as queued is not run or charged again', async () => {
    const h = await companion();
    const huge = await push(h, 'req-huge-0001', [job('job-huge', 2 ** 53, { status: 'queued' })]);
    expect(huge.status).toBe(400);
    expect(huge.body.message).toMatch(/before the year 2200/);
    expect(h.store.get('job-huge')).toBeUndefined();

    await push(h, 'req-run-0001', [job('job-paid', 1_000, { status: 'queued' })]);
    await runner(h).idle();
    const paid = h.store.get('job-paid')!;
    expect(paid).toMatchObject({ status: 'success', image: expect.any(String) });
    const calls = fake.requests.filter((r) => r.path.includes('generate')).length;
    expect(calls).toBeGreaterThan(0);
    // A stale copy of the job from before it ran, re-sent with any later time the schema allows.
    const stale = await push(h, 'req-run-0002', [job('job-paid', 7_258_118_399_999, { status: 'queued' })]);
    expect(stale.status).toBe(200);
    await runner(h).idle();
    expect(h.store.get('job-paid')).toMatchObject({ status: 'success', image: paid.image });
    expect(fake.requests.filter((r) => r.path.includes('generate')).length).toBe(calls);
  });
});
