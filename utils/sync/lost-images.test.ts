import { truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createFileStore } from '@/companion-server/store/file-store';
import type { JobStore } from '@/companion-server/store/types';
import { type Companion, createClock, job, png, replica, startCompanion } from '@/tests/helpers/sync-world';
import { makeTempDir } from '@/tests/helpers/temp-dir';
import { createCompanionClient } from '@/utils/companion-client';
import { createHistoryStore } from '@/utils/history/store';
import type { StorageAreaLike } from '@/utils/storage/area';
import { createSyncEngine } from '@/utils/sync/engine';

/**
 * `needImages` of a pull answer: images the companion lost (a damaged or deleted file), which a client holding
 * them uploads again. Against the real app over the real file store, whose image files are damaged on disk.
 */

let clock: ReturnType<typeof createClock>;
let temp: Awaited<ReturnType<typeof makeTempDir>>;
let fileStore: JobStore;
let companion: Companion;
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;

beforeEach(async () => {
  fakeBrowser.reset();
  clock = createClock();
  temp = await makeTempDir();
  await openCompanion();
});

afterEach(async () => {
  await companion.runner.stop();
  await fileStore.close();
  await temp.remove();
});

const openCompanion = async () => {
  fileStore = await createFileStore({ dataDir: temp.dir, now: clock.now, log: () => undefined });
  companion = startCompanion(clock, { store: fileStore });
};

/**
 * Truncates the images' files while the companion is stopped (a file it wrote itself is trusted until a
 * restart), then has the restarted companion read each once: it finds them damaged and counts them lost.
 */
async function damage(...hashes: string[]): Promise<void> {
  await companion.runner.stop();
  await fileStore.close();
  for (const hash of hashes) await truncate(path.join(temp.dir, 'images', `${hash}.png`), 20);
  await openCompanion();
  for (const hash of hashes) expect(await fileStore.readImage(hash)).toBeNull();
  expect(fileStore.lostImages(100).sort()).toEqual([...hashes].sort());
}

/** The pushes that carried images and no jobs. */
const imageUploads = () =>
  companion
    .requests('/api/v1/push')
    .map((s) => s.body as { changes: unknown[]; images?: Record<string, string> })
    .filter((b) => b.changes.length === 0);

describe('images the companion lost', () => {
  it('are uploaded again by a replica that holds them, and served again', async () => {
    const { store, engine } = replica(local(), clock, () => companion);
    const image = png('kept here');
    await store.applyJobs([job({ id: 'done', image: image.hash, updatedAt: clock.now() })], {
      markDirty: true,
      images: { [image.hash]: image.dataUrl },
    });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pushed: 1 });
    expect(await fileStore.readImage(image.hash)).toEqual(image.bytes);

    await damage(image.hash);
    const answer = await companion.app.request('http://127.0.0.1:8787/api/v1/changes?since=0', {
      headers: { host: '127.0.0.1:8787' },
    });
    expect((await answer.json()) as { needImages: string[] }).toMatchObject({ needImages: [image.hash] });

    expect(await engine.syncOnce()).toMatchObject({ ok: true, reuploaded: 1 });
    expect(imageUploads()).toEqual([
      {
        requestId: expect.any(String),
        clientId: expect.any(String),
        changes: [],
        images: { [image.hash]: expect.any(String) },
        v: 2,
      },
    ]);
    expect(await fileStore.readImage(image.hash)).toEqual(image.bytes);
    expect(fileStore.lostImages(100)).toEqual([]);
    // Nothing is lost any more: the next sync uploads nothing.
    companion.sent.length = 0;
    expect(await engine.syncOnce()).toMatchObject({ ok: true, reuploaded: 0 });
    expect(imageUploads()).toEqual([]);
  });

  it('are uploaded in pushes that stay under the byte budget', async () => {
    const { store, engine } = replica(local(), clock, () => companion, { imageBudgetBytes: 1 });
    const images = [png('one'), png('two'), png('three')];
    await store.applyJobs(
      images.map((image, i) => job({ id: `j${i}`, image: image.hash, updatedAt: clock.now() })),
      { markDirty: true, images: Object.fromEntries(images.map((i) => [i.hash, i.dataUrl])) },
    );
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pushed: 3 });
    await damage(...images.map((i) => i.hash));

    expect(await engine.syncOnce()).toMatchObject({ ok: true, reuploaded: 3 });
    // A budget of one byte: one image per push.
    expect(imageUploads().map((b) => Object.keys(b.images ?? {}).length)).toEqual([1, 1, 1]);
    for (const image of images) expect(await fileStore.readImage(image.hash)).toEqual(image.bytes);
  });

  it('that this replica does not hold are left for another one, and the sync still succeeds', async () => {
    const image = png('only on the companion');
    await fileStore.put(job({ id: 'x', image: await fileStore.putImage(image.bytes), updatedAt: clock.now() }));
    await damage(image.hash);
    const { engine } = replica(local(), clock, () => companion);
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 1, reuploaded: 0 });
    expect(imageUploads()).toEqual([]);
    expect(fileStore.lostImages(100)).toEqual([image.hash]);
  });

  it('an older companion that does not send needImages syncs as before', async () => {
    const withoutField: typeof globalThis.fetch = async (input, init) => {
      const res = await companion.fetch(input, init);
      if (!String(input).includes('/api/v1/changes')) return res;
      const { needImages: _dropped, ...rest } = (await res.json()) as Record<string, unknown>;
      expect(_dropped).toEqual([]);
      return new Response(JSON.stringify(rest), { status: res.status, headers: res.headers });
    };
    await fileStore.put(job({ id: 'x', updatedAt: clock.now(), status: 'error', error: 'no' }));
    const client = createCompanionClient({ baseUrl: 'http://127.0.0.1:8787', fetch: withoutField });
    const engine = createSyncEngine({
      store: createHistoryStore(local(), { now: clock.now }),
      client: () => client,
      now: clock.now,
    });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 1, reuploaded: 0 });
  });
});
