import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakePixelLab, startFakePixelLab } from '../../tests/fixtures/fake-pixellab';
import { decodePngSize, makeSprite } from '../../tests/fixtures/png';
import { type JobInput, jobSchema, type SyncedJob, sha256Hex } from '../../utils/domain';
import { decodePng } from '../../utils/export/png';
import { createPixelLabClient } from '../pixellab/client';
import { createPixelLabPlan, type PixelLabPlan } from '../pixellab/plan';
import { createPixelLabV2Client, v2BaseUrl } from '../pixellab/v2-client';
import { createMemoryStore } from '../store/memory-store';
import { createMemorySettingsStore } from '../store/settings-store';
import type { JobStore } from '../store/types';
import { createRunner, type JobRunner } from './runner';

/** The runner with PixelLab's options, plans, rate limits and multi-frame results, against the fake PixelLab. */
const KEY = 'sk-runner-options';
let fake: FakePixelLab;
let store: JobStore;
let plan: PixelLabPlan;
let runner: JobRunner | undefined;
let logs: string[];

beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  store = createMemoryStore({ serverId: 'options-test' });
  plan = createPixelLabPlan(createMemorySettingsStore());
  logs = [];
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

function start(): JobRunner {
  const pixellab = createPixelLabClient({ baseUrl: fake.url, apiKey: KEY });
  const v2 = createPixelLabV2Client({ baseUrl: v2BaseUrl(fake.url), apiKey: KEY, pollMs: 1 });
  runner = createRunner({
    store,
    pixellab: { ...pixellab, v2 },
    plan,
    log: (line) => logs.push(line),
    rateLimit: { firstMs: 5, maxMs: 20, attempts: 3 },
  });
  return runner;
}

let n = 0;
async function run(fields: Partial<JobInput> & Record<string, unknown>): Promise<SyncedJob> {
  const job = await store.put(
    jobSchema.parse({
      id: `job-o-${++n}`,
      prompt: 'a knight',
      width: 64,
      height: 64,
      status: 'queued',
      createdAt: 1,
      updatedAt: 1,
      ...fields,
    }),
  );
  const r = runner ?? start();
  r.enqueue(job.id);
  await r.idle();
  return store.get(job.id)!;
}

const generations = () => fake.requests.filter((r) => r.path !== '/balance');

describe('options', () => {
  it('sends the job’s options, and keeps them on the finished job', async () => {
    const options = { mode: 'pixflux', no_background: true, outline: 'lineless', text_guidance_scale: 11 };
    const done = await run({ options });
    expect(done).toMatchObject({ status: 'success', options });
    expect(generations()[0]!.body).toMatchObject({ no_background: true, outline: 'lineless', text_guidance_scale: 11 });
  });

  it('reads the images options name from the store, and says which one is missing', async () => {
    const style = makeSprite(64, 64, 'style');
    const hash = await store.putImage(style);
    const done = await run({ options: { mode: 'bitforge', style_image: hash, style_strength: 40 } });
    expect(done.status).toBe('success');
    expect(generations()[0]).toMatchObject({ path: '/generate-image-bitforge', body: { style_strength: 40 } });

    const failed = await run({ options: { mode: 'bitforge', style_image: 'c'.repeat(64) } });
    expect(failed.error).toMatch(/^The style image \(cccccccccccc…\) is not on the companion/);
    expect(generations()).toHaveLength(1);
  });

  it('keeps an animation as one strip of its frames', async () => {
    const reference = await store.putImage(makeSprite(64, 64, 'hero'));
    const done = await run({ options: { mode: 'animate', action: 'walk', reference_image: reference } });
    expect(done).toMatchObject({ status: 'success', frames: { count: 4, labels: null } });
    const png = await store.readImage(done.image!);
    expect(decodePngSize(png!)).toEqual({ width: 256, height: 64 });
  });

  it('keeps a v2 turnaround as one strip, its frames named by direction', async () => {
    const done = await run({ width: 48, height: 48, options: { mode: 'character', n_directions: 4 } });
    expect(done).toMatchObject({
      status: 'success',
      frames: { count: 4, labels: ['south', 'west', 'east', 'north'] },
    });
    const strip = decodePng((await store.readImage(done.image!))!);
    expect([strip.width, strip.height]).toEqual([192, 48]);
    expect(sha256Hex((await store.readImage(done.image!))!)).toBe(done.image);
  });
});

describe('the PixelLab plan', () => {
  it('refuses a size above the plan before paying', async () => {
    await plan.set('free');
    const done = await run({ width: 300, height: 300 });
    expect(done.status).toBe('error');
    expect(done.error).toMatch(/300x300 is more than your PixelLab plan allows \(Free \(up to 200×200\)/);
    expect(generations()).toHaveLength(0);
  });

  it('learns the plan from PixelLab’s refusal, and checks it from then on', async () => {
    fake.setTierArea(200 * 200);
    const first = await run({ width: 300, height: 300 });
    expect(first.error).toMatch(/exceeds the maximum of 40000 pixels.*the companion now checks sizes against it/);
    expect([plan.tier, plan.source]).toEqual(['free', 'learned']);
    const second = await run({ width: 256, height: 256 });
    expect(second.error).toMatch(/more than your PixelLab plan allows/);
    expect(generations()).toHaveLength(1);
    expect((await run({ width: 200, height: 200 })).status).toBe('success');
  });
});

describe('rate limits', () => {
  it('tries again after the pause PixelLab asks for, and succeeds', async () => {
    fake.failNext({ status: 529, detail: 'Rate limit exceeded', headers: { 'retry-after': '0' } });
    const done = await run({});
    expect(done.status).toBe('success');
    expect(generations()).toHaveLength(2);
    expect(logs.some((l) => l.includes('PixelLab rate limit (529); trying again'))).toBe(true);
  });

  it('backs off without Retry-After, and gives up after its attempts', async () => {
    fake.failNext({ status: 429, detail: 'slow down' }, 3);
    const done = await run({});
    expect(done.error).toBe('PixelLab rate limit reached (429): slow down. Try again in a minute. (tried 3 times)');
    expect(generations()).toHaveLength(3);
  });

  it('a 403 is the plan, not the key, and is not tried again', async () => {
    fake.failNext({ status: 403, detail: 'Feature not available for your tier' });
    const done = await run({});
    expect(done.error).toMatch(/^This PixelLab feature is not available on your plan \(403\)/);
    expect(generations()).toHaveLength(1);
  });
});
