/**
 * Paid calls over real HTTP, against the real companion process and the fake PixelLab: the old API's calls share
 * the runner's parallel limit, the user's spending limits refuse calls with a clear answer (and survive a
 * restart), every paid call lands in the cost ledger, and jobs carry their cost.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SpendResponse, type SyncedJob, spendResponseSchema } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';

const KEY = 'pl-key-paid-calls';
let fake: FakePixelLab;
const running: CompanionProcess[] = [];
const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];

beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
  for (const t of temps.splice(0)) await t.remove();
});

async function start(args: string[] = [], env: Record<string, string> = {}, dataDir?: string) {
  if (!dataDir) {
    const t = await makeTempDir();
    temps.push(t);
    dataDir = t.dir;
  }
  const c = await startCompanion({ dataDir, pixellabUrl: fake.url, apiKey: KEY, args, env });
  running.push(c);
  return c;
}

const post = (c: CompanionProcess, p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(c.url + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const getJson = async (c: CompanionProcess, p: string, headers: Record<string, string> = {}) =>
  (await fetch(c.url + p, { headers })).json();
const spend = async (c: CompanionProcess): Promise<SpendResponse> =>
  spendResponseSchema.parse(await getJson(c, '/api/v1/spend'));

async function waitForJob(c: CompanionProcess, id: string): Promise<SyncedJob> {
  for (let i = 0; i < 300; i++) {
    const { job } = await getJson(c, `/api/v1/jobs/${id}`);
    if (job.status === 'success' || job.status === 'error') return job;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not end`);
}

const ledgerRows = async (c: CompanionProcess) => {
  const month = new Date().toISOString().slice(0, 7);
  const text = await readFile(path.join(c.dataDir, 'costs', `${month}.jsonl`), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
};

describe("the old API's paid calls", () => {
  it('/generate-character asks for a transparent background as the old server did, in the old shape', async () => {
    const c = await start();
    fake.setPrice({ usd: 0.0123 });
    const res = await post(c, '/generate-character', { prompt: 'archer', width: 32, height: 32, seed: '5' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(
      [
        'duration',
        'error_message',
        'height',
        'image_data_url',
        'prompt',
        'seed',
        'status',
        'timestamp',
        'width',
      ].sort(),
    );
    expect(body).toMatchObject({ status: 'success', prompt: 'archer', seed: 5, error_message: null });
    expect(fake.requests.at(-1)).toMatchObject({ path: '/generate-image-pixflux', body: { no_background: true } });
    expect(await ledgerRows(c)).toEqual([
      {
        id: expect.any(String),
        at: expect.any(Number),
        jobId: null,
        kind: 'generate',
        width: 32,
        height: 32,
        usd: 0.0123,
      },
    ]);
  });

  it("shares the runner's parallel limit with queued jobs, taking turns", async () => {
    const c = await start(['--parallel', '1']);
    fake.setDelay(150);
    for (let i = 0; i < 3; i++) {
      expect(
        (await post(c, '/api/v1/jobs', { id: `job-q${i}`, prompt: `queued ${i}`, width: 32, height: 32 })).status,
      ).toBe(202);
    }
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const seeds = Array.from({ length: 2 }, (_, i) =>
      post(c, '/generate-character', { prompt: `old api ${i}`, width: 32, height: 32 }).then((r) => r.status),
    );
    expect(await Promise.all(seeds)).toEqual([200, 200]);
    for (let i = 0; i < 3; i++) expect((await waitForJob(c, `job-q${i}`)).status).toBe('success');
    expect(fake.maxInFlight).toBe(1);
    // One job was running when the old API's calls arrived; then they alternate.
    const order = fake.requests.map((r) => (r.body as { description: string }).description.replace(/ \d$/, ''));
    expect(order).toEqual(['queued', 'old api', 'queued', 'old api', 'queued']);
  });

  it('thirty at once stay within the limit (they all ran at once before)', async () => {
    const c = await start(['--parallel', '3', '--max-calls-per-minute', '0']);
    fake.setDelay(40);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(c, '/generate-character', { prompt: `burst ${i}`, width: 32, height: 32 }).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array(30).fill(200));
    expect(fake.maxInFlight).toBe(3);
  });
});

describe('the spending guard', () => {
  it('the per-minute cap refuses the old API with 429 and Retry-After, and ends a queued job in an error, unpaid', async () => {
    const c = await start(['--max-calls-per-minute', '2']);
    for (let i = 0; i < 2; i++) expect((await post(c, '/generate-character', { prompt: `p${i}` })).status).toBe(200);
    const res = await post(c, '/generate-character', { prompt: 'one too many', width: 48, height: 48 });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = await res.json();
    expect(body).toMatchObject({
      status: 'fail',
      error: 'spending_limit',
      prompt: 'one too many',
      width: 48,
      image_data_url: null,
    });
    expect(body.error_message).toMatch(/at most 2 PixelLab calls a minute \(--max-calls-per-minute\), and 2 started/);
    expect(body.error_message).toMatch(/resets in \d+ s/);

    expect((await post(c, '/api/v1/jobs', { id: 'job-capped', prompt: 'capped', width: 32, height: 32 })).status).toBe(
      202,
    );
    const job = await waitForJob(c, 'job-capped');
    expect(job).toMatchObject({ status: 'error', image: null });
    expect(job.error).toMatch(/at most 2 PixelLab calls a minute/);
    expect(fake.requests).toHaveLength(2);
    expect((await spend(c)).callsLastMinute).toBe(2);
  });

  it('the daily limit counts the ledger, refuses with the limit, the spend and the reset, and survives a restart', async () => {
    const c = await start(['--max-usd-per-day', '0.02', '--max-calls-per-minute', '0']);
    fake.setPrice({ usd: 0.008 });
    expect((await post(c, '/generate-character', { prompt: 'one' })).status).toBe(200);
    expect((await post(c, '/api/v1/jobs', { id: 'job-paid', prompt: 'two', width: 64, height: 64 })).status).toBe(202);
    expect(await waitForJob(c, 'job-paid')).toMatchObject({ status: 'success', usd: 0.008 });

    const refused = await post(c, '/generate-character', { prompt: 'three' });
    expect(refused.status).toBe(429);
    const message = (await refused.json()).error_message as string;
    expect(message).toMatch(/at most \$0\.02 a day on PixelLab \(--max-usd-per-day\)\. \$0\.016 was spent today/);
    expect(message).toMatch(/would cost about \$0\.008/);
    expect(message).toMatch(/resets at midnight, \d{4}-\d\d-\d\d 00:00 \(local time\)/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await spend(c)).toMatchObject({
      todayUsd: 0.016,
      inFlightUsd: 0,
      limits: { maxUsdPerDay: 0.02, maxCallsPerMinute: null },
    });
    expect((await ledgerRows(c)).map((r) => [r.jobId, r.usd])).toEqual([
      [null, 0.008],
      ['job-paid', 0.008],
    ]);

    await c.stop();
    running.splice(running.indexOf(c), 1);
    const again = await start(['--max-usd-per-day', '0.02'], {}, c.dataDir);
    expect((await spend(again)).todayUsd).toBe(0.016);
    expect((await post(again, '/generate-character', { prompt: 'after restart' })).status).toBe(429);
    expect(fake.requests).toHaveLength(2);
  });

  it('an answer without a cost counts its estimate, marked as such', async () => {
    const c = await start();
    fake.setPrice({ usd: 0.004 });
    await post(c, '/generate-character', { prompt: 'priced', width: 32, height: 32 });
    fake.setPrice({ usd: null, omitUsage: true });
    await post(c, '/generate-character', { prompt: 'unpriced', width: 32, height: 32 });
    expect((await ledgerRows(c)).map((r) => [r.usd, r.estimated ?? false])).toEqual([
      [0.004, false],
      [0.004, true],
    ]);
    expect((await spend(c)).todayUsd).toBe(0.008);
  });

  it('GET /api/v1/spend needs the token in token mode; the limits come from the environment too', async () => {
    const c = await start(['--token', 'tok-spend'], {
      COMPANION_MAX_USD_PER_DAY: '3.5',
      COMPANION_MAX_CALLS_PER_MINUTE: '9',
    });
    expect((await fetch(`${c.url}/api/v1/spend`)).status).toBe(401);
    const body = spendResponseSchema.parse(await getJson(c, '/api/v1/spend', { authorization: 'Bearer tok-spend' }));
    expect(body).toMatchObject({ todayUsd: 0, limits: { maxUsdPerDay: 3.5, maxCallsPerMinute: 9 } });
    expect(body.resetsAt).toBeGreaterThan(Date.now());
  });
});
