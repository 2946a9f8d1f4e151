import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { createClock } from './clock';
import {
  type BoardRecord,
  boardRecordSchema,
  editRecord,
  emptyQueue,
  mergeRecords,
  moveInOrder,
  newBoard,
  type QueueRecord,
  queueOrder,
  queueRecordSchema,
  sameSyncRecord,
} from './records';

function boardHistory(ops: { at: number; kind: 'rename' | 'delete' | 'sync'; name: string; from: number }[]) {
  let t = 1000;
  const clocks = ['ext-a', 'ext-b', 's-c'].map((node) => createClock(node, () => t));
  const start = newBoard('board-1', 'Heroes', clocks[2]!);
  const copies: BoardRecord[] = [start, start, start];
  const seen: BoardRecord[] = [start];
  for (const op of ops) {
    t += op.at;
    const i = op.from % 3;
    const r = op.at % 3;
    if (op.kind === 'rename') copies[r] = editRecord(copies[r]!, { name: op.name }, clocks[r]!);
    else if (op.kind === 'delete') copies[r] = editRecord(copies[r]!, { deleted: true }, clocks[r]!);
    else copies[r] = mergeRecords(copies[r]!, copies[i]!);
    seen.push(copies[r]!);
  }
  return seen;
}

const opsArb = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 4 }),
    kind: fc.constantFrom('rename' as const, 'delete' as const, 'sync' as const),
    name: fc.constantFrom('Heroes', 'Villains', 'Tiles'),
    from: fc.integer({ min: 0, max: 2 }),
  }),
  { maxLength: 25 },
);

describe('records merge field by field', () => {
  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(
        opsArb.chain((ops) => {
          const seen = boardHistory(ops);
          return fc.tuple(fc.constantFrom(...seen), fc.constantFrom(...seen), fc.constantFrom(...seen));
        }),
        ([a, b, c]) => {
          const key = (r: BoardRecord) => canonicalJson(r);
          expect(key(mergeRecords(a, b))).toBe(key(mergeRecords(b, a)));
          expect(key(mergeRecords(mergeRecords(a, b), c))).toBe(key(mergeRecords(a, mergeRecords(b, c))));
          expect(key(mergeRecords(a, a))).toBe(key(mergeRecords(mergeRecords(a, a), a)));
          expect(boardRecordSchema.safeParse(mergeRecords(a, b)).success).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a pause on one panel and a reorder on another both survive', () => {
    const queue = queueRecordSchema.parse(emptyQueue());
    const paused = editRecord(
      queue,
      { paused: true },
      createClock('ext-a', () => 1000),
    );
    const ordered = editRecord(
      queue,
      { order: ['job-2', 'job-1'] },
      createClock('ext-b', () => 999),
    );
    const merged = mergeRecords<QueueRecord>(paused, ordered);
    expect(merged).toMatchObject({ paused: true, order: ['job-2', 'job-1'], updatedAt: 1000 });
    expect(sameSyncRecord(merged, mergeRecords<QueueRecord>(ordered, paused))).toBe(true);
  });

  it('an edit that changes nothing is the same record', () => {
    const board = newBoard(
      'board-1',
      'Heroes',
      createClock('ext-a', () => 5),
    );
    expect(
      editRecord(
        board,
        { name: 'Heroes' },
        createClock('ext-a', () => 6),
      ),
    ).toBe(board);
  });
});

describe('the queue order', () => {
  const jobs = [
    { id: 'job-1', createdAt: 1 },
    { id: 'job-2', createdAt: 2 },
    { id: 'job-3', createdAt: 3 },
  ];
  it('runs the listed jobs first, in order, then the rest oldest first', () => {
    expect(queueOrder({ order: ['job-3'] }, jobs).map((j) => j.id)).toEqual(['job-3', 'job-1', 'job-2']);
    expect(queueOrder(null, jobs).map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-3']);
  });
  it('moves ids before another, or to the end', () => {
    expect(moveInOrder(['a', 'b', 'c'], ['c'], 'a')).toEqual(['c', 'a', 'b']);
    expect(moveInOrder(['a', 'b', 'c'], ['a'], null)).toEqual(['b', 'c', 'a']);
    expect(moveInOrder(['a', 'b', 'c'], ['b', 'a'], 'c')).toEqual(['b', 'a', 'c']);
  });
});
