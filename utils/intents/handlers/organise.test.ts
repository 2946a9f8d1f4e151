import { describe, expect, it } from 'vitest';
import { job, kicks, send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { mergeJobs } from '@/utils/domain';

useIntentHandlers();

const ids = (reply: unknown) => (reply as { ids: string[] }).ids;

describe('organise', () => {
  it('stars, rates and writes notes, each field stamped with the store’s clock, dirty for push, in the index', async () => {
    await store.applyJobs([job({ id: 'a' }), job({ id: 'b' })]);
    expect(await send({ type: 'organise', ids: ['a', 'b'], edit: { op: 'star', value: true } })).toEqual({
      ok: true,
      ids: ['a', 'b'],
    });
    expect(ids(await send({ type: 'organise', ids: ['a'], edit: { op: 'rate', value: 4 } }))).toEqual(['a']);
    expect(ids(await send({ type: 'organise', ids: ['a'], edit: { op: 'notes', value: 'keep' } }))).toEqual(['a']);
    const a = (await store.getJob('a'))!;
    expect(a).toMatchObject({ starred: true, rating: 4, notes: 'keep', updatedAt: 1_000 });
    // Each field has its own stamp from this replica's clock; the job-wide version is untouched.
    const node = a.fieldClocks!.starred![2];
    expect(node).toMatch(/^ext-/);
    expect(a.fieldClocks).toMatchObject({ rating: [expect.any(Number), expect.any(Number), node] });
    expect(new Set(await store.getOutbox())).toEqual(new Set(['a', 'b']));
    expect((await store.getIndex()).find((e) => e.id === 'a')).toMatchObject({ starred: true, rating: 4 });
    expect(kicks).toBe(3);
  });

  it('answers only the jobs it changed: a second star, a missing job and a tombstone change nothing', async () => {
    await store.applyJobs([job({ id: 'a', starred: true }), job({ id: 'd', deleted: true })]);
    expect(await send({ type: 'organise', ids: ['a', 'd', 'nope'], edit: { op: 'star', value: true } })).toEqual({
      ok: true,
      ids: [],
    });
    expect(await send({ type: 'organise', ids: ['a'], edit: { op: 'rate', value: null } })).toEqual({
      ok: true,
      ids: [],
    });
    expect(await store.getOutbox()).toEqual([]);
    expect(kicks).toBe(0);
  });

  it('normalises tags, adds and removes them as sets; the index lists them', async () => {
    await store.applyJobs([job({ id: 'a' })]);
    await send({ type: 'organise', ids: ['a'], edit: { op: 'addTags', tags: ['  Hero ', 'hero', 'Boss  Fight'] } });
    expect((await store.getJob('a'))!.tags).toEqual(['boss fight', 'hero']);
    await send({ type: 'organise', ids: ['a'], edit: { op: 'removeTags', tags: ['HERO'] } });
    expect((await store.getJob('a'))!.tags).toEqual(['boss fight']);
    expect((await store.getIndex())[0]!.tags).toEqual(['boss fight']);
    const empty = await send({ type: 'organise', ids: ['a'], edit: { op: 'addTags', tags: ['   '] } });
    expect(empty).toMatchObject({ ok: false, error: expect.stringContaining('edit.tags') as unknown });
  });

  it('a job at its tag limit is left as it was and the reply says why; the others change', async () => {
    const full = Array.from({ length: 32 }, (_, i) => `t${i}`);
    await store.applyJobs([job({ id: 'full' }), job({ id: 'free' })]);
    await send({ type: 'organise', ids: ['full'], edit: { op: 'addTags', tags: full } });
    const reply = await send({ type: 'organise', ids: ['full', 'free'], edit: { op: 'addTags', tags: ['one'] } });
    expect(reply).toMatchObject({ ok: true, ids: ['free'], message: expect.stringContaining('at most 32') as unknown });
    expect((await store.getJob('full'))!.tags).toHaveLength(32);
    const alone = await send({ type: 'organise', ids: ['full'], edit: { op: 'addTags', tags: ['two'] } });
    expect(alone).toMatchObject({ ok: false, error: expect.stringContaining('at most 32') as unknown });
  });

  it('trashing a waiting or queued job cancels it (it leaves the submit queue); a running one keeps running', async () => {
    await store.applyJobs([job({ id: 'idle', status: 'idle' })], { submit: 'create' });
    await store.applyJobs([job({ id: 'queued', status: 'queued' }), job({ id: 'running', status: 'running' })]);
    const reply = await send({ type: 'organise', ids: ['idle', 'queued', 'running'], edit: { op: 'trash' } });
    expect(ids(reply)).toEqual(['idle', 'queued', 'running']);
    expect(await store.getJob('idle')).toMatchObject({ status: 'cancelled', trashedAt: 1_700_000_000_000 });
    expect(await store.getJob('queued')).toMatchObject({ status: 'cancelled', trashedAt: 1_700_000_000_000 });
    expect(await store.getJob('running')).toMatchObject({ status: 'running', trashedAt: 1_700_000_000_000 });
    expect(await store.getSubmitQueue()).toEqual([]);
    // Restored, it stays cancelled: retry is the way to run it.
    await send({ type: 'organise', ids: ['queued'], edit: { op: 'restore' } });
    expect(await store.getJob('queued')).toMatchObject({ status: 'cancelled', trashedAt: null });
  });

  it('adds to and removes from a board', async () => {
    await store.applyJobs([job({ id: 'a' })]);
    await send({ type: 'organise', ids: ['a'], edit: { op: 'addToBoard', boardId: 'board-1' } });
    expect((await store.getIndex())[0]!.boards).toEqual(['board-1']);
    await send({ type: 'organise', ids: ['a'], edit: { op: 'removeFromBoard', boardId: 'board-1' } });
    expect((await store.getJob('a'))!.boards).toEqual([]);
  });

  it('trash moves a job out of the head into the trash, restore brings it back; the stats count it as trashed', async () => {
    await store.applyJobs([job({ id: 'a' }), job({ id: 'b', createdAt: 2_000 })]);
    expect(ids(await send({ type: 'organise', ids: ['a'], edit: { op: 'trash' } }))).toEqual(['a']);
    expect((await store.getJob('a'))!.trashedAt).toBe(1_700_000_000_000);
    expect(await store.getStats()).toMatchObject({ total: 1, success: 1, trashed: 1 });
    expect((await store.getIndex()).find((e) => e.id === 'a')!.trashedAt).toBe(1_700_000_000_000);
    // Trashing again changes nothing.
    expect(ids(await send({ type: 'organise', ids: ['a'], edit: { op: 'trash' } }))).toEqual([]);
    expect(ids(await send({ type: 'organise', ids: ['a', 'b'], edit: { op: 'restore' } }))).toEqual(['a']);
    expect(await store.getJob('a')).toMatchObject({ trashedAt: null, deleted: false });
    expect(await store.getStats()).toMatchObject({ total: 2, trashed: 0 });
  });

  it('an edit is made on the version stored when it runs: a star and a rating from two replicas both survive', async () => {
    await store.applyJobs([job({ id: 'a' })]);
    const base = (await store.getJob('a'))!;
    await send({ type: 'organise', ids: ['a'], edit: { op: 'star', value: true } });
    // Another replica rated the same version; its version arrives by sync.
    const other = { ...base, rating: 5, fieldClocks: { rating: [2_000_000_000_000, 0, 'ext-other'] } } as typeof base;
    await store.mergeRemote([other]);
    const merged = (await store.getJob('a'))!;
    expect(merged).toMatchObject({ starred: true, rating: 5 });
    expect(mergeJobs(merged, other)).toEqual(merged);
    // Ours still holds the star the companion has not seen: it stays dirty.
    expect(await store.getOutbox()).toEqual(['a']);
  });

  it('refuses more than 10,000 ids and an unknown op', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `j${i}`);
    expect(await send({ type: 'organise', ids: many, edit: { op: 'trash' } })).toMatchObject({ ok: false });
    expect(await send({ type: 'organise', ids: ['a'], edit: { op: 'burn' } } as never)).toMatchObject({ ok: false });
  });
});

describe('emptyTrash', () => {
  it('purges (tombstones) only trashed jobs, all of them or the ones named, and queues them for push', async () => {
    await store.applyJobs([job({ id: 'a' }), job({ id: 'b' }), job({ id: 'c' })]);
    await send({ type: 'organise', ids: ['a', 'b'], edit: { op: 'trash' } });
    expect(ids(await send({ type: 'emptyTrash', ids: ['a', 'c'] }))).toEqual(['a']);
    expect(await store.getJob('a')).toMatchObject({ deleted: true });
    expect(await store.getJob('c')).toMatchObject({ deleted: false });
    expect(ids(await send({ type: 'emptyTrash' }))).toEqual(['b']);
    expect((await store.getIndex()).map((e) => e.id)).toEqual(['c']);
    expect(await store.getStats()).toMatchObject({ total: 1, trashed: 0 });
    expect(new Set(await store.getOutbox())).toEqual(new Set(['a', 'b']));
    expect(ids(await send({ type: 'emptyTrash' }))).toEqual([]);
  });
});
