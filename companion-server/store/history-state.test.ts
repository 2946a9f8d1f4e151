import { describe, expect, it } from 'vitest';
import { isLater } from '../../tests/helpers/versions';
import { createClock } from '../../utils/domain';
import { createHistoryState, MAX_SEQ } from './history-state';
import { makeJob, planningState } from './test-support';

/** A state whose clock reads 5,000 ms: the versions it makes itself land there or just after. */
const fresh = (init: Parameters<typeof createHistoryState>[0] = {}) =>
  planningState(
    createHistoryState(init).state,
    createClock('s-test', () => 5_000),
  );
const jobsOf = (state: { entries(): Iterable<{ line: string }> }) =>
  [...state.entries()].map((e) => JSON.parse(e.line) as { id: string; seq: number });

describe('history state: put and seq', () => {
  it('gives every change the next seq and keeps the Map in seq order', () => {
    const state = fresh();
    state.put(makeJob({ id: 'job-a' }));
    state.put(makeJob({ id: 'job-b' }));
    const again = state.put(makeJob({ id: 'job-a', status: 'error', updatedAt: 2_000 }));
    expect(again.seq).toBe(3);
    expect(jobsOf(state).map((j) => [j.id, j.seq])).toEqual([
      ['job-b', 2],
      ['job-a', 3],
    ]);
    expect(state.lastSeq).toBe(3);
  });

  it('hands out copies parsed from the cached line: changing one changes nothing held', () => {
    const state = fresh();
    const input = makeJob({ extra: { nested: [1, 2] } });
    const saved = state.put(input);
    expect(saved).not.toBe(input);
    (saved.extra as { nested: number[] }).nested.push(3);
    expect(state.get('job-1')!.extra).toEqual({ nested: [1, 2] });
    for (const entry of state.entries()) expect(entry.line).toBe(JSON.stringify(state.get(entry.id)));
  });

  it('raises updatedAt above the stored version so the put wins everywhere', () => {
    const state = fresh();
    state.put(makeJob({ updatedAt: 5_000 }));
    const older = state.put(makeJob({ status: 'error', updatedAt: 4_000 }));
    expect(isLater(older, { updatedAt: 5_000 })).toBe(true);
    expect(older.clock).toMatchObject({ gen: 0 });
    expect(older.status).toBe('error');
  });

  it('rejects an invalid job with the field named and leaves the state alone', () => {
    const state = fresh();
    expect(() => state.put({ ...makeJob(), width: 0 })).toThrow(/width/);
    expect(() => state.put(null)).toThrow(/expected an object/);
    expect(state.lastSeq).toBe(0);
  });

  it('ignores a seq sent in by the caller', () => {
    const state = fresh();
    const saved = state.put({ ...makeJob(), seq: 99 });
    expect(saved.seq).toBe(1);
  });

  it('derives lastJobId from job-N ids, tombstones included', () => {
    const state = fresh();
    state.put(makeJob({ id: 'job-7' }));
    state.put(makeJob({ id: 'job-12', deleted: true }));
    state.put(makeJob({ id: 'job-lx3k-abc' }));
    expect(state.lastJobId).toBe(12);
  });
});

describe('history state: merge', () => {
  it('applies newer versions and ignores older ones, reporting the current version', () => {
    const state = fresh();
    state.put(makeJob({ id: 'job-a', updatedAt: 2_000 }));
    const [older, newer, unknown] = state.merge([
      makeJob({ id: 'job-a', prompt: 'old', updatedAt: 1_000 }),
      makeJob({ id: 'job-a', prompt: 'new', updatedAt: 3_000 }),
      makeJob({ id: 'job-b', updatedAt: 1 }),
    ]);
    // An ignored version is answered with the companion's version after the whole merge.
    expect(older).toMatchObject({ outcome: 'ignored', job: { prompt: 'new', seq: 2 } });
    expect(newer).toMatchObject({ outcome: 'applied', job: { prompt: 'new', seq: 2 } });
    expect(unknown).toMatchObject({ outcome: 'applied', job: { id: 'job-b', seq: 3 } });
  });

  it('is idempotent: the same version sent twice is applied once', () => {
    const state = fresh();
    const job = makeJob({ updatedAt: 10 });
    expect(state.merge([job])[0]!.outcome).toBe('applied');
    const [again] = state.merge([{ ...job, seq: 1 }]);
    expect(again!.outcome).toBe('ignored');
    expect(state.lastSeq).toBe(1);
  });

  it('breaks ties the same way whatever the arrival order: delete first, then the larger canonical JSON', () => {
    const a = makeJob({ prompt: 'apple', updatedAt: 50 });
    const b = makeJob({ prompt: 'banana', updatedAt: 50 });
    const dead = makeJob({ prompt: 'apple', updatedAt: 50, deleted: true });
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const state = fresh();
      state.merge(order);
      expect(state.get('job-1')!.prompt).toBe('banana');
    }
    for (const order of [
      [a, dead, b],
      [b, dead, a],
      [dead, a, b],
    ]) {
      const state = fresh();
      state.merge(order);
      expect(state.get('job-1')!.deleted).toBe(true);
    }
  });

  it('rejects the whole batch when one job is invalid', () => {
    const state = fresh();
    expect(() => state.merge([makeJob({ id: 'job-a' }), { ...makeJob(), id: 'bad id!' }])).toThrow(/id/);
    expect(state.size).toBe(0);
  });
});

describe('history state: replaceAll and clear', () => {
  it('tombstones jobs left out, stores changed ones with a fresh clock, keeps unchanged seqs', () => {
    const state = fresh();
    state.put(makeJob({ id: 'job-1', updatedAt: 100 }));
    state.put(makeJob({ id: 'job-2', updatedAt: 100 }));
    state.put(makeJob({ id: 'job-3', updatedAt: 100 }));
    const changed = state.replaceAll(
      [
        makeJob({ id: 'job-1', updatedAt: 1 }), // same content, older clock: unchanged
        makeJob({ id: 'job-2', prompt: 'edited', updatedAt: 100 }),
        makeJob({ id: 'job-4', updatedAt: 100 }),
      ],
      9,
    );
    expect(changed).toBe(3);
    expect(state.get('job-1')).toMatchObject({ seq: 1, updatedAt: 100 });
    expect(state.get('job-2')).toMatchObject({ prompt: 'edited', updatedAt: 5_000, seq: 5 });
    expect(state.get('job-2')!.clock).toMatchObject({ gen: 0 });
    expect(state.get('job-3')).toMatchObject({ deleted: true, seq: 4 });
    expect(isLater(state.get('job-3')!, { updatedAt: 100 })).toBe(true);
    expect(state.get('job-4')).toMatchObject({ updatedAt: 100, seq: 6 });
    expect(state.list().map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-4']);
    expect(state.lastJobId).toBe(9);
  });

  it('never lowers lastJobId below the ids it holds', () => {
    const state = fresh();
    state.put(makeJob({ id: 'job-30' }));
    state.replaceAll([], 2);
    expect(state.lastJobId).toBe(30);
  });

  it('makes a tombstone newer than a future-dated version', () => {
    const state = fresh();
    state.put(makeJob({ updatedAt: 9_000 }));
    state.replaceAll([], 0);
    expect(state.get('job-1')).toMatchObject({ deleted: true, updatedAt: 9_000, clock: { c: 1 } });
  });

  it('changes nothing when the same list comes back', () => {
    const state = fresh();
    const jobs = [makeJob({ id: 'job-1' }), makeJob({ id: 'job-2' })];
    state.replaceAll(jobs, 2);
    const seq = state.lastSeq;
    expect(state.replaceAll(jobs, 2)).toBe(0);
    expect(state.lastSeq).toBe(seq);
  });

  it('clear tombstones every live job once', () => {
    const state = fresh();
    state.put(makeJob({ id: 'job-1' }));
    state.put(makeJob({ id: 'job-2' }));
    state.put(makeJob({ id: 'job-3', deleted: true }));
    expect(state.clear()).toBe(2);
    expect(state.list()).toEqual([]);
    expect(state.clear()).toBe(0);
    expect(state.get('job-3')!.seq).toBe(3);
  });
});

describe('history state: changesSince', () => {
  const filled = (n: number) => {
    const state = fresh();
    for (let i = 1; i <= n; i++) state.put(makeJob({ id: `job-${i}` }));
    return state;
  };

  it('pages through every change in seq order', () => {
    const state = filled(10);
    state.clear(); // 11..20 are tombstones
    const seen: number[] = [];
    let since = 0;
    for (;;) {
      const page = state.changesSince(since, 3);
      seen.push(...page.entries.map((entry) => entry.seq));
      since = page.lastSeq;
      if (!page.hasMore) break;
      expect(page.entries).toHaveLength(3);
    }
    // Superseded versions are gone: only the tombstones remain.
    expect(seen).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(since).toBe(20);
  });

  it('reports hasMore only when something is left', () => {
    const state = filled(4);
    expect(state.changesSince(0, 4)).toMatchObject({ lastSeq: 4, hasMore: false });
    expect(state.changesSince(0, 3)).toMatchObject({ lastSeq: 3, hasMore: true });
  });

  it('with nothing new answers min(since, lastSeq)', () => {
    const state = filled(4);
    expect(state.changesSince(4, 10)).toEqual({ entries: [], records: [], lastSeq: 4, hasMore: false });
    expect(state.changesSince(40, 10)).toEqual({ entries: [], records: [], lastSeq: 4, hasMore: false });
  });

  it('prepared records are invisible until applied', () => {
    const state = filled(2);
    const prepared = state.prepare([makeJob({ id: 'job-3' })]);
    expect(prepared[0]!.seq).toBe(3);
    expect(state.changesSince(2, 10)).toMatchObject({ entries: [], lastSeq: 2 });
    expect(state.get('job-3')).toBeUndefined();
    state.apply(prepared);
    expect(state.changesSince(2, 10).entries).toHaveLength(1);
  });
});

describe('history state: loading records', () => {
  it('keeps the newest version of a duplicated id and renumbers clashing seqs after the rest', () => {
    const { state, duplicateIds, renumber } = createHistoryState({
      records: [
        { ...makeJob({ id: 'job-1', updatedAt: 5 }), seq: 2 },
        { ...makeJob({ id: 'job-1', updatedAt: 9 }), seq: 1 },
        { ...makeJob({ id: 'job-2' }), seq: 3 },
        { ...makeJob({ id: 'job-3' }), seq: 3 },
      ],
      lastSeq: 4,
    });
    expect(duplicateIds).toEqual(['job-1']);
    expect(renumber.map((r) => r.id)).toEqual(['job-3']);
    expect(state.get('job-1')).toMatchObject({ updatedAt: 9, seq: 1 });
    // The store writes the clashing record again under a new number, like any change.
    state.apply(state.prepare(renumber));
    expect(state.get('job-3')!.seq).toBe(5);
    expect(state.lastSeq).toBe(5);
  });

  it('lists live jobs oldest first, ids in natural order on ties', () => {
    const { state } = createHistoryState({
      records: [
        { ...makeJob({ id: 'job-10', createdAt: 0 }), seq: 1 },
        { ...makeJob({ id: 'job-9', createdAt: 0 }), seq: 2 },
        { ...makeJob({ id: 'job-1', createdAt: 50 }), seq: 3 },
      ],
    });
    expect(state.list().map((j) => j.id)).toEqual(['job-9', 'job-10', 'job-1']);
  });
});

describe('history state: the seq limit', () => {
  it('never hands out a seq above MAX_SEQ, and a refused change leaves the state alone', () => {
    const state = fresh({
      records: [{ ...makeJob({ id: 'job-1' }), seq: MAX_SEQ - 1 }],
      lastSeq: MAX_SEQ - 1,
    });
    expect(state.put(makeJob({ id: 'job-2' })).seq).toBe(MAX_SEQ);
    const before = { lastSeq: state.lastSeq, size: state.size };
    expect(() => state.put(makeJob({ id: 'job-3' }))).toThrow(expect.objectContaining({ code: 'SEQ_EXHAUSTED' }));
    expect(() => state.merge([makeJob({ id: 'job-3', updatedAt: 9_999 })])).toThrow(
      expect.objectContaining({ code: 'SEQ_EXHAUSTED' }),
    );
    expect(() => state.replaceAll([], 0)).toThrow(expect.objectContaining({ code: 'SEQ_EXHAUSTED' }));
    expect(() => state.clear()).toThrow(expect.objectContaining({ code: 'SEQ_EXHAUSTED' }));
    expect({ lastSeq: state.lastSeq, size: state.size }).toEqual(before);
    expect(state.get('job-1')!.deleted).toBe(false);
  });

  it('refuses a whole batch that would not fit, instead of applying part of it', () => {
    const state = fresh({ lastSeq: MAX_SEQ - 1 });
    expect(() => state.merge([makeJob({ id: 'job-a' }), makeJob({ id: 'job-b' })])).toThrow(
      expect.objectContaining({ code: 'SEQ_EXHAUSTED' }),
    );
    expect(state.size).toBe(0);
    expect(state.lastSeq).toBe(MAX_SEQ - 1);
  });
});
