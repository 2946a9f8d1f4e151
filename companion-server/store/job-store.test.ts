import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isLater } from '../../tests/helpers/versions';
import { createClock } from '../../utils/domain';
import { createFileStore } from './file-store';
import { serializeHistoryFile } from './history-file';
import { createHistoryState } from './history-state';
import { createMemoryStore } from './memory-store';
import { makeJob, makePng, makeTempDir, planningState } from './test-support';
import type { JobStore } from './types';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Both stores must behave the same: the memory store stands in for the file store in route tests. */
const makers: Array<[string, (now: () => number) => Promise<JobStore>]> = [
  [
    'file store',
    async (now) => {
      const { dir, cleanup } = await makeTempDir();
      const store = await createFileStore({ dataDir: dir, now, log: () => undefined });
      // Closed before the dir goes: a background rewrite still under way made the removal fail (ENOTEMPTY).
      cleanups.push(async () => {
        await store.close().catch(() => undefined);
        await cleanup();
      });
      return store;
    },
  ],
  ['memory store', async (now) => createMemoryStore({ now })],
];

describe.each(makers)('JobStore contract: %s', (_name, make) => {
  it('puts, gets and lists live jobs oldest first', async () => {
    const store = await make(() => 5_000);
    await store.put(makeJob({ id: 'job-2', createdAt: 20 }));
    await store.put(makeJob({ id: 'job-1', createdAt: 10 }));
    await store.put(makeJob({ id: 'job-3', createdAt: 30, deleted: true }));
    expect(store.list().map((j) => j.id)).toEqual(['job-1', 'job-2']);
    expect(store.get('job-3')).toMatchObject({ deleted: true, seq: 3 });
    expect(store.get('job-9')).toBeUndefined();
    expect(store.lastSeq).toBe(3);
    expect(store.lastJobId).toBe(3);
    expect(store.savedAt).toBe(new Date(5_000).toISOString());
    await store.compact();
    expect(store.fileSize()).toBeGreaterThan(0);
    expect(store.filePath).toMatch(/job_history\.json$/);
  });

  it('merges last-writer-wins, idempotently', async () => {
    const store = await make(() => 5_000);
    await store.put(makeJob({ updatedAt: 100 }));
    const results = await store.merge([
      makeJob({ prompt: 'older', updatedAt: 50 }),
      makeJob({ prompt: 'newer', updatedAt: 150 }),
      makeJob({ prompt: 'newer', updatedAt: 150 }),
    ]);
    // Every answer carries the companion's version after the whole merge.
    expect(results.map((r) => [r.outcome, r.job.prompt, r.job.seq])).toEqual([
      ['ignored', 'newer', 2],
      ['applied', 'newer', 2],
      ['ignored', 'newer', 2],
    ]);
  });

  it('replaceAll makes the list the history; clear tombstones the rest', async () => {
    const store = await make(() => 5_000);
    await store.replaceAll([makeJob({ id: 'job-1' }), makeJob({ id: 'job-2' })], 0);
    await store.replaceAll([makeJob({ id: 'job-2' })], 7);
    expect(store.list().map((j) => j.id)).toEqual(['job-2']);
    expect(store.get('job-1')).toMatchObject({ deleted: true, seq: 3 });
    expect(isLater(store.get('job-1')!, makeJob({ id: 'job-1' }))).toBe(true); // newer than the version it deletes
    expect(store.lastJobId).toBe(7);
    expect(await store.clear()).toBe(1);
    const page = store.changesSince(0, 10);
    expect(page.changes.map((j) => [j.id, j.deleted])).toEqual([
      ['job-1', true],
      ['job-2', true],
    ]);
    expect(page).toMatchObject({ lastSeq: 4, hasMore: false });
  });

  it('pages changes with a checkpoint', async () => {
    const store = await make(() => 5_000);
    for (let i = 1; i <= 7; i++) await store.put(makeJob({ id: `job-${i}` }));
    const first = store.changesSince(0, 5);
    expect(first).toMatchObject({ lastSeq: 5, hasMore: true });
    const second = store.changesSince(first.lastSeq, 5);
    expect(second.changes.map((j) => j.id)).toEqual(['job-6', 'job-7']);
    expect(second).toMatchObject({ lastSeq: 7, hasMore: false });
    expect(store.changesSince(7, 5)).toEqual({ changes: [], records: [], lastSeq: 7, hasMore: false });
  });

  it('stores images by sha-256 and refuses non-PNG bytes', async () => {
    const store = await make(() => 5_000);
    const png = makePng(5);
    const hash = await store.putImage(png);
    expect(hash).toBe(createHash('sha256').update(png).digest('hex'));
    expect(store.hasImage(hash)).toBe(true);
    expect(await store.readImage(hash)).toEqual(png);
    expect(await store.readImage('f'.repeat(64))).toBeNull();
    await expect(store.putImage(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'NOT_PNG' });
  });

  it('hands out copies, and refuses changes after close', async () => {
    const store = await make(() => 5_000);
    const saved = await store.put(makeJob());
    saved.prompt = 'changed by the caller';
    expect(store.get('job-1')!.prompt).toBe('heroic knight with glowing sword');
    await store.close();
    await expect(store.merge([makeJob({ id: 'job-2' })])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(store.clear()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    expect(store.list()).toHaveLength(1);
  });
});

describe('per-job serialization cache', () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      id: fc.integer({ min: 1, max: 8 }),
      prompt: fc.string({ maxLength: 12 }),
      t: fc.nat(50),
    }),
    fc.record({
      kind: fc.constant('merge' as const),
      id: fc.integer({ min: 1, max: 8 }),
      prompt: fc.string({ maxLength: 12 }),
      t: fc.nat(50),
      deleted: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('replace' as const),
      keep: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 8 }),
    }),
    fc.record({ kind: fc.constant('clear' as const) }),
  );

  it('always equals a from-scratch serialization of the current records', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const state = planningState(
          createHistoryState().state,
          createClock('s-test', () => 1_000),
        );
        for (const o of ops) {
          if (o.kind === 'put')
            state.put(makeJob({ id: `job-${o.id}`, prompt: o.prompt, updatedAt: o.t, note: { p: o.prompt } }));
          else if (o.kind === 'merge')
            state.merge([makeJob({ id: `job-${o.id}`, prompt: o.prompt, updatedAt: o.t, deleted: o.deleted })]);
          else if (o.kind === 'replace')
            state.replaceAll(
              o.keep.map((id) => makeJob({ id: `job-${id}` })),
              0,
            );
          else state.clear();
        }
        const meta = { lastJobId: state.lastJobId, savedAt: 'x', serverId: 's', seq: state.lastSeq, extra: {} };
        const cached = serializeHistoryFile(meta, state.entries());
        const scratch = serializeHistoryFile(
          meta,
          [...state.entries()].map((entry) => ({ ...entry, line: JSON.stringify(state.get(entry.id)) })),
        );
        expect(cached).toBe(scratch);
        const file = JSON.parse(cached);
        const seqs = [...file.jobs, ...file.tombstones].map((j: { seq: number }) => j.seq).sort((a, b) => a - b);
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(file.jobs.every((j: { deleted: boolean }) => !j.deleted)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
