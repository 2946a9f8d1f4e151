import { describe, expect, it } from 'vitest';
import { job, kicks, send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { emptyQueue, type QueueRecord } from '@/utils/domain';
import { movedOrder } from '@/utils/intents/handlers/queue';
import type { IndexEntry } from '@/utils/storage/layout';

useIntentHandlers();

const queue = async () => (await store.getRecords()).find((r): r is QueueRecord => r.kind === 'queue');

describe('queue', () => {
  it('pause and resume edit the queue record’s `paused`, stamped by the store’s clock and queued for push', async () => {
    expect(await send({ type: 'queue', action: 'pause' })).toEqual({ ok: true, ids: ['queue'] });
    const paused = (await queue())!;
    expect(paused).toMatchObject({ paused: true, order: [] });
    expect(paused.clock!.node).toMatch(/^ext-/);
    expect(await store.getRecordOutbox()).toEqual(['queue:queue']);
    // Pausing again changes nothing.
    expect(await send({ type: 'queue', action: 'pause' })).toEqual({ ok: true, ids: [] });
    expect(await send({ type: 'queue', action: 'resume' })).toEqual({ ok: true, ids: ['queue'] });
    expect((await queue())!.paused).toBe(false);
    expect(kicks).toBe(2);
  });

  it('move lists every waiting job in the order they start, with the moved ones before `before`', async () => {
    await store.applyJobs([
      job({ id: 'q1', status: 'queued', createdAt: 1 }),
      job({ id: 'q2', status: 'queued', createdAt: 2 }),
      job({ id: 'q3', status: 'idle', createdAt: 3 }),
      job({ id: 'done', status: 'success', createdAt: 4 }),
    ]);
    expect(await send({ type: 'queue', action: 'move', ids: ['q3'], before: 'q1' })).toEqual({ ok: true, ids: ['q3'] });
    expect((await queue())!.order).toEqual(['q3', 'q1', 'q2']);
    await send({ type: 'queue', action: 'move', ids: ['q3'], before: null });
    expect((await queue())!.order).toEqual(['q1', 'q2', 'q3']);
  });

  it('movedOrder drops ids known to be finished and keeps ids queued elsewhere in their place', () => {
    const entry = (id: string, status: IndexEntry['status'], createdAt: number): IndexEntry => ({
      id,
      createdAt,
      status,
      prompt: id,
    });
    const held = { ...emptyQueue(), order: ['done', 'elsewhere', 'b'] };
    const index = [entry('a', 'queued', 1), entry('b', 'queued', 2), entry('done', 'success', 0)];
    expect(movedOrder(held, index, ['a'], 'elsewhere')).toEqual(['a', 'elsewhere', 'b']);
  });
});

describe('cancel', () => {
  it('waiting and queued jobs become cancelled, leave the submit queue and are pushed; others are left', async () => {
    await store.applyJobs([job({ id: 'idle', status: 'idle' })], { submit: 'create' });
    await store.applyJobs([job({ id: 'q', status: 'queued' }), job({ id: 'r', status: 'running' })]);
    expect(await send({ type: 'cancel', ids: ['idle', 'q', 'r'] })).toEqual({ ok: true, ids: ['idle', 'q'] });
    expect(await store.getJob('idle')).toMatchObject({ status: 'cancelled' });
    const q = (await store.getJob('q'))!;
    expect(q.status).toBe('cancelled');
    expect(q.updatedAt).toBeGreaterThan(1_000);
    expect(await store.getJob('r')).toMatchObject({ status: 'running' });
    expect(await store.getSubmitQueue()).toEqual([]);
    expect(new Set(await store.getOutbox())).toEqual(new Set(['idle', 'q']));
    expect(await store.getStats()).toMatchObject({ cancelled: 2, running: 1 });
    expect(kicks).toBe(1);
    expect(await send({ type: 'cancel', ids: ['r'] })).toMatchObject({ ok: false });
  });
});
