import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSchema } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { runCompanion, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';
import { until, untilBalanceKnown } from '../helpers/until';

let fake: FakePixelLab;
const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
const tempDir = async () => {
  const t = await makeTempDir();
  temps.push(t);
  return t.dir;
};
beforeAll(async () => {
  fake = await startFakePixelLab();
});
afterAll(async () => {
  await fake?.close();
  for (const t of temps) await t.remove();
});

describe('start-up and shutdown', () => {
  it('prints one clear line with the URL and the data file', async () => {
    const dir = await tempDir();
    const c = await startCompanion({ dataDir: dir, pixellabUrl: fake.url, apiKey: fake.apiKey });
    expect(c.logs[0]).toMatch(
      new RegExp(
        `^PixelLab companion listening on http://127\\.0\\.0\\.1:\\d+ - history: ${path.join(dir, 'job_history.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(from --data-dir\\)$`,
      ),
    );
    await c.stop();
  });

  it('reads PIXELLAB_API_KEY from .env in the working directory', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, '.env'), `PIXELLAB_API_KEY=${fake.apiKey}\n`);
    const c = await startCompanion({ dataDir: dir, pixellabUrl: fake.url, env: { PIXELLAB_API_KEY: undefined } });
    const health = await untilBalanceKnown(async () => (await fetch(c.url + '/health')).json());
    expect(health).toMatchObject({ api_key_detected: true, balance: { status: 'ok' } });
    await c.stop();
    const noKey = await startCompanion({ dataDir: await tempDir(), apiKey: null });
    expect((await (await fetch(noKey.url + '/health')).json()).balance).toMatchObject({ status: 'missing' });
    await noKey.stop();
  });

  it('names the port when it is already in use, without a stack trace', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const { code, output } = await runCompanion({ dataDir: await tempDir(), args: ['--port', String(port)] });
    blocker.close();
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      `Port ${port} is already in use: stop the other server or start this one with --port <another port>.`,
    );
  });

  it('refuses a second companion on the same data dir, naming the first', async () => {
    const dir = await tempDir();
    const first = await startCompanion({ dataDir: dir });
    const { code, output } = await runCompanion({ dataDir: dir, args: ['--port', '0'] });
    expect(code).toBe(1);
    expect(output).toMatch(
      new RegExp(`Another companion \\(pid ${first.proc.pid}, started .*\\) is already using the data dir`),
    );
    // The first one is unharmed and still serves; once it stops, the dir is free again.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    await first.stop();
    const next = await startCompanion({ dataDir: dir });
    await next.stop();
  });

  it('takes over the lock a killed companion left behind', async () => {
    const dir = await tempDir();
    const first = await startCompanion({ dataDir: dir });
    await fetch(`${first.url}/save-jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: [{ id: 'job-1', prompt: 'kept', status: 'error', error: 'x', createdAt: 1 }] }),
    });
    await first.kill();
    const next = await startCompanion({ dataDir: dir });
    expect(next.logs.join('\n')).toMatch(/Took over companion\.lock left by pid \d+/);
    const loaded = await (await fetch(`${next.url}/load-jobs`)).json();
    expect(loaded.jobs.map((j: { id: string }) => j.id)).toEqual(['job-1']);
    await next.stop();
  });

  it('explains a bad flag', async () => {
    const { code, output } = await runCompanion({ dataDir: await tempDir(), args: ['--parallel', 'lots'] });
    expect(code).toBe(1);
    expect(output).toContain('--parallel must be a whole number');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('SIGTERM finishes in-flight writes, then exits 0', async () => {
    const dir = await tempDir();
    const c = await startCompanion({ dataDir: dir });
    const now = Date.now();
    // One acknowledged write first, so the file exists whatever the machine's load.
    await fetch(c.url + '/clear-history', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const writes = Array.from({ length: 30 }, (_, i) =>
      fetch(c.url + '/api/v1/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          requestId: `sigterm-${i}-x`,
          clientId: 'c',
          changes: [
            jobSchema.parse({
              id: `job-t${i}`,
              prompt: 'x',
              width: 64,
              height: 64,
              status: 'idle',
              createdAt: now,
              updatedAt: now,
            }),
          ],
        }),
      }).then(
        (r) => r.ok,
        () => false,
      ),
    );
    await new Promise((r) => setTimeout(r, 20));
    const code = await c.stop();
    const acked = (await Promise.all(writes)).map((ok, i) => (ok ? `job-t${i}` : null)).filter(Boolean);
    expect(code).toBe(0);
    const file = JSON.parse(await readFile(path.join(dir, 'job_history.json'), 'utf8'));
    const ids = new Set(file.jobs.map((j: { id: string }) => j.id));
    for (const id of acked) expect(ids.has(id)).toBe(true);
  });

  it('a restart fails jobs that were running as interrupted; they can be retried', async () => {
    const dir = await tempDir();
    fake.setDelay(5_000);
    const c = await startCompanion({ dataDir: dir, pixellabUrl: fake.url, apiKey: fake.apiKey });
    const { job } = await (
      await fetch(c.url + '/api/v1/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'slow' }),
      })
    ).json();
    // Killed only once the job is running (its call is at PixelLab): a count of tries could run out first.
    await until(
      'the job at PixelLab',
      async () => fake.inFlight,
      (n) => n > 0,
    );
    await c.kill();
    fake.reset();
    const again = await startCompanion({ dataDir: dir, pixellabUrl: fake.url, apiKey: fake.apiKey });
    const after = (await (await fetch(`${again.url}/api/v1/jobs/${job.id}`)).json()).job;
    expect(after).toMatchObject({ status: 'error' });
    expect(after.error).toMatch(/interrupted/i);
    expect((await fetch(`${again.url}/api/v1/jobs/${job.id}/retry`, { method: 'POST' })).status).toBe(202);
    const retried = await until(
      'the retried job to end',
      async () => (await (await fetch(`${again.url}/api/v1/jobs/${job.id}`)).json()).job,
      (j) => j.status === 'success' || j.status === 'error',
    );
    expect(retried.status).toBe('success');
    await again.stop();
  });
});
