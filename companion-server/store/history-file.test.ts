import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToPngDataUrl, createClock, MAX_CLOCK_COUNTER, MAX_GENERATION, MAX_TIME_MS } from '../../utils/domain';
import {
  BadHistoryFileError,
  convertSeedFile,
  INTERRUPTED_BEFORE_RUNNING,
  parseHistoryFile,
  serializeHistoryFile,
} from './history-file';
import { createHistoryState, MAX_SEQ } from './history-state';
import { makeJob, makePng, planningState } from './test-support';

const bytes = (text: string) => new TextEncoder().encode(text);
/** Why the file or its first bad record cannot be used; a bad record is set aside, the rest of the file loads. */
const reason = (input: Uint8Array) => {
  try {
    const parsed = parseHistoryFile(input);
    const first = parsed.format === 'v2' ? parsed.setAside[0] : undefined;
    return first ? `sets aside ${first.where}: ${first.reason}` : 'parsed';
  } catch (error) {
    if (error instanceof BadHistoryFileError) return error.reason;
    throw error;
  }
};

describe('parseHistoryFile', () => {
  it('names what is wrong in words a log line can use', () => {
    expect(reason(bytes(''))).toBe('is empty');
    expect(reason(new Uint8Array([123, 0, 0, 125]))).toMatch(/NUL bytes/);
    expect(reason(new Uint8Array([123, 0xff, 0xfe, 125]))).toMatch(/UTF-8/);
    expect(reason(bytes('{"jobs": [{"id": "job-1"'))).toMatch(/not valid JSON \(it ends early: truncated\?\)/);
    expect(reason(bytes('[]'))).toMatch(/not a JSON object/);
    expect(reason(bytes('{"version": "2.0", "jobs": [{"id": "job-1"}]}'))).toMatch(/sets aside jobs\[0\]: prompt/);
    expect(reason(bytes('{"version": "banana", "jobs": []}'))).toMatch(/unknown version/);
  });

  it('refuses a seq above 2^52, at the top level or on a record, so the next one is always exact', () => {
    const job = (seq: number) => JSON.stringify({ ...makeJob({ id: 'job-1' }), seq });
    const file = (seq: number, jobSeq: number, where = 'jobs') =>
      bytes(`{"version": "2.0", "jobs": [], "${where}": [${job(jobSeq)}], "serverId": "s", "seq": ${seq}}`);
    expect(reason(file(2 ** 52, 2 ** 52))).toBe('parsed');
    expect(reason(file(Number.MAX_SAFE_INTEGER, 1))).toMatch(
      /fails the schema: seq: .*above 4503599627370496 \(2\^52\)/,
    );
    expect(reason(file(5, 2 ** 52 + 1))).toMatch(/sets aside jobs\[0\]: seq: .*above 4503599627370496/);
    expect(reason(file(5, 2 ** 52 + 1, 'tombstones'))).toMatch(/sets aside tombstones\[0\]: seq/);
  });

  it('reads a file with a byte order mark, and keeps unknown top-level fields', () => {
    const parsed = parseHistoryFile(
      bytes('\uFEFF{"version": "2.0", "jobs": [], "serverId": "s", "seq": 3, "note": {"a": 1}}'),
    );
    expect(parsed).toMatchObject({ format: 'v2', serverId: 's', seq: 3, lastJobId: 0, extra: { note: { a: 1 } } });
  });

  it('round-trips what serializeHistoryFile writes', () => {
    const state = planningState(createHistoryState().state, createClock('s-test'));
    state.put(makeJob({ id: 'job-1', custom: [1, { x: 'y' }] }));
    state.put(makeJob({ id: 'job-2', deleted: true }));
    const text = serializeHistoryFile(
      { lastJobId: 2, savedAt: '2025-01-01T00:00:00.000Z', serverId: 'abc', seq: state.lastSeq, extra: { note: 'hi' } },
      state.entries(),
    );
    const parsed = parseHistoryFile(bytes(text));
    expect(parsed).toMatchObject({ format: 'v2', serverId: 'abc', seq: 2, lastJobId: 2, extra: { note: 'hi' } });
    if (parsed.format !== 'v2') throw new Error('v2 expected');
    expect(parsed.records).toEqual([...state.entries()].map((e) => state.get(e.id)));
  });

  it('treats a missing version or 1.x as the seed format', () => {
    expect(parseHistoryFile(bytes('{"jobs": []}')).format).toBe('seed');
    expect(parseHistoryFile(bytes('{"jobs": [], "version": "1.0"}')).format).toBe('seed');
  });
});

describe('convertSeedFile', () => {
  it('numbers jobs in file order, renames clashing ids and fails what cannot run any more', () => {
    const png = makePng(1);
    const hashes: string[] = [];
    const { records, lastJobId } = convertSeedFile(
      {
        jobs: [
          { id: 'job-1', prompt: 'a', status: 'success', result: bytesToPngDataUrl(png), createdAt: 5 },
          { id: 'job-1', prompt: 'b', status: 'queued', createdAt: 6 },
          { id: 'job 1', prompt: 'c', status: 'idle' },
        ],
        lastJobId: 3,
      },
      (bytes) => {
        hashes.push(String(bytes.length));
        return 'a'.repeat(64);
      },
    );
    expect(records.map((r) => [r.id, r.seq, r.status])).toEqual([
      ['job-1', 1, 'success'],
      ['job-1.dup2', 2, 'error'],
      ['job_1', 3, 'idle'],
    ]);
    expect(records[1]!.error).toBe(INTERRUPTED_BEFORE_RUNNING);
    expect(hashes).toEqual([String(png.length)]);
    expect(lastJobId).toBe(3);
  });
});

describe('the loader accepts everything the writer writes', () => {
  const time = fc.oneof(fc.constant(0), fc.constant(MAX_TIME_MS), fc.integer({ min: 0, max: MAX_TIME_MS }));
  const arbJob = fc.record({
    id: fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
      fc.bigInt({ min: 0n, max: 10n ** 30n }).map((n) => `job-${n}`),
    ),
    prompt: fc.string({ maxLength: 50 }),
    width: fc.integer({ min: 1, max: 4096 }),
    height: fc.integer({ min: 1, max: 4096 }),
    seed: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: null }),
    status: fc.constantFrom('idle', 'queued', 'running', 'success', 'error'),
    createdAt: time,
    updatedAt: time,
    clock: fc.option(
      fc.record({
        c: fc.integer({ min: 0, max: MAX_CLOCK_COUNTER }),
        node: fc.string({ maxLength: 64 }),
        gen: fc.integer({ min: 0, max: MAX_GENERATION }),
      }),
      { nil: undefined },
    ),
    deleted: fc.boolean(),
    extra: fc.jsonValue(),
  });

  it('for any jobs the schema takes (ids past 2^53, times at the bound, unknown fields), with no job set aside', () => {
    fc.assert(
      fc.property(fc.array(arbJob, { maxLength: 12 }), fc.integer({ min: 0, max: MAX_SEQ - 20 }), (jobs, from) => {
        const { state } = createHistoryState({ lastSeq: from });
        const versions = jobs.map((j) => makeJob(j));
        const unique = [...new Map(versions.map((j) => [j.id, j])).values()];
        state.apply(state.prepare(unique), 0);
        const text = serializeHistoryFile(
          { lastJobId: state.lastJobId, savedAt: 'x', serverId: 's', seq: state.lastSeq, extra: {} },
          state.entries(),
        );
        const parsed = parseHistoryFile(bytes(text));
        if (parsed.format !== 'v2') throw new Error('v2 expected');
        expect(parsed.setAside).toEqual([]);
        expect(parsed.records).toHaveLength(unique.length);
        expect(parsed.lastJobId).toBe(state.lastJobId);
      }),
      { numRuns: 300 },
    );
  });
});
