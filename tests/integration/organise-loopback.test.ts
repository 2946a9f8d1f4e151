/**
 * Two extension replicas (history store, sync engine and intent handlers over their own storage) and the real
 * companion process over loopback HTTP with a temp data dir, PixelLab played by the fake: organising fields,
 * boards and the queue record travel in sync version 2, and the runner honours pause and cancel.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type FakePixelLab, startFakePixelLab } from '@/tests/fixtures/fake-pixellab';
import { type CompanionProcess, startCompanion } from '@/tests/helpers/companion-process';
import { makeTempDir } from '@/tests/helpers/temp-dir';
import { createCompanionClient } from '@/utils/companion-client';
import type { BoardRecord, SyncedJob } from '@/utils/domain';
import { createHistoryStore } from '@/utils/history/store';
import { createIntentHandlers } from '@/utils/intents/handlers';
import { handleIntent } from '@/utils/intents/listener';
import type { IntentInput } from '@/utils/intents/protocol';
import type { StorageAreaLike } from '@/utils/storage/area';
import { runMigrations } from '@/utils/storage/migrations';
import { createSyncEngine } from '@/utils/sync/engine';

const KEY = 'pl-key-organise';
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

async function panel(area: StorageAreaLike) {
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
  const send = async (intent: IntentInput) => {
    const reply = await handleIntent(handlers, intent);
    if (!reply.ok) throw new Error(reply.error);
    return reply.ids ?? [];
  };
  const sync = async () => {
    const result = await engine.syncOnce({ force: true });
    expect(result.error ?? null).toBeNull();
  };
  return { store, send, sync };
}

async function companionJob(id: string): Promise<SyncedJob | null> {
  const res = await fetch(`${companion.url}/api/v1/jobs/${id}`);
  return res.status === 404 ? null : ((await res.json()) as { job: SyncedJob }).job;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('sync version 2 with the companion process over loopback', () => {
  it('star on A and rating on B of one job at once both survive; a board made on A arrives on B', async () => {
    const a = await panel(fakeBrowser.storage.local as unknown as StorageAreaLike);
    const b = await panel(fakeBrowser.storage.session as unknown as StorageAreaLike);
    const [id] = await a.send({
      type: 'generate',
      request: { prompt: 'knight', width: 64, height: 64, seed: 1 },
    });
    await a.sync();
    await until(
      () => companionJob(id!),
      (j) => j?.status === 'success',
      'the job to finish',
    );
    await a.sync();
    await b.sync();
    expect(await b.store.getJob(id!)).toMatchObject({ status: 'success' });

    await a.send({ type: 'organise', ids: [id!], edit: { op: 'star', value: true } });
    await b.send({ type: 'organise', ids: [id!], edit: { op: 'rate', value: 5 } });
    const [boardId] = await a.send({ type: 'board', action: 'create', name: 'Keepers' });
    await a.send({ type: 'organise', ids: [id!], edit: { op: 'addToBoard', boardId: boardId! } });
    await a.sync();
    await b.sync();
    await a.sync();
    for (const store of [a.store, b.store]) {
      expect(await store.getJob(id!)).toMatchObject({ starred: true, rating: 5, boards: [boardId] });
      expect(await store.getOutbox()).toEqual([]);
    }
    expect(await companionJob(id!)).toMatchObject({ starred: true, rating: 5 });
    const boards = (await b.store.getRecords()).filter((r): r is BoardRecord => r.kind === 'board');
    expect(boards).toEqual([expect.objectContaining({ id: boardId, name: 'Keepers', deleted: false })]);
  });

  it('pause stops new starts, cancel keeps a queued job from running, resume runs the rest', async () => {
    const a = await panel(fakeBrowser.storage.local as unknown as StorageAreaLike);
    await a.send({ type: 'queue', action: 'pause' });
    const ids = await a.send({
      type: 'generate',
      request: { prompt: 'slime', width: 64, height: 64, seed: null, count: 2 },
    });
    await a.sync();
    // Queued on the companion, and nothing started while paused.
    for (const id of ids) expect(await companionJob(id)).toMatchObject({ status: 'queued' });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests.filter((r) => r.path.startsWith('/generate'))).toEqual([]);
    expect(await a.send({ type: 'cancel', ids: [ids[0]!] })).toEqual([ids[0]]);
    await a.send({ type: 'queue', action: 'resume' });
    await a.sync();
    await until(
      () => companionJob(ids[1]!),
      (j) => j?.status === 'success',
      'the second job to run',
    );
    await a.sync();
    expect(await a.store.getJob(ids[0]!)).toMatchObject({ status: 'cancelled', image: null });
    expect(await a.store.getJob(ids[1]!)).toMatchObject({ status: 'success' });
    expect(await companionJob(ids[0]!)).toMatchObject({ status: 'cancelled', image: null });
    expect(fake.requests.filter((r) => r.path.startsWith('/generate'))).toHaveLength(1);
  });
});
