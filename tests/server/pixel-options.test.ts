import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bytesToBase64, type SyncedJob, sha256Hex } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { makeSprite } from '../fixtures/png';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';

/** PixelLab's options, the plan and its errors, through the real companion over loopback, against the fake. */
const KEY = 'pixel-options-key';
let fake: FakePixelLab;
let companion: CompanionProcess;
let temp: Awaited<ReturnType<typeof makeTempDir>>;

const send = (method: string, path: string, body?: unknown) =>
  fetch(companion.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const get = async (path: string) => (await fetch(companion.url + path)).json();

async function finished(id: string): Promise<SyncedJob> {
  const until = Date.now() + 15_000;
  for (;;) {
    const { job } = await get(`/api/v1/jobs/${id}`);
    if (job.status === 'success' || job.status === 'error') return job;
    if (Date.now() > until) throw new Error(`job ${id} stuck: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
  temp = await makeTempDir();
  companion = await startCompanion({ dataDir: temp.dir, pixellabUrl: fake.url, apiKey: KEY });
});
afterAll(async () => {
  await companion?.stop();
  await fake?.close();
  await temp?.remove();
});
beforeEach(async () => {
  fake.reset();
  await send('PUT', '/api/v1/config', { tier: null });
});

describe('options through the companion', () => {
  it('stores the options on the job, sends them, and asks for an image it lacks', async () => {
    const style = makeSprite(64, 64, 'style ref');
    const hash = sha256Hex(style);
    const body = {
      id: 'job-style-1',
      prompt: 'a tree',
      width: 64,
      height: 64,
      options: { mode: 'bitforge', style_image: hash, style_strength: 30, no_background: true },
    };
    const missing = await send('POST', '/api/v1/jobs', body);
    expect(missing.status).toBe(409);
    expect(await missing.json()).toMatchObject({ error: 'image_required', field: 'options.style_image' });

    const wrong = await send('POST', '/api/v1/jobs', {
      ...body,
      imageData: { [hash]: bytesToBase64(makeSprite(8, 8, 'x')) },
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_body', field: 'imageData' });

    const queued = await send('POST', '/api/v1/jobs', { ...body, imageData: { [hash]: bytesToBase64(style) } });
    expect(queued.status).toBe(202);
    const done = await finished('job-style-1');
    expect(done).toMatchObject({
      status: 'success',
      options: { mode: 'bitforge', style_strength: 30, no_background: true },
    });
    expect(fake.requests.find((r) => r.path === '/generate-image-bitforge')?.body).toMatchObject({
      style_strength: 30,
      no_background: true,
      style_image: { type: 'base64' },
    });
  });

  it('refuses options outside PixelLab’s ranges, naming the field, before anything is queued', async () => {
    const res = await send('POST', '/api/v1/jobs', {
      prompt: 'x',
      options: { mode: 'pixflux', text_guidance_scale: 30 },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'options.text_guidance_scale' });
  });
});

describe('the PixelLab plan, as a companion setting', () => {
  it('is set, refuses a larger job before paying, and outlasts a restart', async () => {
    const set = await send('PUT', '/api/v1/config', { tier: 'free' });
    expect(await set.json()).toMatchObject({ tier: 'free', tierSource: 'user' });
    const res = await send('POST', '/api/v1/jobs', { prompt: 'castle', width: 300, height: 300 });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: 'over_plan', field: 'width' });
    const old = await send('POST', '/generate-character', { prompt: 'castle', width: 256, height: 256 });
    expect(old.status).toBe(422);
    expect(fake.requests).toHaveLength(0);

    await companion.stop();
    companion = await startCompanion({ dataDir: temp.dir, pixellabUrl: fake.url, apiKey: KEY });
    expect(await get('/api/v1/config')).toMatchObject({ tier: 'free', tierSource: 'user' });
    const health = await get('/health');
    expect(health.pixellab).toMatchObject({ tier: 'free', tierSource: 'user' });
  });

  it('tells the panel whether PixelLab v2 answers the key', async () => {
    await get('/health');
    const until = Date.now() + 5_000;
    while ((await get('/health')).pixellab.v2 !== true) {
      if (Date.now() > until) throw new Error('v2 never reported');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});

describe('PixelLab errors on the old API', () => {
  it('529 is a rate limit with Retry-After; 403 is the plan, not the key', async () => {
    fake.failNext({ status: 529, detail: 'Rate limit exceeded', headers: { 'retry-after': '9' } });
    const limited = await send('POST', '/generate-character', { prompt: 'x', width: 64, height: 64 });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('9');
    expect(await limited.json()).toMatchObject({ status: 'fail', error: 'pixellab_rate_limited' });

    fake.failNext({ status: 403, detail: 'Feature not available for your tier' });
    const forbidden = await send('POST', '/generate-character', { prompt: 'x', width: 64, height: 64 });
    expect(forbidden.status).toBe(403);
    const body = await forbidden.json();
    expect(body.error).toBe('pixellab_plan_forbidden');
    expect(body.error_message).toMatch(/not available on your plan/);
  });

  it('/rotate-character refuses a side over 200 before paying', async () => {
    const png = makeSprite(64, 64, 'r');
    const res = await send('POST', '/rotate-character', {
      image_data_url: `data:image/png;base64,${bytesToBase64(png)}`,
      to_direction: 'east',
      width: 201,
      height: 64,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'width' });
    expect(fake.requests).toHaveLength(0);
  });
});
