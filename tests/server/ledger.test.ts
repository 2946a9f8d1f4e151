/**
 * `GET /api/v1/ledger` over real HTTP, against the real companion process and the fake PixelLab: every paid call
 * is one row (jobs and the old API's calls), as JSON or CSV, for a range; web pages and untrusted extensions do
 * not get it; a bad query is a 400 that names the field.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LEDGER_CSV_HEADER, ledgerResponseSchema, type SyncedJob } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';

const KEY = 'pl-key-ledger';
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

async function start(args: string[] = []) {
  const t = await makeTempDir();
  temps.push(t);
  const c = await startCompanion({ dataDir: t.dir, pixellabUrl: fake.url, apiKey: KEY, args });
  running.push(c);
  return c;
}

const post = (c: CompanionProcess, p: string, body: unknown) =>
  fetch(c.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function waitForJob(c: CompanionProcess, id: string): Promise<SyncedJob> {
  for (let i = 0; i < 300; i++) {
    const { job } = await (await fetch(`${c.url}/api/v1/jobs/${id}`)).json();
    if (job.status === 'success' || job.status === 'error') return job;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not end`);
}

describe('GET /api/v1/ledger', () => {
  it('lists every paid call once, for jobs and the old API, as JSON and as CSV, within a range', async () => {
    const c = await start();
    const before = Date.now();
    fake.setPrice({ usd: 0.0125 });
    expect((await post(c, '/api/v1/jobs', { id: 'job-l1', prompt: 'a', width: 64, height: 64 })).status).toBe(202);
    expect((await waitForJob(c, 'job-l1')).usd).toBe(0.0125);
    fake.setPrice({ usd: 0.03 });
    expect((await post(c, '/generate-character', { prompt: 'b', width: 32, height: 48 })).status).toBe(200);

    const res = await fetch(`${c.url}/api/v1/ledger`);
    expect(res.status).toBe(200);
    const { rows } = ledgerResponseSchema.parse(await res.json());
    expect(rows.map((r) => [r.jobId, r.kind, r.width, r.height, r.usd])).toEqual([
      ['job-l1', 'generate', 64, 64, 0.0125],
      [null, 'generate', 32, 48, 0.03],
    ]);

    const csv = await fetch(`${c.url}/api/v1/ledger?format=csv&from=${before}`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(LEDGER_CSV_HEADER.join(','));
    expect(lines.slice(1).map((l) => l.split(',').slice(1))).toEqual([
      ['job-l1', 'generate', '64x64', '0.0125', 'false'],
      ['', 'generate', '32x48', '0.03', 'false'],
    ]);
    expect(new Date(lines[1]!.split(',')[0]!).getTime()).toBe(rows[0]!.at);

    // A range that ends before the calls holds none of them.
    const empty = ledgerResponseSchema.parse(await (await fetch(`${c.url}/api/v1/ledger?to=${before}`)).json());
    expect(empty.rows).toEqual([]);
  });

  it('answers a bad range with a 400 that names the field', async () => {
    const c = await start();
    const bad = await fetch(`${c.url}/api/v1/ledger?from=20&to=10`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'error', error: 'invalid_body', field: 'from' });
    expect((await fetch(`${c.url}/api/v1/ledger?from=yesterday`)).status).toBe(400);
    expect((await fetch(`${c.url}/api/v1/ledger?format=xml`)).status).toBe(400);
  });

  it('is for the extension and local tools: an allowed web page, an unknown extension, or no token is refused', async () => {
    const c = await start(['--allow-origin', 'http://localhost:5500']);
    const web = await fetch(`${c.url}/api/v1/ledger`, { headers: { origin: 'http://localhost:5500' } });
    expect(web.status).toBe(403);
    expect(await web.json()).toMatchObject({ error: 'route_refused' });
    // The page may still use what --allow-origin lets it use.
    expect((await fetch(`${c.url}/api/v1/spend`, { headers: { origin: 'http://localhost:5500' } })).status).toBe(200);
    const stranger = await fetch(`${c.url}/api/v1/ledger`, {
      headers: { origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop' },
    });
    expect(stranger.status).toBe(401);
    const own = await fetch(`${c.url}/api/v1/ledger`, {
      headers: { origin: 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen' },
    });
    expect(own.status).toBe(200);

    const locked = await start(['--token', 'secret-token']);
    expect((await fetch(`${locked.url}/api/v1/ledger`)).status).toBe(401);
    const ok = await fetch(`${locked.url}/api/v1/ledger`, { headers: { authorization: 'Bearer secret-token' } });
    expect(ok.status).toBe(200);
  });
});
