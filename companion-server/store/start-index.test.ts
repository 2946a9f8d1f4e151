import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobStatusSchema } from '../../utils/domain';
import { inFileOrder, parseHistoryFile, serializeHistoryFile } from './history-file';
import { parseJob, toEntry } from './history-lines';
import { createHistoryState, type HistoryEntry } from './history-state';
import { buildStartIndex, type StartIndex } from './start-index';
import { makeJob } from './test-support';
import { readTrustedLayout } from './trusted-layout';

const hashArb = fc.constantFrom('a', 'b', 'c', 'd').map((c) => c.repeat(64));
const jobArb = fc.record({
  status: fc.constantFrom(...jobStatusSchema.options),
  image: fc.option(hashArb, { nil: null }),
  source: fc.option(hashArb, { nil: undefined }),
  trashedAt: fc.option(fc.constantFrom(5_000, null), { nil: undefined }),
  starred: fc.option(fc.boolean(), { nil: undefined }),
  deleted: fc.boolean(),
  extra: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
  createdAt: fc.nat({ max: 7_000_000_000_000 }),
  prompt: fc.constantFrom('knight', 'chevalier à l’épée', '騎士 🗡'),
});
type JobSpec = typeof jobArb extends fc.Arbitrary<infer T> ? T : never;

function entriesOf(specs: JobSpec[]): HistoryEntry[] {
  return specs.map((s, i) =>
    toEntry(
      parseJob(
        makeJob({
          id: `job-${i + 1}.x_${i}:y`,
          status: s.status,
          prompt: s.prompt ?? 'knight',
          image: s.image,
          rotate: s.source ? { toDirection: 'north', sourceImage: s.source } : null,
          ...(s.trashedAt !== undefined ? { trashedAt: s.trashedAt } : {}),
          ...(s.starred !== undefined ? { starred: s.starred } : {}),
          ...(s.extra !== undefined ? { extra: s.extra } : {}),
          deleted: s.deleted,
          createdAt: s.createdAt,
        }),
      ),
      2 * i + 1,
    ),
  );
}

const META = { lastJobId: 3, savedAt: '2025-11-01T10:00:00.000Z', serverId: 's', seq: 1_000, extra: {} };
const fileOf = (entries: HistoryEntry[]) => serializeHistoryFile(META, entries);
const indexOf = (entries: HistoryEntry[]) => buildStartIndex(inFileOrder(entries))!;

describe('the start index (job_history.json.written)', () => {
  it('gives every job the fields parsing its line gives (property)', () => {
    fc.assert(
      fc.property(fc.array(jobArb, { maxLength: 20 }), (specs) => {
        const entries = entriesOf(specs);
        const text = fileOf(entries);
        const fromIndex = readTrustedLayout(text, indexOf(entries));
        expect(fromIndex).not.toBeNull();
        expect(fromIndex!.entries).toEqual(readTrustedLayout(text)!.entries);
        expect(fromIndex!.entries).toEqual(inFileOrder(entries).map(({ ...e }) => e));
      }),
      { numRuns: 200 },
    );
  });

  it('is not used when it does not agree with the lines; the lines are parsed instead', () => {
    const specs: JobSpec[] = [
      { status: 'success', image: 'a'.repeat(64), deleted: false, createdAt: 1 } as JobSpec,
      { status: 'error', image: null, deleted: false, createdAt: 2 } as JobSpec,
      { status: 'success', image: 'b'.repeat(64), trashedAt: 5_000, deleted: true, createdAt: 3 } as JobSpec,
    ];
    const entries = entriesOf(specs);
    const text = fileOf(entries);
    const good = indexOf(entries);
    const bad: StartIndex[] = [
      indexOf(entries.slice(0, 2)), // fewer jobs than the file
      { ...good, flags: good.flags.replace(/^./, '0') }, // the first job without its image
      { ...good, flags: `${good.flags.slice(0, 2)}0` }, // the tombstone as a live job
      { ...good, imageAt: good.imageAt.slice(1) }, // an image missing
      { ...good, imageAt: good.imageAt.map((at) => at + 1) }, // an image elsewhere
      { ...good, status: 'zzz' }, // a status it does not know
    ];
    const careful = readTrustedLayout(text)!.entries;
    for (const index of bad) {
      expect(readTrustedLayout(text, index)).toBeNull();
      const parsed = parseHistoryFile(Buffer.from(text), { trusted: true, index });
      expect(parsed.format === 'v2' && parsed.entries).toEqual(careful);
    }
  });
});

describe('image counts and line bytes made on first use', () => {
  it('equal a count over the jobs held, whenever first asked (property)', () => {
    const stepArb = fc.record({
      id: fc.constantFrom('job-1', 'job-2', 'job-3', 'job-4'),
      image: fc.option(hashArb, { nil: null }),
      deleted: fc.boolean(),
      ask: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 25 }), fc.array(jobArb, { maxLength: 4 }), (steps, loaded) => {
        const { state } = createHistoryState({ entries: entriesOf(loaded) });
        const expected = (hash: string) =>
          [...state.entries()]
            .filter((e) => !e.deleted)
            .flatMap((e) => e.images ?? [])
            .filter((h) => h === hash).length;
        const bytes = () => [...state.entries()].reduce((n, e) => n + Buffer.byteLength(e.line), 0);
        let updatedAt = 10_000;
        for (const step of steps) {
          updatedAt += 1;
          const job = makeJob({ id: step.id, image: step.image, deleted: step.deleted, updatedAt });
          state.apply(state.prepare([job]));
          if (step.ask) for (const c of 'abcd') expect(state.imageRefs(c.repeat(64))).toBe(expected(c.repeat(64)));
          if (step.ask) expect(state.lineBytes).toBe(bytes());
        }
        expect(state.lineBytes).toBe(bytes());
        for (const c of 'abcd') expect(state.imageRefs(c.repeat(64))).toBe(expected(c.repeat(64)));
      }),
      { numRuns: 200 },
    );
  });
});
