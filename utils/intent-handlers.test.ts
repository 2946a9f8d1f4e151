import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import { INTENT_CHANNEL, type IntentInput } from '@/utils/messaging';
import type { StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import { runMigrations } from '@/utils/storage/migrations';
import type { SyncOptions, SyncResult } from '@/utils/sync/engine';
import { makeSprite } from '../tests/fixtures/png';
import { isLater } from '../tests/helpers/versions';
import type { CompanionClient } from './companion-client';
import {
  bytesToPngDataUrl,
  directions,
  type Job,
  type JobInput,
  jobSchema,
  MAX_PROMPT_LENGTH,
  sha256Hex,
} from './domain';
import {
  createIntentHandlers,
  createIntentListener,
  handleIntent,
  type IntentHandlers,
  rotatePrompt,
} from './intent-handlers';

const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;
const NOW = 1_700_000_000_000;
const okSync: SyncResult = { ok: true, submitted: 0, pushed: 3, pulled: 5, serverChanged: false };

function job(overrides: Partial<JobInput> & { id: string }): Job {
  return jobSchema.parse({
    prompt: `prompt ${overrides.id}`,
    width: 64,
    height: 64,
    status: 'success',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  });
}

let store: HistoryStore;
let handlers: IntentHandlers;
let kicks: number;
let syncRuns: SyncOptions[];
let syncResult: SyncResult;
let putConfig: ReturnType<typeof vi.fn>;

const send = (intent: IntentInput) => handleIntent(handlers, intent);

beforeEach(async () => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
  await runMigrations(local());
  store = createHistoryStore(local(), { now: () => NOW });
  kicks = 0;
  syncRuns = [];
  syncResult = okSync;
  putConfig = vi.fn(async (config: { parallelLimit: number }) => config);
  let seed = 7;
  handlers = createIntentHandlers({
    store,
    engine: { syncOnce: async (options = {}) => (syncRuns.push(options), syncResult) },
    scheduler: {
      kick: () => void (kicks += 1),
      panelOpen: () => undefined,
      syncNow: async () => (syncRuns.push({ force: true }), syncResult),
    },
    client: () => ({ putConfig }) as unknown as CompanionClient,
    now: () => NOW,
    random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
  });
});

describe('generate', () => {
  it('creates count idle jobs with one group id, queues them for the runner and kicks a sync', async () => {
    const reply = await send({
      type: 'generate',
      request: { prompt: 'knight', width: 64, height: 48, seed: 3, count: 3 },
    });
    expect(reply).toMatchObject({ ok: true });
    const ids = (reply as { ids: string[] }).ids;
    expect(new Set(ids).size).toBe(3);
    const jobs = [...(await store.getJobs(ids)).values()];
    expect(
      jobs.every(
        (j) => j.status === 'idle' && j.prompt === 'knight' && j.width === 64 && j.height === 48 && j.seed === 3,
      ),
    ).toBe(true);
    expect(new Set(jobs.map((j) => j.groupId)).size).toBe(1);
    expect(jobs[0]!.groupId).toMatch(/^group-/);
    expect(await store.getSubmitQueue()).toEqual(ids.map((id) => ({ id, action: 'create' })));
    expect(await store.getStats()).toMatchObject({ total: 3, idle: 3 });
    expect(kicks).toBe(1);
  });

  it('a single job has no group', async () => {
    const reply = await send({ type: 'generate', request: { prompt: 'mage', width: 64, height: 64, seed: null } });
    const [id] = (reply as { ids: string[] }).ids;
    expect((await store.getJob(id!))!.groupId).toBeNull();
  });
});

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

describe('rotate', () => {
  const image = sha256Hex(makeSprite(16, 16, 'src'));

  it("makes a rotate job from a finished job's image", async () => {
    await store.applyJobs([job({ id: 'src', prompt: 'knight', image, width: 48, height: 48 })]);
    const reply = await send({ type: 'rotate', id: 'src', toDirection: 'east' });
    const [id] = (reply as { ids: string[] }).ids;
    expect(await store.getJob(id!)).toMatchObject({
      kind: 'rotate',
      status: 'idle',
      prompt: 'knight (rotated to east)',
      width: 48,
      height: 48,
      rotate: { toDirection: 'east', fromDirection: null, sourceJobId: 'src', sourceImage: image },
      groupId: null,
    });
    expect(await store.getSubmitQueue()).toEqual([{ id, action: 'create' }]);
  });

  it('rotate8 makes eight jobs, one per direction, in one group', async () => {
    await store.applyJobs([job({ id: 'src', image })]);
    const reply = await send({ type: 'rotate8', id: 'src' });
    const jobs = [...(await store.getJobs((reply as { ids: string[] }).ids)).values()];
    expect(jobs.map((j) => j.rotate!.toDirection).sort()).toEqual([...directions].sort());
    expect(new Set(jobs.map((j) => j.groupId)).size).toBe(1);
    expect(jobs[0]!.groupId).not.toBeNull();
  });

  it('refuses a job without an image', async () => {
    await store.applyJobs([job({ id: 'e', status: 'error' })]);
    expect(await send({ type: 'rotate8', id: 'e' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/finished job/) as unknown,
    });
  });

  it('keeps a long prompt within the limit', () => {
    expect(rotatePrompt('x'.repeat(MAX_PROMPT_LENGTH), 'north-west')).toHaveLength(MAX_PROMPT_LENGTH);
  });
});

describe('import', () => {
  const bytes = makeSprite(16, 16, 'imported');
  const dataUrl = bytesToPngDataUrl(bytes);
  const file = {
    lastJobId: 2,
    jobs: [
      {
        id: 'job-1',
        prompt: 'a',
        width: 64,
        height: 64,
        status: 'success',
        result: dataUrl,
        createdAt: 10,
        endTime: 20,
      },
      { id: 'job-2', prompt: 'b', width: 64, height: 64, status: 'error', error: 'nope', createdAt: 30 },
    ],
  };

  it('stores jobs and images, marks them dirty, and does not double them on a second import', async () => {
    const first = await send({ type: 'import', text: JSON.stringify(file) });
    expect(first).toMatchObject({ ok: true, imported: 2, skipped: 0 });
    expect((await store.getJob('job-1'))!.image).toBe(sha256Hex(bytes));
    expect(await store.hasImages([sha256Hex(bytes)])).toEqual(new Set([sha256Hex(bytes)]));
    expect(new Set(await store.getOutbox())).toEqual(new Set(['job-1', 'job-2']));
    expect(await store.getSubmitQueue()).toEqual([]);

    const again = await send({
      type: 'import',
      text: JSON.stringify({ jobs: [...file.jobs, { id: 'job-3', prompt: 'c', status: 'success' }] }),
    });
    expect(again).toMatchObject({ ok: true, imported: 1, skipped: 2 });
    expect((again as { message: string }).message).toMatch(/2 already in the history/);
    expect(await store.getIndex()).toHaveLength(3);
  });

  it('takes a bare list, skips repeats and unreadable jobs, and says why', async () => {
    const reply = await send({
      type: 'import',
      text: JSON.stringify([file.jobs[0], file.jobs[0], { prompt: 'no id' }]),
    });
    expect(reply).toMatchObject({ ok: true, imported: 1, skipped: 2 });
    expect((reply as { message: string }).message).toMatch(/1 repeated in the file, 1 unreadable/);
  });

  it.each([
    ['{"jobs": [', /not valid JSON/],
    ['{"jobs": "many"}', /jobs: /],
    ['42', /not a PixelLab job history/],
  ])('refuses %s and names the problem', async (text, message) => {
    expect(await send({ type: 'import', text })).toMatchObject({
      ok: false,
      error: expect.stringMatching(message) as unknown,
    });
    expect(await store.getIndex()).toEqual([]);
  });
});

describe('history, settings and the seed debug intents', () => {
  it('clearHistory tombstones everything', async () => {
    await store.applyJobs([job({ id: 'a' }), job({ id: 'b' })]);
    expect(await send({ type: 'clearHistory' })).toMatchObject({ ok: true, message: 'Cleared 2 jobs' });
    expect(await store.getIndex()).toEqual([]);
    expect(await store.getOutbox()).toHaveLength(2);
  });

  it('saveSettings stores them, clears the backoff and tells an online companion the parallel limit', async () => {
    const settings = { companionUrl: 'http://127.0.0.1:9999', token: 'tok', parallelLimit: 5 };
    await store.setSyncState({
      online: false,
      nextAttemptAt: NOW + 60_000,
      lastError: 'The companion at http://127.0.0.1:8787 is not reachable',
    });
    expect(await send({ type: 'saveSettings', settings })).toMatchObject({ ok: true });
    expect(await store.getSettings()).toEqual(settings);
    // The old address's error is gone at once, and a forced sync tries the new one now.
    expect(await store.getSyncState()).toMatchObject({ nextAttemptAt: null, lastError: null });
    expect(syncRuns).toEqual([{ force: true }]);
    expect(kicks).toBe(0);
    expect(putConfig).not.toHaveBeenCalled();

    await store.setSyncState({ online: true });
    expect(await send({ type: 'saveSettings', settings })).toMatchObject({ ok: true, message: 'Settings saved' });
    expect(putConfig).toHaveBeenCalledWith({ parallelLimit: 5 });

    putConfig.mockRejectedValueOnce(new Error('refused'));
    expect(await send({ type: 'saveSettings', settings })).toMatchObject({
      ok: true,
      message: expect.stringContaining('refused') as unknown,
    });
  });

  it('loadFromServer pulls, saveToStorage pushes, syncNow syncs; failures come back as errors', async () => {
    expect(await send({ type: 'loadFromServer' })).toMatchObject({
      ok: true,
      message: expect.stringContaining('5') as unknown,
    });
    expect(await send({ type: 'saveToStorage' })).toMatchObject({
      ok: true,
      message: expect.stringContaining('3') as unknown,
    });
    expect(await send({ type: 'syncNow' })).toMatchObject({ ok: true });
    expect(syncRuns).toEqual([{ force: true, push: false }, { force: true, pull: false }, { force: true }]);
    syncResult = { ...okSync, ok: false, error: 'The companion at http://127.0.0.1:8787 is not reachable' };
    expect(await send({ type: 'loadFromServer' })).toEqual({ ok: false, error: syncResult.error });
  });
});

describe('dispatch', () => {
  it('answers an invalid intent with the field at fault', async () => {
    expect(
      await handleIntent(handlers, { type: 'generate', request: { prompt: '', width: 64, height: 64, seed: null } }),
    ).toMatchObject({
      ok: false,
      error: expect.stringMatching(/request\.prompt/) as unknown,
    });
    expect(await handleIntent(handlers, { type: 'explode' })).toMatchObject({ ok: false });
  });

  it('the listener ignores other channels and answers its own', async () => {
    const listener = createIntentListener(handlers);
    expect(listener({ hello: 1 })).toBeUndefined();
    expect(listener('text')).toBeUndefined();
    expect(await listener({ channel: INTENT_CHANNEL, intent: { type: 'panelOpen' } })).toEqual({ ok: true });
  });

  it('a storage failure comes back as an error reply and is recorded for the panel', async () => {
    vi.spyOn(fakeBrowser.storage.local, 'set').mockRejectedValueOnce(new Error('QUOTA_BYTES quota exceeded'));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const reply = await send({ type: 'generate', request: { prompt: 'x', width: 64, height: 64, seed: null } });
    expect(reply).toEqual({ ok: false, error: 'QUOTA_BYTES quota exceeded' });
    expect((await local().get(keys.storageError))[keys.storageError]).toMatchObject({
      message: 'QUOTA_BYTES quota exceeded',
    });
    expect((await local().get(keys.submit))[keys.submit]).toBeUndefined();
    expect(logged).toHaveBeenCalledWith('Intent generate failed', expect.any(Error));
  });
});
