import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type Companion, createClock, idle, job, replica, startCompanion } from '@/tests/helpers/sync-world';
import { createCompanionClient } from '@/utils/companion-client';
import type { BoardRecord, QueueRecord } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import { createIntentHandlers } from '@/utils/intents/handlers';
import { handleIntent } from '@/utils/intents/listener';
import type { IntentInput } from '@/utils/intents/protocol';
import type { StorageAreaLike } from '@/utils/storage/area';

/**
 * Sync version 2 between extension replicas and the real companion (createApp over a memory store and its
 * runner): organising fields merged per field, boards and the queue as records, cancel and pause honoured by
 * the runner. And a companion that answers in version 1 still syncs jobs.
 */

let clock: ReturnType<typeof createClock>;
let companion: Companion;
const areaA = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const areaB = () => fakeBrowser.storage.session as unknown as StorageAreaLike;

beforeEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
  clock = createClock();
  companion = startCompanion(clock);
});

/** A replica with its intent handlers (a panel's actions) over its own storage. */
function panel(area: StorageAreaLike, through: () => Companion = () => companion) {
  const { store, engine } = replica(area, clock, through);
  const handlers = createIntentHandlers({
    store,
    engine,
    scheduler: { kick: () => undefined, panelOpen: () => undefined, syncNow: () => engine.syncOnce({ force: true }) },
    client: () => through().client,
    now: clock.now,
  });
  const send = async (intent: IntentInput) => {
    const reply = await handleIntent(handlers, intent);
    if (!reply.ok) throw new Error(reply.error);
    return reply.ids ?? [];
  };
  const sync = async () => {
    clock.advance(10);
    const result = await engine.syncOnce({ force: true });
    expect(result.error ?? null).toBeNull();
    return result;
  };
  return { store, engine, send, sync };
}

const boardsOf = async (store: HistoryStore) =>
  (await store.getRecords()).filter((r): r is BoardRecord => r.kind === 'board' && !r.deleted);
const queueOf = async (store: HistoryStore) =>
  (await store.getRecords()).find((r): r is QueueRecord => r.kind === 'queue');

describe('sync version 2 with the real companion', () => {
  it('a star on one replica and a rating on another, of the same job at once, both survive everywhere', async () => {
    companion = startCompanion(clock, { jobs: [job({ id: 'j' })] });
    const a = panel(areaA());
    const b = panel(areaB());
    await a.sync();
    await b.sync();
    // Concurrently: neither replica has seen the other's edit.
    expect(await a.send({ type: 'organise', ids: ['j'], edit: { op: 'star', value: true } })).toEqual(['j']);
    expect(await b.send({ type: 'organise', ids: ['j'], edit: { op: 'rate', value: 4 } })).toEqual(['j']);
    await a.sync();
    await b.sync();
    await a.sync();
    for (const store of [a.store, b.store]) {
      expect(await store.getJob('j')).toMatchObject({ starred: true, rating: 4 });
      expect(await store.getOutbox()).toEqual([]);
    }
    expect(companion.store.get('j')).toMatchObject({ starred: true, rating: 4 });
    expect((await a.store.getIndex())[0]).toMatchObject({ starred: true, rating: 4 });
  });

  it('a tag added on one replica and removed on another after seeing it: removed everywhere; trash syncs', async () => {
    companion = startCompanion(clock, { jobs: [job({ id: 'j' })] });
    const a = panel(areaA());
    const b = panel(areaB());
    await a.sync();
    await a.send({ type: 'organise', ids: ['j'], edit: { op: 'addTags', tags: ['hero', 'boss'] } });
    await a.sync();
    await b.sync();
    expect((await b.store.getJob('j'))!.tags).toEqual(['boss', 'hero']);
    await b.send({ type: 'organise', ids: ['j'], edit: { op: 'removeTags', tags: ['boss'] } });
    await b.send({ type: 'organise', ids: ['j'], edit: { op: 'trash' } });
    await b.sync();
    await a.sync();
    expect(await a.store.getJob('j')).toMatchObject({ tags: ['hero'], trashedAt: expect.any(Number) as unknown });
    expect((await a.store.getStats()).trashed).toBe(1);
  });

  it('a board created in one panel arrives in another, and so do its rename and the jobs put on it', async () => {
    companion = startCompanion(clock, { jobs: [job({ id: 'j' })] });
    const a = panel(areaA());
    const b = panel(areaB());
    await a.sync();
    const [boardId] = await a.send({ type: 'board', action: 'create', name: 'Heroes' });
    await a.send({ type: 'organise', ids: ['j'], edit: { op: 'addToBoard', boardId: boardId! } });
    await a.sync();
    expect(await a.store.getRecordOutbox()).toEqual([]);
    expect(companion.store.getRecord('board', boardId!)).toMatchObject({ name: 'Heroes' });
    await b.sync();
    expect(await boardsOf(b.store)).toEqual([expect.objectContaining({ id: boardId, name: 'Heroes' })]);
    expect((await b.store.getJob('j'))!.boards).toEqual([boardId]);
    await b.send({ type: 'board', action: 'rename', id: boardId!, name: 'Villains' });
    await b.sync();
    await a.sync();
    expect((await boardsOf(a.store))[0]!.name).toBe('Villains');
    await a.send({ type: 'board', action: 'delete', id: boardId! });
    await a.sync();
    await b.sync();
    expect(await boardsOf(b.store)).toEqual([]);
  });

  it('pause stops new starts; resume runs what waited; the paused queue shows in every panel', async () => {
    const a = panel(areaA());
    const b = panel(areaB());
    await a.send({ type: 'queue', action: 'pause' });
    await a.sync();
    await b.sync();
    expect(await queueOf(b.store)).toMatchObject({ paused: true });
    await a.store.applyJobs([idle('p', clock.now(), { prompt: 'knight' })], { submit: 'create' });
    await a.sync();
    await companion.runner.idle();
    expect(companion.store.get('p')).toMatchObject({ status: 'queued' });
    await a.sync();
    expect(await a.store.getJob('p')).toMatchObject({ status: 'queued' });
    await b.send({ type: 'queue', action: 'resume' });
    await b.sync();
    await companion.runner.idle();
    await a.sync();
    expect(await a.store.getJob('p')).toMatchObject({ status: 'success' });
  });

  it('a cancelled queued job is never run: the runner drops it and runs the others', async () => {
    const a = panel(areaA());
    await a.send({ type: 'queue', action: 'pause' });
    await a.store.applyJobs(
      [idle('first', clock.now()), idle('second', clock.now() + 1), idle('third', clock.now() + 2)],
      { submit: 'create' },
    );
    await a.sync();
    await a.send({ type: 'queue', action: 'move', ids: ['third'], before: 'first' });
    expect(await a.send({ type: 'cancel', ids: ['second'] })).toEqual(['second']);
    await a.sync();
    expect(companion.store.get('second')).toMatchObject({ status: 'cancelled' });
    expect(companion.store.getRecord('queue', 'queue')).toMatchObject({ order: ['third', 'first', 'second'] });
    await a.send({ type: 'queue', action: 'resume' });
    await a.sync();
    await companion.runner.idle();
    await a.sync();
    expect(await a.store.getJob('second')).toMatchObject({ status: 'cancelled', image: null });
    expect(companion.store.get('second')).toMatchObject({ status: 'cancelled', image: null });
    expect(await a.store.getJob('first')).toMatchObject({ status: 'success' });
    expect(await a.store.getJob('third')).toMatchObject({ status: 'success' });
  });
});

describe('a companion that answers in sync version 1', () => {
  /** The real companion seen through a version-1 client's eyes: `v` left out of every request. */
  function olderCompanion(): Companion {
    const fetch: typeof globalThis.fetch = (input, init) => {
      const url = new URL(String(input));
      url.searchParams.delete('v');
      let body = init?.body;
      if (typeof body === 'string') {
        const { v: _v, records: _r, ...rest } = JSON.parse(body) as Record<string, unknown>;
        body = JSON.stringify(rest);
      }
      return companion.fetch(url.toString(), { ...init, body });
    };
    return { ...companion, client: createCompanionClient({ baseUrl: 'http://127.0.0.1:8787', fetch }) };
  }

  it('still syncs jobs; organising fields and records stay here, and nothing is pushed again and again', async () => {
    companion = startCompanion(clock, { jobs: [job({ id: 'j' })] });
    const old = olderCompanion();
    const a = panel(areaA(), () => old);
    await a.sync();
    expect(await a.store.getSyncState()).toMatchObject({ syncVersion: 1, checkpointVersion: 1 });
    await a.send({ type: 'organise', ids: ['j'], edit: { op: 'star', value: true } });
    await a.send({ type: 'board', action: 'create', name: 'Mine' });
    await a.store.applyJobs([idle('c', clock.now())], { submit: 'create' });
    await a.send({ type: 'cancel', ids: ['c'] });
    await a.sync();
    // Sent as a version-1 client would: no organising fields, a cancel as an error; no records.
    expect(companion.store.get('j')!.starred).toBeUndefined();
    expect(companion.store.get('c')).toMatchObject({ status: 'error' });
    expect(companion.store.getRecord('board', (await boardsOf(a.store))[0]!.id)).toBeUndefined();
    expect(await a.store.getJob('j')).toMatchObject({ starred: true });
    expect(await a.store.getOutbox()).toEqual([]);
    companion.sent.length = 0;
    await a.sync();
    expect(companion.requests('/api/v1/push')).toEqual([]);
  });

  it('once it answers in version 2, what version 1 left out is pulled again from the start, once', async () => {
    companion = startCompanion(clock, { jobs: [job({ id: 'j' })] });
    const old = olderCompanion();
    let current: Companion = old;
    const a = panel(areaA(), () => current);
    await a.sync();
    // Starred elsewhere while this replica spoke version 1 (its pulls passed the star over).
    const b = panel(areaB());
    await b.sync();
    await b.send({ type: 'organise', ids: ['j'], edit: { op: 'star', value: true } });
    await b.sync();
    await a.sync();
    expect((await a.store.getJob('j'))!.starred).toBeUndefined();
    // The companion is updated (here: the client stops hiding `v`).
    current = companion;
    companion.sent.length = 0;
    await a.sync();
    const asked = companion.requests('/api/v1/changes').map((r) => r.path);
    expect(asked[0]).not.toContain('since=0&');
    expect(asked[1]).toContain('since=0&');
    expect(await a.store.getJob('j')).toMatchObject({ starred: true });
    expect(await a.store.getSyncState()).toMatchObject({ syncVersion: 2, checkpointVersion: 2 });
    companion.sent.length = 0;
    await a.sync();
    expect(companion.requests('/api/v1/changes')[0]!.path).not.toContain('since=0&');
  });
});
