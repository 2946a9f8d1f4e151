import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { createClock } from './clock';
import { type Job, jobSchema } from './job';
import { compareVersions, mergeJobs } from './merge';
import {
  addToSetField,
  isTrashed,
  joinOrganising,
  OrganiseLimitError,
  organisingEditsOf,
  organisingStateOf,
  removeFromSetField,
  setOrganisingField,
  withOrganising,
  withoutOrganising,
} from './organise';

const base: Job = jobSchema.parse({
  id: 'job-1',
  prompt: 'a knight',
  width: 64,
  height: 64,
  status: 'success',
  image: 'a'.repeat(64),
  createdAt: 1,
  updatedAt: 10,
});

/** One replica: its copy of the job and its clock (on a shared, slowly moving time). */
function replicas(nodes: string[]) {
  let t = 1000;
  const now = () => t;
  return {
    tick: (ms: number) => {
      t += ms;
    },
    list: nodes.map((node) => ({ node, job: base, clock: createClock(node, now) })),
  };
}

type Op =
  | { kind: 'star'; at: number; value: boolean }
  | { kind: 'rate'; at: number; value: number | null }
  | { kind: 'note'; at: number; value: string }
  | { kind: 'trash'; at: number; value: boolean }
  | { kind: 'tag'; at: number; value: string }
  | { kind: 'untag'; at: number; value: string }
  | { kind: 'board'; at: number; value: string }
  | { kind: 'unboard'; at: number; value: string }
  | { kind: 'sync'; at: number; from: number }
  | { kind: 'tick'; ms: number };

const at = fc.integer({ min: 0, max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('star' as const), at, value: fc.boolean() }),
  fc.record({ kind: fc.constant('rate' as const), at, value: fc.constantFrom(null, 1, 3, 5) }),
  fc.record({ kind: fc.constant('note' as const), at, value: fc.constantFrom('', 'keep', 'redo') }),
  fc.record({ kind: fc.constant('trash' as const), at, value: fc.boolean() }),
  fc.record({ kind: fc.constant('tag' as const), at, value: fc.constantFrom('hero', 'npc', 'wip') }),
  fc.record({ kind: fc.constant('untag' as const), at, value: fc.constantFrom('hero', 'npc', 'wip') }),
  fc.record({ kind: fc.constant('board' as const), at, value: fc.constantFrom('board-a', 'board-b') }),
  fc.record({ kind: fc.constant('unboard' as const), at, value: fc.constantFrom('board-a', 'board-b') }),
  fc.record({ kind: fc.constant('sync' as const), at, from: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, 1000) }),
);

/** Runs the ops on three replicas; returns every version any replica held (the states merges meet). */
function play(ops: Op[]): Job[] {
  const world = replicas(['ext-a', 'ext-b', 's-c']);
  const seen: Job[] = [base];
  for (const op of ops) {
    if (op.kind === 'tick') {
      world.tick(op.ms);
      continue;
    }
    const r = world.list[op.at]!;
    const c = r.clock;
    switch (op.kind) {
      case 'star':
        r.job = setOrganisingField(r.job, 'starred', op.value, c);
        break;
      case 'rate':
        r.job = setOrganisingField(r.job, 'rating', op.value, c);
        break;
      case 'note':
        r.job = setOrganisingField(r.job, 'notes', op.value, c);
        break;
      case 'trash':
        r.job = setOrganisingField(r.job, 'trashedAt', op.value ? 5000 : null, c);
        break;
      case 'tag':
        r.job = addToSetField(r.job, 'tags', [op.value], c, 32);
        break;
      case 'untag':
        r.job = removeFromSetField(r.job, 'tags', [op.value]);
        break;
      case 'board':
        r.job = addToSetField(r.job, 'boards', [op.value], c, 32);
        break;
      case 'unboard':
        r.job = removeFromSetField(r.job, 'boards', [op.value]);
        break;
      case 'sync':
        r.job = mergeJobs(r.job, world.list[op.from]!.job);
        break;
    }
    seen.push(r.job);
  }
  return seen;
}

const key = (job: Job) => canonicalJson(job);
const statesArb = fc.array(opArb, { maxLength: 30 }).chain((ops) => {
  const seen = play(ops);
  return fc.tuple(fc.constantFrom(...seen), fc.constantFrom(...seen), fc.constantFrom(...seen));
});

describe('organising fields merge as a join', () => {
  it('is commutative, associative and idempotent over every state replicas reach', () => {
    fc.assert(
      fc.property(statesArb, ([a, b, c]) => {
        expect(key(mergeJobs(a, b))).toBe(key(mergeJobs(b, a)));
        expect(key(mergeJobs(mergeJobs(a, b), c))).toBe(key(mergeJobs(a, mergeJobs(b, c))));
        expect(key(mergeJobs(a, a))).toBe(key(mergeJobs(mergeJobs(a, a), a)));
        expect(key(mergeJobs(mergeJobs(a, b), b))).toBe(key(mergeJobs(a, b)));
      }),
      { numRuns: 700 },
    );
  });

  it('every replica ends with the same fields once each has seen every other', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.integer({ min: 0, max: 5 }), (ops, rotation) => {
        const seen = play(ops);
        const order = [...seen.slice(rotation % seen.length), ...seen.slice(0, rotation % seen.length)];
        const forward = seen.reduce(mergeJobs);
        const shuffled = order.reverse().reduce(mergeJobs);
        expect(key(shuffled)).toBe(key(forward));
      }),
      { numRuns: 400 },
    );
  });

  it('a state read back from its record is the same state (the record form is canonical)', () => {
    fc.assert(
      fc.property(statesArb, ([a]) => {
        const again = withOrganising(a, organisingStateOf(a));
        expect(key(withOrganising(again, organisingStateOf(again)))).toBe(key(again));
        expect(jobSchema.safeParse(again).success).toBe(true);
      }),
    );
  });
});

describe('organising fields against the rest of the job', () => {
  const gens = fc.record({
    gen: fc.integer({ min: 0, max: 2 }),
    status: fc.constantFrom('queued', 'success', 'error', 'cancelled') as fc.Arbitrary<Job['status']>,
    updatedAt: fc.integer({ min: 0, max: 3 }),
    deleted: fc.boolean(),
    prompt: fc.constantFrom('x', 'y'),
  });

  it('job-wide fields follow compareVersions, organising fields join, in any order', () => {
    fc.assert(
      fc.property(statesArb, gens, gens, gens, ([a, b, c], ga, gb, gc) => {
        const shape = (job: Job, g: typeof ga): Job => ({
          ...job,
          status: g.status,
          updatedAt: g.updatedAt,
          clock: { c: 0, node: 'n', gen: g.gen },
          deleted: g.deleted,
          prompt: g.prompt,
        });
        const [x, y, z] = [shape(a, ga), shape(b, gb), shape(c, gc)];
        const xy = mergeJobs(x, y);
        expect(key(xy)).toBe(key(mergeJobs(y, x)));
        expect(key(mergeJobs(xy, z))).toBe(key(mergeJobs(x, mergeJobs(y, z))));
        // The job-wide part is exactly the winner's.
        const winner = compareVersions(x, y) >= 0 ? x : y;
        expect(key(withoutOrganising(xy))).toBe(key(withoutOrganising(winner)));
        // The organising part is the join, whoever won.
        const joined = joinOrganising(organisingStateOf(x), organisingStateOf(y));
        expect(key(withOrganising(base, organisingStateOf(xy)))).toBe(key(withOrganising(base, joined)));
      }),
      { numRuns: 500 },
    );
  });

  it('a star on one machine and a tag on another both survive, whichever job-wide version wins', () => {
    const a = setOrganisingField(
      base,
      'starred',
      true,
      createClock('ext-a', () => 2000),
    );
    const b = addToSetField(
      { ...base, status: 'error', image: null, updatedAt: 50 },
      'tags',
      ['hero'],
      createClock('ext-b', () => 1000),
      32,
    );
    const merged = mergeJobs(a, b);
    expect(merged).toMatchObject({ starred: true, tags: ['hero'], status: 'success' });
    expect(key(merged)).toBe(key(mergeJobs(b, a)));
  });

  it('a job never organised merges exactly as before', () => {
    const later = { ...base, prompt: 'b', updatedAt: 11 };
    expect(mergeJobs(base, later)).toBe(later);
    expect(mergeJobs(later, base)).toBe(later);
  });
});

describe('add-wins sets', () => {
  const clockA = createClock('ext-a', () => 1000);
  const clockB = createClock('ext-b', () => 1000);

  it('a remove made concurrently with an add leaves the value in', () => {
    const tagged = addToSetField(base, 'tags', ['hero'], clockA, 32);
    // B saw the tag and removes it; A meanwhile adds it again without seeing the remove.
    const removedOnB = removeFromSetField(tagged, 'tags', ['hero']);
    const addedAgainOnA = addToSetField(removeFromSetField(tagged, 'tags', ['hero']), 'tags', ['hero'], clockA, 32);
    expect(removedOnB.tags).toEqual([]);
    expect(mergeJobs(removedOnB, addedAgainOnA).tags).toEqual(['hero']);
  });

  it('a remove made after seeing the add takes the value out everywhere', () => {
    const tagged = addToSetField(base, 'tags', ['hero', 'npc'], clockA, 32);
    const removed = removeFromSetField(tagged, 'tags', ['hero']);
    expect(mergeJobs(tagged, removed).tags).toEqual(['npc']);
    expect(mergeJobs(removed, tagged).tags).toEqual(['npc']);
  });

  it('a concurrent add on another node of a value removed here survives', () => {
    const onA = addToSetField(base, 'tags', ['hero'], clockA, 32);
    const onB = addToSetField(base, 'tags', ['hero'], clockB, 32);
    const removedOnA = removeFromSetField(onA, 'tags', ['hero']);
    expect(mergeJobs(removedOnA, onB).tags).toEqual(['hero']);
  });

  it('refuses more values than an edit allows, and says why', () => {
    expect(() => addToSetField(base, 'tags', ['a', 'b', 'c'], clockA, 2)).toThrow(OrganiseLimitError);
  });

  it('a value without a version loses to any edit, and reads as added by nobody in particular', () => {
    const legacy = jobSchema.parse({ ...base, tags: ['old'], starred: true });
    const unstarred = setOrganisingField(legacy, 'starred', false, clockA);
    expect(mergeJobs(legacy, unstarred).starred).toBe(false);
    expect(removeFromSetField(legacy, 'tags', ['old']).tags).toEqual([]);
    expect(mergeJobs(legacy, removeFromSetField(legacy, 'tags', ['old'])).tags).toEqual([]);
  });
});

describe('organisingEditsOf: values sent without versions', () => {
  const clock = createClock('s-c', () => 3000);
  const held = addToSetField(setOrganisingField(base, 'starred', true, clock), 'tags', ['hero', 'npc'], clock, 32);

  it('a client that sends no organising field changes none', () => {
    expect(key(organisingEditsOf(held, { ...base, prompt: 'edited' }, clock))).toBe(key({ ...held, prompt: 'edited' }));
  });

  it('changed values become edits stamped now', () => {
    const edited = organisingEditsOf(held, { ...held, starred: false, tags: ['npc', 'wip'] } as Job, clock);
    expect(edited).toMatchObject({ starred: false, tags: ['npc', 'wip'] });
    // They win over the version they were made on.
    expect(mergeJobs(held, edited)).toMatchObject({ starred: false, tags: ['npc', 'wip'] });
  });
});

describe('trash', () => {
  it('a trashed job is in the trash until restored, and a purge takes it out of both', () => {
    const clock = createClock('ext-a', () => 1000);
    const trashed = setOrganisingField(base, 'trashedAt', 1000, clock);
    expect(isTrashed(trashed)).toBe(true);
    expect(isTrashed(setOrganisingField(trashed, 'trashedAt', null, clock))).toBe(false);
    expect(isTrashed({ ...trashed, deleted: true })).toBe(false);
  });
});
