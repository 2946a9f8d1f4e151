import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Job, jobSchema, newJobId } from './job';
import { compareVersions, mergeJobs, pickWinner } from './merge';

const base: Job = jobSchema.parse({
  id: 'job-1',
  prompt: 'a',
  width: 64,
  height: 64,
  status: 'success',
  createdAt: 1,
  updatedAt: 10,
});

describe('compareVersions', () => {
  it('ranks the earlier birth first: another job under the id never wins it by its version or its result', () => {
    const later = { ...base, prompt: 'another job', createdAt: 2, updatedAt: 99, image: 'a'.repeat(64) };
    expect(pickWinner(base, later)).toBeNull();
    expect(pickWinner(later, base)).toBe(base);
    expect(mergeJobs(later, { ...base, starred: true })).toMatchObject({ prompt: 'a', starred: true });
    // Its star stays its own: organising fields are not joined across two jobs.
    expect(mergeJobs({ ...later, starred: true }, base).starred ?? false).toBe(false);
  });

  it('lets the later updatedAt win', () => {
    const later = { ...base, prompt: 'b', updatedAt: 11 };
    expect(pickWinner(base, later)).toBe(later);
    expect(pickWinner(later, base)).toBeNull();
  });

  it('breaks ties the same way on every replica: deletes first, then content', () => {
    const deleted = { ...base, deleted: true };
    expect(compareVersions(deleted, base)).toBeGreaterThan(0);
    expect(compareVersions(base, deleted)).toBeLessThan(0);
    const other = { ...base, prompt: 'z' };
    expect(Math.sign(compareVersions(other, base))).toBe(-Math.sign(compareVersions(base, other)));
  });

  it('treats an identical re-send as no change, whatever the server seq', () => {
    expect(pickWinner({ ...base, seq: 4 } as Job, { ...base })).toBeNull();
  });

  it('is a total order: antisymmetric for any two versions', () => {
    const version = fc.record({
      updatedAt: fc.integer({ min: 0, max: 5 }),
      deleted: fc.boolean(),
      prompt: fc.string({ maxLength: 3 }),
    });
    fc.assert(
      fc.property(version, version, (a, b) => {
        const x = { ...base, ...a };
        const y = { ...base, ...b };
        expect(Math.sign(compareVersions(x, y)) + Math.sign(compareVersions(y, x))).toBe(0);
      }),
    );
  });
});

describe('newJobId', () => {
  it('mints ids that do not collide and sort by time', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newJobId(1000)));
    expect(ids.size).toBe(10_000);
    expect(newJobId(1000) < newJobId(2000)).toBe(true);
    expect(jobSchema.shape.id.safeParse(newJobId()).success).toBe(true);
  });
});

describe('compareVersions with generations and progress', () => {
  const arbVersion = fc.record({
    gen: fc.integer({ min: 0, max: 2 }),
    status: fc.constantFrom('idle', 'queued', 'running', 'success', 'error') as fc.Arbitrary<Job['status']>,
    image: fc.constantFrom(null, 'a'.repeat(64), 'b'.repeat(64)),
    updatedAt: fc.integer({ min: 0, max: 3 }),
    c: fc.integer({ min: 0, max: 2 }),
    node: fc.constantFrom('', 'ext-a', 's-b'),
    deleted: fc.boolean(),
    prompt: fc.constantFrom('x', 'y'),
  });
  type Drawn = typeof arbVersion extends fc.Arbitrary<infer R> ? R : never;
  const toJob = (v: Drawn): Job => ({
    ...base,
    status: v.status,
    image: v.image,
    updatedAt: v.updatedAt,
    clock: { c: v.c, node: v.node, gen: v.gen },
    deleted: v.deleted,
    prompt: v.prompt,
  });

  it('is a total order: antisymmetric and transitive', () => {
    fc.assert(
      fc.property(arbVersion, arbVersion, arbVersion, (x, y, z) => {
        const [a, b, c] = [toJob(x), toJob(y), toJob(z)];
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
        if (compareVersions(a, b) > 0 && compareVersions(b, c) > 0) expect(compareVersions(a, c)).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('every arrival order of the same versions ends with the same winner', () => {
    fc.assert(
      fc.property(fc.array(arbVersion, { minLength: 1, maxLength: 6 }), fc.integer(), (vs, seed) => {
        const jobs = vs.map(toJob);
        const shuffled = [...jobs].sort(
          (p, q) => ((jobs.indexOf(p) * 7919 + seed) % 13) - ((jobs.indexOf(q) * 7919 + seed) % 13),
        );
        const fold = (list: Job[]) => list.reduce<Job | undefined>((cur, j) => pickWinner(cur, j) ?? cur, undefined);
        expect(compareVersions(fold(jobs)!, fold(shuffled)!)).toBe(0);
      }),
    );
  });

  it('a stale copy never takes a result away, and a restart does', () => {
    const result = { ...base, status: 'success' as const, image: 'a'.repeat(64), updatedAt: 10 };
    const staleQueued = { ...base, status: 'queued' as const, image: null, updatedAt: 99 };
    expect(pickWinner(result, staleQueued)).toBeNull();
    const retry = { ...staleQueued, clock: { c: 0, node: 'ext-a', gen: 1 } };
    expect(pickWinner(result, retry)).toBe(retry);
  });
});
