import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore } from './file-store';
import { serializeHistoryFile } from './history-file';
import { makeJob, makePng, makeTempDir } from './test-support';
import { readTrustedLayout } from './trusted-layout';
import type { JobStore } from './types';

let dir: string;
let cleanup: () => Promise<void>;
let logs: string[];
const opened: JobStore[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  logs = [];
});
afterEach(async () => {
  while (opened.length)
    await opened
      .pop()!
      .close()
      .catch(() => undefined);
  await cleanup();
});

async function open(): Promise<JobStore> {
  const store = await createFileStore({ dataDir: dir, log: (line) => logs.push(line), retry: { backoffMs: 1 } });
  opened.push(store);
  return store;
}
async function reopen(store: JobStore): Promise<JobStore> {
  await store.close();
  opened.splice(opened.indexOf(store), 1);
  return open();
}
const everything = (store: JobStore) => store.changeLines(0, 1_000_000).lines;
const main = () => join(dir, 'job_history.json');

describe('the trusted layout (job_history.json as the companion writes it)', () => {
  const jobArb = fc.record({
    prompt: fc.string({ maxLength: 40 }),
    deleted: fc.boolean(),
    extra: fc.option(fc.dictionary(fc.constantFrom('tag', 'note', 'x'), fc.string({ maxLength: 8 })), {
      nil: undefined,
    }),
  });

  it('reads back every line exactly as written, live and deleted, with the top-level fields (property)', () => {
    fc.assert(
      fc.property(
        fc.array(jobArb, { maxLength: 12 }),
        fc.dictionary(fc.constantFrom('extraTop', 'other'), fc.nat()),
        fc.array(fc.nat(), { maxLength: 3 }),
        (specs, extra, boards) => {
          const entries = specs.map((s, i) => {
            const job = {
              ...makeJob({ id: `job-${i + 1}`, prompt: s.prompt || 'p', deleted: s.deleted, ...(s.extra ?? {}) }),
              seq: i + 1,
            };
            return {
              id: job.id,
              seq: job.seq,
              line: JSON.stringify(job),
              deleted: job.deleted,
              status: job.status,
              createdAt: job.createdAt,
            };
          });
          const others = boards.map((n) => ({ kind: 'board', id: `b${n}`, seq: 100 + n }));
          const text = serializeHistoryFile(
            { lastJobId: 7, savedAt: '2025-11-01T10:00:00.000Z', serverId: 's', seq: specs.length, extra },
            entries,
            others.map((o) => ({ line: JSON.stringify(o) })),
          );
          const layout = readTrustedLayout(text);
          expect(layout).not.toBeNull();
          expect(layout!.records).toEqual(others);
          const sorted = (list: typeof entries) => [...list].sort((a, b) => a.seq - b.seq);
          expect(sorted(layout!.entries)).toEqual(sorted(entries));
          expect(layout!.frame).toMatchObject({
            lastJobId: 7,
            serverId: 's',
            seq: specs.length,
            version: '2.0',
            ...extra,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers null for any other shape, so the careful read takes over', () => {
    const good = serializeHistoryFile(
      { lastJobId: 0, savedAt: '2025-11-01T10:00:00.000Z', serverId: 's', seq: 1, extra: {} },
      [
        {
          id: 'job-1',
          seq: 1,
          line: JSON.stringify({ ...makeJob(), seq: 1 }),
          deleted: false,
          status: 'success',
          createdAt: 1000,
        },
      ],
    );
    expect(readTrustedLayout(good)).not.toBeNull();
    for (const bad of [
      JSON.stringify(JSON.parse(good), null, 2), // pretty-printed by hand
      good.replace('"job-1"', '"job-1'), // a broken line
      good.replace('{"id"', '{"ids"'), // a line without an id
      good.replace('}\n', '}'), // no final newline
      `${good}\n`, // something after the end
      good.replace('"deleted":false', '"deleted":true'), // a delete among the live jobs
    ]) {
      expect(readTrustedLayout(bad)).toBeNull();
    }
  });
});

describe('a start from the file the companion wrote last', () => {
  it('holds exactly what a careful read holds', async () => {
    let store = await open();
    for (let i = 1; i <= 30; i++) await store.put(makeJob({ id: `job-${i}`, prompt: `knight ${i}`, createdAt: i }));
    await store.put({ ...makeJob({ id: 'job-4' }), deleted: true });
    await store.put(makeJob({ id: 'job-9', prompt: 'edited', createdAt: 9, updatedAt: 5_000 }));
    const png = await store.putImage(makePng(1));
    await store.put(makeJob({ id: 'job-31', image: png, createdAt: 31, starred: true, updatedAt: 5_000 }));
    await store.put(makeJob({ id: 'job-32', image: png, createdAt: 32, trashedAt: 6_000, updatedAt: 5_000 }));
    store = await reopen(store);
    const trusted = { lines: everything(store), index: store.liveIndex() };
    const record = JSON.parse(await readFile(`${main()}.written`, 'utf8'));
    expect(record).toMatchObject({ format: 1, index: { seq: expect.any(Array) } });
    expect(record.index.seq).toHaveLength(32);

    await store.close();
    opened.pop();
    await writeFile(`${main()}.written`, 'not json');
    const careful = await open();
    expect(trusted).toEqual({ lines: everything(careful), index: careful.liveIndex() });
    expect(trusted.lines).toHaveLength(32);
    expect(trusted.index.find((e) => e.id === 'job-32')).toMatchObject({ trashed: true, images: [png] });
  });

  it('gives a file an older companion recorded its start index at the next stop, without rewriting it', async () => {
    let store = await open();
    for (let i = 1; i <= 5; i++) await store.put(makeJob({ id: `job-${i}`, createdAt: i }));
    store = await reopen(store);
    const lines = everything(store);
    await store.close();
    opened.pop();
    const { index: _index, ...older } = JSON.parse(await readFile(`${main()}.written`, 'utf8'));
    await writeFile(`${main()}.written`, `${JSON.stringify(older)}\n`);
    const before = await stat(main());

    store = await reopen(await open());
    const record = JSON.parse(await readFile(`${main()}.written`, 'utf8'));
    expect(record.index.seq).toEqual([1, 2, 3, 4, 5]);
    expect((await stat(main())).ino).toBe(before.ino);
    expect(everything(store)).toEqual(lines);
  });

  it('reads an edited file the careful way, even when the edit kept its size and time', async () => {
    let store = await open();
    await store.put(makeJob({ id: 'job-1', width: 64 }));
    await store.put(makeJob({ id: 'job-2', width: 64 }));
    await store.close();
    opened.pop();
    const before = await stat(main());
    // Two characters of the prompt make room for 8192, and the time is set back: only the ctime tells the edit.
    const text = await readFile(main(), 'utf8');
    await writeFile(
      main(),
      text.replace(
        '"id":"job-2","kind":"generate","prompt":"heroic knight with glowing sword","width":64',
        '"id":"job-2","kind":"generate","prompt":"heroic knight with glowing swo","width":8192',
      ),
    );
    await utimes(main(), before.atime, before.mtime);
    expect((await stat(main())).size).toBe(before.size);
    store = await open();
    expect(store.get('job-1')).toBeDefined();
    expect(store.get('job-2')).toBeUndefined();
    expect(logs.some((l) => /set aside/.test(l))).toBe(true);
  });
});
