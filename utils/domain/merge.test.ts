import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Job, jobSchema, newJobId } from './job';
import { compareVersions, pickWinner } from './merge';

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
