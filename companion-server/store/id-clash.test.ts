/**
 * Two jobs under one id (issue 22, utils/domain/job-birth.ts): two devices' old dashboards both mint `job-5`.
 * The rule, on real stores through their merge path: a record with another birth is another job; the earlier-born
 * keeps the id, the later-born goes to clashId(id, its birth); every order of arrival ends in the same records,
 * and versions of one job (one birth) are never split, whichever device made them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clashId, type Job, mergeJobs, withoutSeq } from '../../utils/domain';
import { createMemoryStore } from './memory-store';
import { makeJob } from './test-support';

const ID = 'job-5';
const holding = (store: ReturnType<typeof createMemoryStore>) =>
  Object.fromEntries(
    [ID, ...[100, 200, 300].map((b) => clashId(ID, b))]
      .map((id) => [id, store.get(id)] as const)
      .filter(([, job]) => job)
      .map(([id, job]) => [id, withoutSeq(job!)]),
  );

describe('two jobs under one id', () => {
  it('the renamed id comes from the id and the birth alone, and is a valid id', () => {
    expect(clashId('job-5', 1_733_500_000_123)).toBe(clashId('job-5', 1_733_500_000_123));
    expect(clashId('job-5', 1_733_500_000_123)).toMatch(/^job-5\.at-[a-z0-9]+$/);
    expect(clashId('job-5', 1)).not.toBe(clashId('job-5', 2));
    expect(makeJob({ id: clashId('x'.repeat(128), 1_733_500_000_123.5) }).id.length).toBeLessThanOrEqual(128);
  });

  it('A’s job-5 (born first) keeps the id on both devices; B’s is kept under its new id, both with their own fields', async () => {
    const a = createMemoryStore();
    const b = createMemoryStore();
    const dragon = makeJob({ id: ID, prompt: 'dragon', createdAt: 100, updatedAt: 150, starred: true });
    // B's is later-born but carries a later version and a result: versions alone would have kept it, and lost A's.
    const castle = makeJob({ id: ID, prompt: 'castle', createdAt: 200, updatedAt: 9_000, image: 'a'.repeat(64) });
    await a.merge([dragon]);
    await b.merge([castle]);
    await a.merge([castle]);
    await b.merge([dragon]);
    for (const store of [a, b]) {
      expect(store.get(ID)).toMatchObject({ prompt: 'dragon', createdAt: 100, starred: true });
      expect(store.get(clashId(ID, 200))).toMatchObject({ prompt: 'castle', createdAt: 200, image: 'a'.repeat(64) });
      // B's job took none of A's star: organising fields are not joined across two jobs.
      expect(store.get(clashId(ID, 200))!.starred ?? false).toBe(false);
    }
    expect(holding(a)).toEqual(holding(b));
  });

  it('edits of the renamed job still sent under the old id by its device land on the new id', async () => {
    const a = createMemoryStore();
    await a.merge([makeJob({ id: ID, prompt: 'dragon', createdAt: 100 })]);
    await a.merge([makeJob({ id: ID, prompt: 'castle', createdAt: 200, status: 'running', image: null })]);
    // B had not read A yet: it finished its job-5 and then deleted it, both under job-5.
    const done = makeJob({ id: ID, prompt: 'castle', createdAt: 200, updatedAt: 5_000, image: 'b'.repeat(64) });
    await a.merge([done]);
    expect(a.get(clashId(ID, 200))).toMatchObject({ status: 'success', image: 'b'.repeat(64) });
    await a.merge([{ ...done, updatedAt: 6_000, deleted: true }]);
    expect(a.get(clashId(ID, 200))).toMatchObject({ deleted: true });
    // The tombstone of B's job never deletes A's.
    expect(a.get(ID)).toMatchObject({ prompt: 'dragon', deleted: false });
  });

  it('a genuine edit of one job made on two devices (one birth, other device, prompt and status) stays one job', async () => {
    const a = createMemoryStore();
    const job = makeJob({ id: ID, prompt: 'tree', createdAt: 100, status: 'idle', image: null, updatedAt: 100 });
    await a.merge([job]);
    await a.merge([{ ...job, prompt: 'tall tree', device: 'device-b-1234', updatedAt: 300 }]);
    await a.merge([{ ...job, status: 'success', image: 'c'.repeat(64), updatedAt: 200 }]);
    expect(a.get(ID)).toMatchObject({ createdAt: 100, status: 'success' });
    for (const b of [100, 200, 300]) expect(a.get(clashId(ID, b))).toBeUndefined();
  });

  it('any versions of up to three jobs under one id, in any order and batches, end in the same records', async () => {
    const version = fc.record({
      birth: fc.constantFrom(100, 200, 300),
      updatedAt: fc.integer({ min: 1_000, max: 1_010 }),
      prompt: fc.constantFrom('x', 'y'),
      done: fc.boolean(),
      deleted: fc.boolean(),
      starred: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(version, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        async (specs, batch, seed) => {
          const jobs: Job[] = specs.map((s) =>
            makeJob({
              id: ID,
              prompt: `${s.prompt} ${s.birth}`,
              createdAt: s.birth,
              updatedAt: s.updatedAt,
              status: s.done ? 'success' : 'running',
              image: s.done ? 'd'.repeat(64) : null,
              deleted: s.deleted,
              starred: s.starred,
            }),
          );
          const shuffled = [...jobs].sort((x, y) => hash(x, seed) - hash(y, seed));
          const one = createMemoryStore();
          const two = createMemoryStore();
          for (const job of jobs) await one.merge([job]);
          for (let at = 0; at < shuffled.length; at += batch) await two.merge(shuffled.slice(at, at + batch));
          expect(holding(two)).toEqual(holding(one));
          // Each job (birth) is held whole: the earliest under the id, the others under their new ids.
          const births = [...new Set(specs.map((s) => s.birth))].sort();
          births.forEach((birth, i) => {
            const id = i === 0 ? ID : clashId(ID, birth);
            const mine = jobs.filter((j) => j.createdAt === birth).map((j) => ({ ...j, id }));
            expect(withoutSeq(one.get(id)!)).toEqual(mine.reduce((x, y) => mergeJobs(x, y)));
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

function hash(job: Job, seed: number): number {
  let h = seed | 0;
  for (const c of JSON.stringify(job)) h = Math.imul(h ^ c.charCodeAt(0), 16_777_619);
  return h;
}
