import { beforeEach, describe, expect, it, vi } from 'vitest';
import { job, kicks, local, NOW, okSync, send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { isLater } from '@/tests/helpers/versions';
import type { CompanionClient } from '@/utils/companion-client';
import type { Job } from '@/utils/domain';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import { createIntentHandlers, type IntentHandlers } from '@/utils/intents/handlers';
import type { StorageAreaLike } from '@/utils/storage/area';

useIntentHandlers();

describe('retry and delete', () => {
  it('a failed job goes back to waiting and is queued for retry', async () => {
    await store.applyJobs([job({ id: 'f', status: 'error', error: 'boom' })]);
    expect(await send({ type: 'retry', id: 'f' })).toEqual({ ok: true, ids: ['f'] });
    expect(await store.getJob('f')).toMatchObject({ status: 'idle', error: null, updatedAt: NOW });
    expect(await store.getSubmitQueue()).toEqual([{ id: 'f', action: 'retry' }]);
    expect(kicks).toBe(1);
  });

  it.each([
    ['missing', null, /No job/],
    ['running', job({ id: 'x', status: 'running' }), /already running/],
    ['finished', job({ id: 'x', status: 'success' }), /Only a failed/],
  ])('refuses to retry a %s job', async (_label, existing, message) => {
    if (existing) await store.applyJobs([existing]);
    const reply = await send({ type: 'retry', id: 'x' });
    expect(reply).toMatchObject({ ok: false, error: expect.stringMatching(message) as unknown });
  });

  it('delete leaves a tombstone in the outbox and drops a pending submission', async () => {
    await store.applyJobs([job({ id: 'd', status: 'idle' })], { submit: 'create' });
    expect(await send({ type: 'delete', id: 'd' })).toEqual({ ok: true, ids: ['d'] });
    expect(await store.getJob('d')).toMatchObject({ deleted: true, updatedAt: NOW });
    expect(await store.getOutbox()).toEqual(['d']);
    expect(await store.getSubmitQueue()).toEqual([]);
    expect(await store.getIndex()).toEqual([]);
    expect(await send({ type: 'delete', id: 'nope' })).toMatchObject({ ok: false });
  });
});

describe('edits made while a pulled page is being stored', () => {
  // The page's write is held until the edit has been asked for. An edit that read the job before the
  // page landed and wrote after it would put its older version back over the page's newer one.
  let gated: HistoryStore;
  let gatedHandlers: IntentHandlers;
  let release: () => void;
  let holdNextSet: boolean;

  beforeEach(() => {
    const area = local();
    holdNextSet = false;
    const held: StorageAreaLike = {
      get: (k) => area.get(k),
      remove: (k) => area.remove(k),
      async set(items) {
        if (holdNextSet) {
          holdNextSet = false;
          await new Promise<void>((resolve) => (release = resolve));
        }
        return area.set(items);
      },
    };
    gated = createHistoryStore(held, { now: () => NOW });
    gatedHandlers = createIntentHandlers({
      store: gated,
      engine: { syncOnce: async () => okSync },
      scheduler: { kick: () => undefined, panelOpen: () => undefined, syncNow: async () => okSync },
      client: () => ({}) as CompanionClient,
      now: () => NOW,
    });
  });

  /** Starts merging `page` with its write held, runs `edit`, then lets the page's write finish. */
  async function duringMerge<T>(page: Job[], edit: () => Promise<T>): Promise<T> {
    holdNextSet = true;
    const merged = gated.mergeRemote(page, { sync: { checkpoint: 9 } });
    await vi.waitFor(() => expect(holdNextSet).toBe(false));
    const editing = edit();
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await merged;
    return editing;
  }

  it('a delete buries the version the page brought, stamped above it and sent to the companion', async () => {
    await gated.applyJobs([job({ id: 'q', status: 'queued', updatedAt: NOW - 500 })]);
    const finished = job({ id: 'q', status: 'success', image: 'a'.repeat(64), updatedAt: NOW + 1 });
    expect(await duringMerge([finished], () => gatedHandlers.delete({ type: 'delete', id: 'q' }))).toEqual({
      ok: true,
      ids: ['q'],
    });
    const stored = (await gated.getJob('q'))!;
    expect(stored.deleted).toBe(true);
    expect(isLater(stored, finished)).toBe(true);
    expect(await gated.getOutbox()).toContain('q');
    expect(await gated.getIndex()).toEqual([]);
  });

  it('a retry is decided on the version the page brought: a job that finished meanwhile is not retried', async () => {
    await gated.applyJobs([job({ id: 'f', status: 'error', error: 'boom', updatedAt: NOW - 500 })]);
    const finished = job({ id: 'f', status: 'success', image: 'b'.repeat(64), updatedAt: NOW + 1 });
    const reply = await duringMerge([finished], () => gatedHandlers.retry({ type: 'retry', id: 'f' }));
    expect(reply).toMatchObject({ ok: false, error: expect.stringMatching(/Only a failed/) as unknown });
    expect(await gated.getJob('f')).toMatchObject({ status: 'success', updatedAt: NOW + 1 });
    expect(await gated.getSubmitQueue()).toEqual([]);
  });

  it('an import does not overwrite a job the page just brought', async () => {
    const pulled = job({ id: 'job-1', prompt: 'from the companion', updatedAt: NOW + 1 });
    const text = JSON.stringify({
      jobs: [{ id: 'job-1', prompt: 'from the file', width: 64, height: 64, status: 'error', createdAt: 10 }],
    });
    expect(await duringMerge([pulled], () => gatedHandlers.import({ type: 'import', text }))).toMatchObject({
      ok: true,
      imported: 0,
      skipped: 1,
    });
    expect(await gated.getJob('job-1')).toMatchObject({ prompt: 'from the companion', status: 'success' });
    expect(await gated.getOutbox()).toEqual([]);
  });
});

describe('clearHistory', () => {
  it('clearHistory tombstones everything', async () => {
    await store.applyJobs([job({ id: 'a' }), job({ id: 'b' })]);
    expect(await send({ type: 'clearHistory' })).toMatchObject({ ok: true, message: 'Cleared 2 jobs' });
    expect(await store.getIndex()).toEqual([]);
    expect(await store.getOutbox()).toHaveLength(2);
  });
});
