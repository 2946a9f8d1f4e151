import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { makeSprite } from '@/tests/fixtures/png';
import { type Companion, createClock, idle, job, replica, startCompanion } from '@/tests/helpers/sync-world';
import { WAIT } from '@/tests/helpers/until';
import { createCompanionClient } from '@/utils/companion-client';
import { createHistoryStore } from '@/utils/history/store';
import type { StorageAreaLike } from '@/utils/storage/area';
import { HEAD_SIZE } from '@/utils/storage/layout';
import { createSyncEngine } from '@/utils/sync/engine';

/**
 * A first sync stores the jobs and the head's images, then fetches the other images in the background:
 * the history is usable at once, and every image arrives in the end (the history works offline).
 */

let clock: ReturnType<typeof createClock>;
let companion: Companion;
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;

beforeEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
  clock = createClock();
  companion = startCompanion(clock);
});

/** `count` finished jobs on the companion, oldest first, each with its own image. */
async function finishedJobs(count: number): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    const hash = await companion.store.putImage(makeSprite(8, 8, `fill-${i}`));
    hashes.push(hash);
    await companion.store.put(
      job({ id: `f${String(i).padStart(4, '0')}`, image: hash, createdAt: 10 + i, updatedAt: clock.now() }),
    );
  }
  return hashes;
}

/** Holds the batch image requests until `release()`. */
function gateImages(c: Companion) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let held = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (String(input).includes('/api/v1/images?')) {
      held += 1;
      await gate;
    }
    return c.fetch(input, init);
  };
  return {
    client: createCompanionClient({ baseUrl: 'http://127.0.0.1:8787', fetch }),
    release: () => open(),
    held: () => held,
  };
}

describe('images of a first sync', () => {
  it('the run ends once the jobs and the head’s images are stored; the rest arrive in the background, newest first', async () => {
    const hashes = await finishedJobs(400);
    const { store, engine } = replica(local(), clock, () => companion, { inlineImages: 50 });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 400 });
    expect(await store.getIndex()).toHaveLength(400);
    expect(await store.getSyncState()).toMatchObject({ syncing: false, checkpoint: 400 });
    // The head (what the panel shows first) has its images already.
    const newest = hashes.slice(-HEAD_SIZE);
    expect((await store.hasImages(newest)).size).toBe(HEAD_SIZE);

    await engine.imagesSettled();
    expect((await store.hasImages(hashes)).size).toBe(400);
    expect(await store.countWanted()).toBe(0);
    // Each image asked for once; the background batches went newest first.
    const batches = companion.requests('/api/v1/images?').map((r) => r.path.split('=')[1]!.split(','));
    expect(new Set(batches.flat()).size).toBe(400);
    expect(batches.flat()).toHaveLength(400);
    const afterHead = batches.flat().slice(HEAD_SIZE * 2);
    expect(hashes.indexOf(afterHead[0]!)).toBeGreaterThan(hashes.indexOf(afterHead.at(-1)!));
  });

  it('a later run (a local edit to push) does not wait for the background images', async () => {
    await finishedJobs(300);
    const gated = gateImages(companion);
    const store = createHistoryStore(local(), { now: clock.now });
    const engine = createSyncEngine({
      store,
      client: () => gated.client,
      now: clock.now,
      inlineImages: 10,
      firstPageSize: 300,
    });
    // The head fill of the first page waits on the gate: let it through, then hold the background fill.
    const first = engine.syncOnce();
    await vi.waitFor(() => expect(gated.held()).toBeGreaterThan(0), WAIT);
    gated.release();
    expect(await first).toMatchObject({ ok: true, pulled: 300 });

    const slow = gateImages(companion);
    const engine2 = createSyncEngine({ store, client: () => slow.client, now: clock.now, inlineImages: 10 });
    expect(await engine2.syncOnce()).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(slow.held()).toBeGreaterThan(0), WAIT);
    await store.applyJobs([idle('mine', clock.now())], { markDirty: true });
    expect(await engine2.syncOnce()).toMatchObject({ ok: true, pushed: 1 });
    expect(await companion.store.get('mine')).not.toBeNull();
    slow.release();
    await engine2.imagesSettled();
    expect(await store.countWanted()).toBe(0);
  });

  it('a fill stopped by a lost connection goes on at the next sync, keeping what arrived', async () => {
    const hashes = await finishedJobs(350);
    const { store, engine } = replica(local(), clock, () => companion, { inlineImages: 10 });
    let batches = 0;
    companion.control.failBefore = (s) => s.path.startsWith('/api/v1/images?') && ++batches > 3;
    expect(await engine.syncOnce()).toMatchObject({ ok: true });
    await engine.imagesSettled();
    const stored = (await store.hasImages(hashes)).size;
    expect(stored).toBeGreaterThan(HEAD_SIZE);
    expect(stored).toBeLessThan(350);
    expect(await store.countWanted()).toBeGreaterThan(0);

    companion.control.failBefore = null;
    const fresh = replica(local(), clock, () => companion, { inlineImages: 10 });
    expect(await fresh.engine.syncOnce()).toMatchObject({ ok: true, pulled: 0 });
    await fresh.engine.imagesSettled();
    expect((await store.hasImages(hashes)).size).toBe(350);
    expect(await store.countWanted()).toBe(0);
  });

  it('an older companion that takes at most 500 jobs a page is asked for 500', async () => {
    await finishedJobs(1_200);
    const old: typeof globalThis.fetch = async (input, init) => {
      const limit = Number(new URL(String(input)).searchParams.get('limit') ?? 0);
      if (String(input).includes('/api/v1/changes') && limit > 500)
        return new Response(
          JSON.stringify({ status: 'error', error: 'invalid_body', message: 'limit: Too big', field: 'limit' }),
          { status: 400, headers: { 'content-type': 'application/json' } },
        );
      return companion.fetch(input, init);
    };
    const client = createCompanionClient({ baseUrl: 'http://127.0.0.1:8787', fetch: old });
    const store = createHistoryStore(local(), { now: clock.now });
    const engine = createSyncEngine({ store, client: () => client, now: clock.now, inlineImages: 0 });
    expect(await engine.syncOnce()).toMatchObject({ ok: true, pulled: 1_200 });
    expect(companion.requests('/api/v1/changes').map((r) => r.path)).toEqual([
      '/api/v1/changes?since=0&limit=100&v=2',
      '/api/v1/changes?since=100&limit=500&v=2',
      '/api/v1/changes?since=600&limit=500&v=2',
      '/api/v1/changes?since=1100&limit=500&v=2',
    ]);
    await engine.imagesSettled();
  });
});
