/**
 * Images only the browser has (a dropped style sprite, a painted inpaint mask) travel the real path: the panel's
 * `putImage` intent keeps them in the extension's store, the generate intent names them by hash, the sync's submit
 * sends them when the real companion (loopback, temp data dir) asks, and the fake PixelLab gets each under its
 * field name, checked by its own field rules.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { emptyMask, maskPng, paintRect } from '@/components/detail/mask';
import { type FakePixelLab, startFakePixelLab } from '@/tests/fixtures/fake-pixellab';
import { makeSprite } from '@/tests/fixtures/png';
import { type CompanionProcess, startCompanion } from '@/tests/helpers/companion-process';
import { makeTempDir } from '@/tests/helpers/temp-dir';
import { createCompanionClient } from '@/utils/companion-client';
import { base64ToBytes, bytesToPngDataUrl, type SyncedJob, sha256Hex } from '@/utils/domain';
import { createHistoryStore } from '@/utils/history/store';
import { createIntentHandlers } from '@/utils/intents/handlers';
import { handleIntent } from '@/utils/intents/listener';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { StorageAreaLike } from '@/utils/storage/area';
import { runMigrations } from '@/utils/storage/migrations';
import { createSyncEngine } from '@/utils/sync/engine';

const KEY = 'pl-key-references';
let fake: FakePixelLab;
let companion: CompanionProcess;
let temp: Awaited<ReturnType<typeof makeTempDir>>;

beforeAll(async () => {
  fake = await startFakePixelLab({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(async () => {
  fakeBrowser.reset();
  fake.reset();
  temp = await makeTempDir();
  companion = await startCompanion({ dataDir: temp.dir, pixellabUrl: fake.url, apiKey: KEY });
});
afterEach(async () => {
  await companion.stop();
  await temp.remove();
});

async function panel() {
  const area = fakeBrowser.storage.local as unknown as StorageAreaLike;
  await runMigrations(area);
  const store = createHistoryStore(area);
  const client = createCompanionClient({ baseUrl: companion.url });
  const engine = createSyncEngine({ store, client: () => client });
  const handlers = createIntentHandlers({
    store,
    engine,
    scheduler: { kick: () => undefined, panelOpen: () => undefined, syncNow: () => engine.syncOnce({ force: true }) },
    client: () => client,
  });
  const send = async (intent: IntentInput): Promise<Extract<IntentReply, { ok: true }>> => {
    const reply = await handleIntent(handlers, intent);
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  };
  const sync = async () => expect((await engine.syncOnce({ force: true })).error ?? null).toBeNull();
  return { store, send, sync };
}

async function finished(id: string): Promise<SyncedJob> {
  for (let i = 0; i < 400; i++) {
    const res = await fetch(`${companion.url}/api/v1/jobs/${id}`);
    const job = res.status === 404 ? null : ((await res.json()) as { job: SyncedJob }).job;
    if (job?.status === 'success' || job?.status === 'error') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

/** The bytes PixelLab got in an image field (`{type: 'base64', base64}`). */
function sentImage(body: unknown, field: string): Uint8Array {
  const value = (body as Record<string, { type: string; base64: string }>)[field];
  expect(value?.type).toBe('base64');
  return base64ToBytes(value!.base64);
}

describe('reference images from the panel to PixelLab', () => {
  it('a dropped style sprite reaches bitforge as style_image, with its strength', async () => {
    const p = await panel();
    const sprite = makeSprite(48, 48, 'dropped style');
    const { hash } = await p.send({ type: 'putImage', dataUrl: bytesToPngDataUrl(sprite) });
    expect(hash).toBe(sha256Hex(sprite));
    const { ids } = await p.send({
      type: 'generate',
      request: {
        prompt: 'a mushroom',
        width: 48,
        height: 48,
        seed: 4,
        options: { mode: 'bitforge', style_image: hash!, style_strength: 70, no_background: true },
      },
    });
    await p.sync();
    const done = await finished(ids![0]!);
    expect(done).toMatchObject({ status: 'success', options: { mode: 'bitforge', style_image: hash } });
    const call = fake.requests.find((r) => r.path === '/generate-image-bitforge');
    expect(call?.body).toMatchObject({
      description: 'a mushroom',
      image_size: { width: 48, height: 48 },
      style_strength: 70,
      no_background: true,
      seed: 4,
    });
    expect(sha256Hex(sentImage(call?.body, 'style_image'))).toBe(hash);
  });

  it('a painted mask reaches /inpaint beside the job’s own image, both the canvas’s size', async () => {
    const p = await panel();
    const { ids: [source] = [] } = await p.send({
      type: 'generate',
      request: { prompt: 'a knight', width: 32, height: 32, seed: 1 },
    });
    await p.sync();
    const original = await finished(source!);
    expect(original.status).toBe('success');

    const mask = maskPng(paintRect(emptyMask(32, 32), 8, 4, 20, 12, 1));
    const { hash: maskHash } = await p.send({ type: 'putImage', dataUrl: bytesToPngDataUrl(mask) });
    const { ids: [inpaint] = [] } = await p.send({
      type: 'generate',
      request: {
        prompt: 'a red hat',
        width: 32,
        height: 32,
        seed: null,
        options: { mode: 'inpaint', inpainting_image: original.image!, mask_image: maskHash! },
      },
    });
    await p.sync();
    const done = await finished(inpaint!);
    expect(done).toMatchObject({
      status: 'success',
      options: { mode: 'inpaint', inpainting_image: original.image, mask_image: maskHash, text_guidance_scale: 3 },
    });
    const call = fake.requests.find((r) => r.path === '/inpaint');
    expect(call?.body).toMatchObject({ description: 'a red hat', image_size: { width: 32, height: 32 } });
    expect(sentImage(call?.body, 'mask_image')).toEqual(mask);
    expect(sha256Hex(sentImage(call?.body, 'inpainting_image'))).toBe(original.image);
  });
});
