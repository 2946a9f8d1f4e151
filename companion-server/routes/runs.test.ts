/**
 * What the job and push routes hand to the runner, and how they stamp the versions they answer, so that no
 * job is left queued, running or idle with nobody to run it (tests/convergence/README.md, defects 3 and 4).
 */
import { describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { isLater } from '../../tests/helpers/versions';
import { type Job, type JobInput, jobSchema } from '../../utils/domain';
import { createApp } from '../app';
import { defaultLimits, type PixelLab, type Runner } from '../deps';
import { createRunner } from '../paid/runner';
import { INTERRUPTED_WHILE_RUNNING } from '../store/history-file';
import { createMemoryStore } from '../store/memory-store';

const START = 1_700_000_000_000;
const HOST = 'http://127.0.0.1:8787';

function job(overrides: Partial<JobInput> & { id: string }): Job {
  return jobSchema.parse({
    prompt: `prompt ${overrides.id}`,
    width: 64,
    height: 64,
    status: 'idle',
    createdAt: START,
    updatedAt: START,
    ...overrides,
  });
}

/** A companion in-process over a memory store, with a runner that records what it was handed (or the real one). */
function companion(options: { jobs?: Job[]; realRunner?: boolean; pixellab?: PixelLab } = {}) {
  const clock = { t: START };
  const now = () => clock.t;
  const store = createMemoryStore({ now, serverId: 'server-a', jobs: options.jobs });
  const handed: string[] = [];
  const pixellab: PixelLab = options.pixellab ?? {
    generate: async ({ prompt }) => ({ png: makeSprite(8, 8, prompt), usd: 0.01, seed: 1 }),
    rotate: async () => ({ png: makeSprite(8, 8, 'r'), usd: 0.01 }),
    balance: async () => ({ usd: 1 }),
  };
  const real = options.realRunner ? createRunner({ store, pixellab, now, log: () => undefined }) : null;
  const runner: Runner = real ?? {
    enqueue: (id) => void handed.push(id),
    setLimit: () => undefined,
    limit: 3,
    running: 0,
  };
  const app = createApp({
    store,
    pixellab,
    runner,
    now,
    log: () => undefined,
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 0,
    },
  });
  const post = async (path: string, body?: unknown) => {
    const res = await app.request(`${HOST}${path}`, {
      method: 'POST',
      headers: { host: '127.0.0.1:8787', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  return { clock, store, app, handed, runner: real, post };
}

describe('POST /api/v1/push hands applied versions that wait on a runner to this one', () => {
  it('a queued job pushed to a fresh companion is handed to the runner, once even when the push is retried', async () => {
    const c = companion();
    const queued = job({ id: 'q', status: 'queued', updatedAt: START - 5 });
    const push = { requestId: 'push-0001', clientId: 'ext-a', changes: [queued] };
    expect((await c.post('/api/v1/push', push)).json.results[0]).toMatchObject({
      outcome: 'applied',
      job: { status: 'queued' },
    });
    await c.post('/api/v1/push', push);
    expect(c.handed).toEqual(['q']);
    // The same version again under a new request id is not applied, so not handed again either.
    await c.post('/api/v1/push', { ...push, requestId: 'push-0002' });
    expect(c.handed).toEqual(['q']);
  });

  it('a running job pushed to a fresh companion fails as interrupted, and the answer carries that version', async () => {
    const c = companion();
    const running = job({ id: 'r', status: 'running', startTime: START - 50, updatedAt: START - 5 });
    const { json } = await c.post('/api/v1/push', { requestId: 'push-0001', clientId: 'ext-a', changes: [running] });
    expect(json.results[0]).toMatchObject({
      id: 'r',
      job: { status: 'error', error: INTERRUPTED_WHILE_RUNNING, startTime: START - 50 },
    });
    expect(isLater(json.results[0].job, running)).toBe(true);
    expect(c.store.get('r')).toMatchObject({ status: 'error', error: INTERRUPTED_WHILE_RUNNING });
    expect(c.handed).toEqual([]);
  });

  it('deleted, finished and ignored versions are not handed over', async () => {
    const c = companion({ jobs: [job({ id: 'newer', status: 'queued', updatedAt: START + 100 })] });
    const changes = [
      job({ id: 'gone', status: 'queued', deleted: true }),
      job({ id: 'done', status: 'success' }),
      job({ id: 'newer', status: 'running', updatedAt: START }),
    ];
    await c.post('/api/v1/push', { requestId: 'push-0001', clientId: 'ext-a', changes });
    expect(c.handed).toEqual([]);
    expect(c.store.get('newer')).toMatchObject({ status: 'queued', updatedAt: START + 100 });
  });

  it('with the real runner, a job pushed while it runs is not run twice', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const pixellab: PixelLab = {
      generate: async ({ prompt }) => {
        calls++;
        await new Promise<void>((resolve) => (release = resolve));
        return { png: makeSprite(8, 8, prompt), usd: 0.01, seed: 1 };
      },
      rotate: async () => ({ png: makeSprite(8, 8, 'r'), usd: 0.01 }),
      balance: async () => ({ usd: 1 }),
    };
    const c = companion({ realRunner: true, pixellab });
    const queued = (await c.post('/api/v1/jobs', { id: 'job-1', prompt: 'knight', clientUpdatedAt: START })).json.job;
    await new Promise((resolve) => setTimeout(resolve, 0));
    const running = c.store.get('job-1')!;
    expect(running.status).toBe('running');
    // A client pushes the queued version it was answered (older: ignored), then a queued version stamped
    // later than the running one (applied, so handed to the runner while it runs the job).
    const { seq: _seq, ...base } = queued;
    await c.post('/api/v1/push', { requestId: 'push-0001', clientId: 'ext-a', changes: [base] });
    const { json } = await c.post('/api/v1/push', {
      requestId: 'push-0002',
      clientId: 'ext-a',
      changes: [{ ...base, updatedAt: running.updatedAt + 1 }],
    });
    expect(json.results[0]).toMatchObject({ outcome: 'applied' });
    release();
    await c.runner!.idle();
    expect(calls).toBe(1);
    expect(c.store.get('job-1')!.status).toBe('success');
  });
});

describe('create and retry stamp the queued version above the client’s own (clientUpdatedAt)', () => {
  it('create: above the client’s idle version even when it is ahead of the companion’s clock', async () => {
    const c = companion();
    const { status, json } = await c.post('/api/v1/jobs', {
      id: 'job-1',
      prompt: 'knight',
      createdAt: START,
      clientUpdatedAt: START + 7,
    });
    expect(status).toBe(202);
    expect(json.job).toMatchObject({ status: 'queued' });
    expect(isLater(json.job, { updatedAt: START + 7 })).toBe(true);
    expect(c.handed).toEqual(['job-1']);
  });

  it('create of a job already queued answers it stamped above the client’s version, and hands nothing over again', async () => {
    const c = companion({ jobs: [job({ id: 'job-1', status: 'queued', updatedAt: START - 10 })] });
    const { status, json } = await c.post('/api/v1/jobs', {
      id: 'job-1',
      prompt: 'knight',
      clientUpdatedAt: START + 3,
    });
    expect(status).toBe(200);
    expect(json.job).toMatchObject({ status: 'queued' });
    expect(isLater(json.job, { updatedAt: START + 3 })).toBe(true);
    expect(c.handed).toEqual([]);
  });

  it('retry: queued above the client’s version; without a body it behaves as before', async () => {
    const c = companion({
      jobs: [
        job({ id: 'a', status: 'error', updatedAt: START - 10 }),
        job({ id: 'b', status: 'error', updatedAt: START - 10 }),
      ],
    });
    const a = await c.post('/api/v1/jobs/a/retry', { clientUpdatedAt: START + 20 });
    expect(a).toMatchObject({ status: 202, json: { job: { status: 'queued' } } });
    expect(isLater(a.json.job, { updatedAt: START + 20 })).toBe(true);
    const b = await c.post('/api/v1/jobs/b/retry');
    expect(b).toMatchObject({ status: 202, json: { job: { status: 'queued' } } });
    expect(isLater(b.json.job, { updatedAt: START - 10 })).toBe(true);
    expect(c.handed).toEqual(['a', 'b']);
  });

  it('retry of a job already queued or running: 409 without clientUpdatedAt, its version (stamped above) with it', async () => {
    const c = companion({ jobs: [job({ id: 'r', status: 'running', updatedAt: START - 10 })] });
    expect(await c.post('/api/v1/jobs/r/retry')).toMatchObject({ status: 409, json: { error: 'already_active' } });
    expect(await c.post('/api/v1/jobs/r/retry', {})).toMatchObject({ status: 409 });
    expect(await c.post('/api/v1/jobs/r/retry', { clientUpdatedAt: START - 20 })).toMatchObject({
      status: 200,
      json: { job: { status: 'running', updatedAt: START - 10 } },
    });
    const r = await c.post('/api/v1/jobs/r/retry', { clientUpdatedAt: START + 5 });
    expect(r).toMatchObject({ status: 200, json: { job: { status: 'running' } } });
    expect(isLater(r.json.job, { updatedAt: START + 5 })).toBe(true);
    expect(c.handed).toEqual([]);
  });

  it('a retry body must be JSON with a valid clientUpdatedAt', async () => {
    const c = companion({ jobs: [job({ id: 'a', status: 'error' })] });
    expect(await c.post('/api/v1/jobs/a/retry', { clientUpdatedAt: -1 })).toMatchObject({
      status: 400,
      json: { field: 'clientUpdatedAt' },
    });
    const res = await c.app.request(`${HOST}/api/v1/jobs/a/retry`, {
      method: 'POST',
      headers: { host: '127.0.0.1:8787', 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(c.store.get('a')!.status).toBe('error');
  });
});
