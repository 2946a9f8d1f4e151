/**
 * Bounds of the old API's whole-history routes (issue 12, "Bounds"): refuse past limits that fit real
 * histories with a clear 413, bound each job's record, stream /load-jobs, and keep /health answering while a
 * large save is read. Clients: scripts with no Origin, over real HTTP (a companion process) and in process.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../../companion-server/store/file-store';
import { bytesToPngDataUrl, type Job, jobSchema } from '../../utils/domain';
import { encodePng, makeSprite } from '../fixtures/png';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';
import { call, type InProcess, job, pushBody, startInProcess, tempDir } from '../reliability/support';

const J = { 'content-type': 'application/json' };
const opened: { h: InProcess; t: Awaited<ReturnType<typeof tempDir>> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.h.close();
    await o.t.remove();
  }
});

async function inProcess(saveJobs: number) {
  const t = await tempDir();
  const h = await startInProcess({ dataDir: t.dir, runner: 'idle', limits: { saveJobs } });
  opened.push({ h, t });
  return h;
}

/** A 64x64 PNG with some noise: about 4.5 KB like the bench's sprites (a flat one compresses to 300 bytes). */
const NOISY = encodePng(64, 64, (x, y) => {
  const n = (x * 7919 + y * 104729 + x * y * 31) % 251;
  return (x + y) % 5 < 2 ? [n, (n * 3) % 256, (n * 7) % 256, 255] : [40, 60, 90, 255];
});

/** A history of `n` finished jobs, each with the same noisy 64x64 PNG as a data URL. */
function seedHistory(n: number, from = 1) {
  const result = bytesToPngDataUrl(NOISY);
  return Array.from({ length: n }, (_, i) => ({
    id: `job-${from + i}`,
    prompt: `sprite number ${from + i}`,
    width: 64,
    height: 64,
    seed: null,
    status: 'success',
    result,
    error: null,
    startTime: 1,
    endTime: 2,
    duration: 0.001,
    createdAt: from + i,
  }));
}

describe('how much a save may carry', () => {
  it('past the limit: 413 in plain words, read no further, nothing written', async () => {
    const h = await inProcess(1024 * 1024);
    const body = JSON.stringify({ jobs: seedHistory(400), lastJobId: 400 });
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await call(h.app, { method: 'POST', path: '/save-jobs', headers: J, body });
    expect(res.status).toBe(413);
    const answer = JSON.parse(await res.text());
    expect(answer).toMatchObject({ status: 'error', error: 'body_too_large' });
    expect(answer.message).toMatch(/larger than 1 MB.*twice what \/load-jobs answers/);
    expect(h.store.lastSeq).toBe(0);
  });

  it('a client can always save back what /load-jobs gave it, even past the limit', async () => {
    const h = await inProcess(256 * 1024);
    // The history arrives in small saves, each under the limit.
    for (let from = 1; from <= 200; from += 20) {
      const res = await call(h.app, {
        method: 'POST',
        path: '/save-jobs',
        headers: J,
        body: JSON.stringify({ jobs: seedHistory(20, from) }),
      });
      expect(res.status).toBe(200);
    }
    const loaded = await (await call(h.app, { method: 'GET', path: '/load-jobs' })).text();
    expect(loaded.length).toBeGreaterThan(256 * 1024);
    const back = await call(h.app, { method: 'POST', path: '/save-jobs', headers: J, body: loaded });
    expect(back.status, await back.clone().text()).toBe(200);
  });

  it('a job whose record would be over 64 KB (besides its image) is refused, by push and by save', async () => {
    const h = await inProcess(64 * 1024 * 1024);
    const huge = 'x'.repeat(70 * 1024);
    const pushed = await call(h.app, {
      method: 'POST',
      path: '/api/v1/push',
      headers: J,
      body: pushBody('req-huge-0001', [job('job-huge', 10, { notes: huge })]),
    });
    expect(pushed.status).toBe(400);
    expect(JSON.parse(await pushed.text()).message).toMatch(/at most 64 KB/);
    const saved = await call(h.app, {
      method: 'POST',
      path: '/save-jobs',
      headers: J,
      body: JSON.stringify({ jobs: [{ id: 'job-1', prompt: 'x', status: 'error', notes: huge, createdAt: 1 }] }),
    });
    expect(saved.status).toBe(400);
    expect(h.store.lastSeq).toBe(0);
  });
});

describe('a large save in progress', () => {
  let companion: CompanionProcess;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeAll(async () => {
    temp = await makeTempDir();
    companion = await startCompanion({ dataDir: temp.dir });
  });
  afterAll(async () => {
    await companion?.stop();
    await temp?.remove();
  });

  it('leaves /health answering while it runs, and the whole history loads back', async () => {
    const jobs = seedHistory(10_000);
    const body = Buffer.from(JSON.stringify({ jobs, lastJobId: 10_000 }));
    expect(body.length).toBeGreaterThan(55 * 1024 * 1024);
    let saving = true;
    const latencies: number[] = [];
    const probe = (async () => {
      while (saving) {
        const start = performance.now();
        await fetch(`${companion.url}/health`);
        latencies.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const saveStart = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${companion.url}/save-jobs`,
        { method: 'POST', headers: { ...J, 'content-length': String(body.length) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const saveMs = performance.now() - saveStart;
    saving = false;
    await probe;
    // The figure the README's Reliability section quotes.
    console.log(
      `/health during a ${(body.length / 2 ** 20).toFixed(0)} MiB save of 10,000 jobs (${(saveMs / 1000).toFixed(1)} s): ` +
        `${latencies.length} probes, slowest ${Math.max(...latencies).toFixed(0)} ms`,
    );
    expect(status).toBe(200);
    expect(latencies.length).toBeGreaterThan(3);
    // The defect held /health for the whole save (43 s). Measured against the save's own time, which a loaded
    // machine stretches as much as the probes, not a fixed 1 s; that figure is the bench's (9. in bench/README.md).
    expect(Math.max(...latencies)).toBeLessThan(Math.max(1_000, saveMs / 2));
    const loaded = await (await fetch(`${companion.url}/load-jobs`)).json();
    expect(loaded.jobs).toHaveLength(10_000);
    expect(loaded.jobs[9_999]).toMatchObject({ id: 'job-10000', result: jobs[0]!.result });
  }, 60_000);
});

describe('many image files, few file handles', () => {
  it('/load-jobs of 2,000 jobs with their own images works under `ulimit -n 256` (it failed with EMFILE)', async () => {
    const temp = await makeTempDir();
    try {
      const store = await createFileStore({ dataDir: temp.dir, log: () => undefined });
      const jobs: Job[] = [];
      for (let i = 1; i <= 2000; i++) {
        const image = await store.putImage(makeSprite(8, 8, `sprite ${i}`));
        jobs.push(jobSchema.parse(job(`job-${i}`, i, { status: 'success', image, createdAt: i })));
      }
      await store.merge(jobs);
      await store.close();
      const companion = await startCompanion({ dataDir: temp.dir, fileLimit: 256 });
      try {
        const res = await fetch(`${companion.url}/load-jobs`);
        expect(res.status).toBe(200);
        const loaded = await res.json();
        expect(loaded.jobs).toHaveLength(2000);
        expect(loaded.jobs.every((j: { result: unknown }) => typeof j.result === 'string')).toBe(true);
        const pull = await (
          await fetch(
            `${companion.url}/api/v1/images?hashes=${jobs
              .slice(0, 100)
              .map((j) => j.image)
              .join(',')}`,
          )
        ).json();
        expect(Object.keys(pull.images)).toHaveLength(100);
      } finally {
        await companion.stop();
      }
    } finally {
      await temp.remove();
    }
  }, 60_000);
});
