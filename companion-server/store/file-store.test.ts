import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pngDataUrlToBytes, type SyncedJob, toSeedJob } from '../../utils/domain';
import { createFileStore, type FileStoreOptions } from './file-store';
import { nodeFs } from './fs-seam';
import { INTERRUPTED_BEFORE_RUNNING, INTERRUPTED_WHILE_RUNNING, serializeHistoryFile } from './history-file';
import { faultyFs, fsError, makeJob, makePng, makeTempDir } from './test-support';
import type { JobStore } from './types';

const FIXTURES = join(import.meta.dirname, '../../tests/fixtures/seed');
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let cleanup: () => Promise<void>;
let logs: string[];
let clock: number;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  logs = [];
  clock = Date.parse('2025-11-01T10:00:00.000Z');
});
afterEach(() => cleanup());

const opened: JobStore[] = [];
afterEach(async () => {
  // Newest first: a store whose dir a later one took over stops writing (lock.ts) and closes without a write.
  while (opened.length)
    await opened
      .pop()!
      .close()
      .catch(() => undefined);
});
const open = async (options: Partial<FileStoreOptions> = {}) => {
  const store = await createFileStore({
    dataDir: dir,
    now: () => clock,
    log: (line) => logs.push(line),
    retry: { backoffMs: 1 },
    ...options,
  });
  opened.push(store);
  return store;
};
const mainPath = () => join(dir, 'job_history.json');
const backupPath = () => join(dir, 'job_history.json.backup');
const readMain = () => readFile(mainPath(), 'utf8');
const readBackup = () => readFile(backupPath(), 'utf8');
const filesIn = async (sub = '') => (await readdir(join(dir, sub))).sort();
const everything = (store: { changesSince: (s: number, l: number) => { changes: SyncedJob[] } }) =>
  store.changesSince(0, Number.MAX_SAFE_INTEGER).changes;

describe('file store: round trip and format', () => {
  it('writes what it holds and loads it back after a restart', async () => {
    const store = await open();
    const image = await store.putImage(makePng(1));
    await store.put(makeJob({ id: 'job-1', image }));
    await store.put(makeJob({ id: 'job-2', prompt: 'goblin', groupId: 'g1' }));
    await store.merge([makeJob({ id: 'job-3', updatedAt: 5 })]);
    await store.merge([makeJob({ id: 'job-3', updatedAt: 6, deleted: true })]);
    const before = { list: store.list(), all: everything(store), lastSeq: store.lastSeq, serverId: store.serverId };
    await store.close();

    const again = await open();
    expect(again.list()).toEqual(before.list);
    expect(everything(again)).toEqual(before.all);
    expect(again.lastSeq).toBe(before.lastSeq);
    expect(again.serverId).toBe(before.serverId);
    expect(again.savedAt).toBe(new Date(clock).toISOString());
    expect(again.hasImage(image)).toBe(true);
    expect(await again.readImage(image)).toEqual(makePng(1));
    expect(again.fileSize()).toBe((await readFile(mainPath())).length);
    expect(logs).toEqual([]);
  });

  it('is readable by hand: one compact job per line, image hashes instead of bytes, tombstones kept', async () => {
    const store = await open();
    const image = await store.putImage(makePng(2));
    await store.put(makeJob({ id: 'job-1', image }));
    await store.put(makeJob({ id: 'job-2' }));
    await store.put(makeJob({ id: 'job-2', deleted: true, updatedAt: 2_000 }));
    await store.compact();
    const text = await readMain();
    const file = JSON.parse(text);
    expect(file).toMatchObject({ lastJobId: 2, version: '2.0', serverId: store.serverId, seq: 3 });
    expect(file.savedAt).toBe(new Date(clock).toISOString());
    expect(file.jobs).toEqual([expect.objectContaining({ id: 'job-1', image, seq: 1 })]);
    expect(file.tombstones).toEqual([expect.objectContaining({ id: 'job-2', deleted: true, seq: 3 })]);
    const jobLines = text.split('\n').filter((line) => line.startsWith('    {'));
    expect(jobLines).toHaveLength(2);
    for (const line of jobLines) expect(JSON.parse(line.replace(/,$/, ''))).toHaveProperty('seq');
    expect(text).not.toContain('base64');
    expect(await filesIn('images')).toEqual([`${image}.png`]);
  });

  it('keeps the serverId across restarts and mints a fresh one for a new data dir', async () => {
    const store = await open({ randomId: () => 'server-one' });
    expect(store.serverId).toBe('server-one');
    await store.put(makeJob());
    await store.close();
    expect((await open({ randomId: () => 'server-two' })).serverId).toBe('server-one');
  });

  it('starts empty with a missing file and writes nothing until the first change', async () => {
    const store = await open();
    expect(store.list()).toEqual([]);
    expect(store.savedAt).toBeNull();
    expect(store.fileSize()).toBe(0);
    await store.flush();
    expect(await filesIn()).toEqual(['companion.lock', 'images']);
    await store.close();
    expect(await filesIn()).toEqual(['images']);
  });
});

describe('file store: seed files', () => {
  it('loads a seed file with string results in full, without rewriting it', async () => {
    const fixture = await readFile(join(FIXTURES, 'string-results.json'));
    await writeFile(mainPath(), fixture);
    const seedJobs = JSON.parse(fixture.toString('utf8')).jobs;
    const store = await open();

    expect(store.list().map((j) => [j.id, j.seq])).toEqual([
      ['job-1', 1],
      ['job-2', 2],
      ['job-3', 3],
      ['job-4', 4],
      ['job-5', 5],
    ]);
    const png1 = pngDataUrlToBytes(seedJobs[0].result)!;
    expect(store.get('job-1')).toMatchObject({ status: 'success', image: sha(png1), duration: 2.445 });
    expect(store.get('job-2')).toMatchObject({ seed: 1234, width: 32 });
    expect(store.get('job-3')).toMatchObject({ status: 'error', error: 'HTTP 429: rate limited', image: null });
    expect(store.get('job-4')).toMatchObject({ status: 'error', error: INTERRUPTED_WHILE_RUNNING });
    expect(store.get('job-5')).toMatchObject({ status: 'error', error: INTERRUPTED_BEFORE_RUNNING });
    expect(store.lastJobId).toBe(5);
    expect(store.savedAt).toBe('2023-10-29T14:30:00.000Z');
    expect(await readFile(join(dir, 'images', `${sha(png1)}.png`))).toEqual(Buffer.from(png1));
    expect(store.hasImage(sha(pngDataUrlToBytes(seedJobs[1].result)!))).toBe(true);
    expect(store.changesSince(0, 100).changes).toHaveLength(5);

    // Not rewritten until the first write; the same serverId on a second start.
    expect(await readFile(mainPath())).toEqual(fixture);
    const serverId = store.serverId;
    await store.close();
    const again = await open();
    expect(again.serverId).toBe(serverId);
    expect(await readFile(mainPath())).toEqual(fixture);

    await again.put(makeJob({ id: 'job-6' }));
    // The change is in the journal at once; the file follows at the next compaction.
    expect(await readFile(mainPath())).toEqual(fixture);
    await again.compact();
    expect(JSON.parse(await readMain())).toMatchObject({ version: '2.0', seq: 6, lastJobId: 6, serverId });
    expect(await readFile(backupPath())).toEqual(fixture);
  });

  it('loads a seed file with object results, a rotation, an idle job, string seeds and extra fields', async () => {
    const fixture = await readFile(join(FIXTURES, 'object-results.json'), 'utf8');
    await writeFile(mainPath(), fixture);
    const seedJobs = JSON.parse(fixture).jobs;
    const png7 = pngDataUrlToBytes(seedJobs[0].result.image_data_url)!;
    const png8 = pngDataUrlToBytes(seedJobs[1].result.image_data_url)!;
    const store = await open();

    const wizard = store.get('job-7')!;
    expect(wizard).toMatchObject({
      kind: 'generate',
      seed: 42,
      image: sha(png7),
      favorite: true,
      tags: ['npc', 'mage'],
    });
    expect(wizard.result).toEqual({
      status: 'success',
      prompt: 'wizard with a staff',
      width: 48,
      height: 48,
      duration: 1.9,
      timestamp: '2025-10-29T05:00:01Z',
      seed: 42,
      error_message: null,
    });
    const rotation = store.get('job-8')!;
    expect(rotation).toMatchObject({
      kind: 'rotate',
      image: sha(png8),
      isRotation: true,
      rotate: { toDirection: 'east', fromDirection: 'south', sourceJobId: 'job-7', sourceImage: sha(png7) },
      rotationData: { fromDirection: 'south', toDirection: 'east', sourceJobId: 'job-7', note: 'from the grid' },
    });
    // `notes` is an organising field now (a text): another tool's object under that name is kept aside, and
    // given back under its own name to seed clients (toSeedJob).
    expect(store.get('job-9')).toMatchObject({
      status: 'idle',
      seed: null,
      seed_notes: { pinned: false, color: 'teal' },
    });
    expect(toSeedJob(store.get('job-9')!, () => null)).toMatchObject({ notes: { pinned: false, color: 'teal' } });
    expect(store.lastJobId).toBe(12);
    expect(await filesIn('images')).toEqual([`${sha(png7)}.png`, `${sha(png8)}.png`].sort());

    // Unknown fields survive writes that touch the job and writes that do not, and a restart.
    await store.put({ ...wizard, status: 'error', error: 'retry me', updatedAt: wizard.updatedAt + 1 });
    await store.put(makeJob({ id: 'job-13' }));
    await store.close();
    const again = await open();
    expect(again.get('job-7')).toMatchObject({
      status: 'error',
      favorite: true,
      tags: ['npc', 'mage'],
      result: wizard.result,
    });
    expect(again.get('job-9')).toMatchObject({ seed_notes: { pinned: false, color: 'teal' } });
    expect(again.get('job-8')!.rotationData).toEqual(rotation.rotationData);
    expect(JSON.parse(await readMain())).toMatchObject({ exportedBy: 'dashboard 0.9', lastJobId: 13 });
  });
});

describe('file store: backup', () => {
  it('holds exactly the previous version of the file after each write', async () => {
    const store = await open();
    await store.put(makeJob({ id: 'job-0' }));
    await store.compact();
    for (let i = 1; i <= 5; i++) {
      const previous = await readMain();
      clock += 1_000;
      if (i === 3) await store.clear();
      else await store.put(makeJob({ id: `job-${i}` }));
      await store.compact();
      expect(await readBackup()).toBe(previous);
      expect(await readMain()).not.toBe(previous);
    }
    expect((await filesIn()).filter((f) => f.startsWith('job_history'))).toEqual([
      'job_history.json',
      'job_history.json.backup',
      'job_history.json.written',
    ]);
  });

  it('copies when the file system has no hard links', async () => {
    const faults = faultyFs();
    faults.fail('link', 'EPERM');
    const store = await open({ fs: faults.fs });
    await store.put(makeJob({ id: 'job-1' }));
    await store.compact();
    const previous = await readMain();
    await store.put(makeJob({ id: 'job-2' }));
    await store.compact();
    expect(await readBackup()).toBe(previous);
  });

  it('does not rewrite the file when /save-jobs sends the same history again', async () => {
    const store = await open();
    const jobs = [makeJob({ id: 'job-1' }), makeJob({ id: 'job-2' })];
    await store.replaceAll(jobs, 2);
    await store.compact();
    const fileSize = store.fileSize();
    const [main, backup] = [await readMain(), await readFile(backupPath(), 'utf8').catch(() => null)];
    clock += 1_000;
    expect(await store.replaceAll(jobs, 2)).toEqual({ fileSize });
    await store.compact();
    expect(await readMain()).toBe(main);
    expect(await readFile(backupPath(), 'utf8').catch(() => null)).toBe(backup);
  });
});

describe('file store: corrupt files', () => {
  /** Two writes, so the backup is a valid first version; returns what each file held. */
  async function twoVersions() {
    const store = await open({ randomId: () => 'original' });
    await store.put(makeJob({ id: 'job-1' }));
    await store.compact();
    await store.put(makeJob({ id: 'job-2' }));
    await store.close();
    return { main: await readMain(), backup: await readBackup() };
  }

  const corruptions: Array<[string, (text: string) => string | Buffer]> = [
    ['invalid JSON', () => '{ "jobs": [ nope'],
    ['a truncated file', (text) => text.slice(0, Math.floor(text.length / 2))],
    ['NUL bytes', (text) => Buffer.concat([Buffer.from(text.slice(0, 40)), Buffer.alloc(64)])],
    ['a frame that fails the schema', (text) => text.replace(/"lastJobId": \d+/, '"lastJobId": "many"')],
    ['an empty file', () => ''],
    [
      'a seed-format file that fails the seed schema',
      () => JSON.stringify({ version: '1.0', jobs: [{ prompt: 'no id' }] }),
    ],
    // The next seq would not be an exact number, so the file written after it would fail at the next start.
    ['a seq above 2^52', (text) => text.replace(/"seq": \d+/, `"seq": ${Number.MAX_SAFE_INTEGER}`)],
  ];

  for (const [name, corrupt] of corruptions) {
    it(`moves the file aside and loads the backup on ${name}`, async () => {
      const { backup } = await twoVersions();
      const bad = corrupt(await readMain());
      await writeFile(mainPath(), bad);
      const store = await open({ randomId: () => 'recovered' });

      expect(store.list().map((j) => j.id)).toEqual(['job-1']);
      const aside = (await filesIn()).filter((f) => f.startsWith('job_history.json.corrupt-'));
      expect(aside).toEqual(['job_history.json.corrupt-2025-11-01T10-00-00-000Z']);
      expect(await readFile(join(dir, aside[0]!))).toEqual(Buffer.from(bad));
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatch(
        /job_history\.json .*moved it to job_history\.json\.corrupt-.* and loaded job_history\.json\.backup/,
      );
      // Clients may have seen the lost version: a new serverId makes them start over.
      expect(store.serverId).toBe('recovered');
      // The recovered history is on disk at once, and the backup is untouched.
      expect(JSON.parse(await readMain())).toMatchObject({ serverId: 'recovered', jobs: [{ id: 'job-1' }] });
      expect(await readBackup()).toBe(backup);
    });
  }

  it('starts empty and keeps both files when the backup is bad too', async () => {
    await twoVersions();
    await writeFile(mainPath(), '{"jobs": [');
    await writeFile(backupPath(), 'not json at all');
    const store = await open();
    expect(store.list()).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/backup is not valid JSON \(.*\) too and is kept as it is; the history starts empty/);
    expect(await readBackup()).toBe('not json at all');
    expect(await readFile(join(dir, 'job_history.json.corrupt-2025-11-01T10-00-00-000Z'), 'utf8')).toBe('{"jobs": [');

    // Later writes move the bad backup aside instead of over it.
    await store.put(makeJob({ id: 'job-1' }));
    await store.compact();
    expect(await readBackup()).toBe('not json at all');
    clock += 1_000;
    await store.put(makeJob({ id: 'job-2' }));
    await store.compact();
    expect(await readFile(join(dir, 'job_history.json.backup.corrupt-2025-11-01T10-00-01-000Z'), 'utf8')).toBe(
      'not json at all',
    );
  });

  it('starts empty when the file is bad and there is no backup', async () => {
    await writeFile(mainPath(), '[1, 2');
    const store = await open();
    expect(store.list()).toEqual([]);
    expect(logs).toEqual([expect.stringMatching(/there is no backup, so the history starts empty/)]);
    expect((await filesIn()).some((f) => f.startsWith('job_history.json.corrupt-'))).toBe(true);
  });

  it('starts empty when the file was deleted, and moves the old backup aside instead of over it', async () => {
    await twoVersions();
    const backup = await readBackup();
    await rm(mainPath());
    const store = await open({ randomId: () => 'fresh' });
    expect(store.list()).toEqual([]);
    expect(store.serverId).toBe('fresh');
    expect(logs).toEqual([expect.stringMatching(/job_history\.json is missing; starting with an empty history/)]);
    await store.put(makeJob({ id: 'job-7' }));
    await store.compact();
    clock += 1_000;
    await store.put(makeJob({ id: 'job-8' }));
    await store.compact();
    expect(await readFile(join(dir, 'job_history.json.backup.kept-2025-11-01T10-00-01-000Z'), 'utf8')).toBe(backup);
    expect(JSON.parse(await readBackup()).jobs.map((j: SyncedJob) => j.id)).toEqual(['job-7']);
  });

  it('refuses to start on a file from a newer companion, leaving it alone', async () => {
    const text = JSON.stringify({ jobs: [], version: '3.0', serverId: 'x', seq: 0, lastJobId: 0 });
    await writeFile(mainPath(), text);
    await expect(open()).rejects.toMatchObject({ code: 'NEWER_HISTORY_FILE' });
    expect(await readMain()).toBe(text);
  });

  it('removes temp files an interrupted write left behind', async () => {
    const store = await open();
    await store.put(makeJob());
    await store.close();
    await writeFile(join(dir, 'job_history.json.tmp-123-4'), '{"jobs":');
    await writeFile(join(dir, 'job_history.json.backup.tmp'), 'old');
    await writeFile(join(dir, 'job_history.json.backup.tmp-123-6'), 'old');
    await writeFile(join(dir, 'images', `${'a'.repeat(64)}.png.tmp-123-5`), 'x');
    await (await open()).close();
    expect(await filesIn()).toEqual(['images', 'job_history.json', 'job_history.json.written']);
    expect(await filesIn('images')).toEqual([]);
    expect(logs).toHaveLength(2);
  });
});

describe('file store: directories named like temp files', () => {
  for (const name of ['job_history.json.tmp-1-1', 'job_history.json.backup.tmp', 'job_history.json.backup.tmp-1-1']) {
    it(`leaves a directory named ${name} alone, starts, and still writes with a backup`, async () => {
      const store = await open();
      await store.put(makeJob({ id: 'job-1' }));
      await store.close();
      await mkdir(join(dir, name, 'inside'), { recursive: true });
      logs.length = 0;

      const again = await open();
      expect(again.list().map((j) => j.id)).toEqual(['job-1']);
      expect(logs).toEqual([expect.stringContaining(`Left ${name} in ${dir} as it is`)]);
      const previous = await readMain();
      await again.put(makeJob({ id: 'job-2' }));
      await again.compact();
      await again.put(makeJob({ id: 'job-3' }));
      await again.compact();
      expect(JSON.parse(await readBackup()).jobs.map((j: SyncedJob) => j.id)).toEqual(['job-1', 'job-2']);
      expect(JSON.parse(await readMain()).jobs.map((j: SyncedJob) => j.id)).toEqual(['job-1', 'job-2', 'job-3']);
      expect(previous).not.toBe(await readBackup());
      expect(await readdir(join(dir, name))).toEqual(['inside']);
      expect((await filesIn()).filter((f) => f.startsWith('job_history'))).toEqual(
        ['job_history.json', 'job_history.json.backup', 'job_history.json.written', name].sort(),
      );
    });
  }
});

describe('file store: a leftover temp file that cannot be removed', () => {
  it('is left in place with a log line, and the store starts', async () => {
    const store = await open();
    await store.put(makeJob({ id: 'job-1' }));
    await store.close();
    await writeFile(join(dir, 'job_history.json.tmp-123-4'), '{"jobs":');
    logs.length = 0;
    const again = await open({ fs: { ...nodeFs, unlink: async () => Promise.reject(fsError('EACCES')) } });
    expect(again.list().map((j) => j.id)).toEqual(['job-1']);
    expect(logs).toEqual([
      expect.stringMatching(
        /^Left job_history\.json\.tmp-123-4 in .* could not be removed as a file \(permission denied \(EACCES\)\)$/,
      ),
    ]);
  });
});

describe('file store: interrupted jobs', () => {
  it('marks jobs that were running as failed, writes that at once, and leaves queued jobs to the runner', async () => {
    const store = await open();
    await store.put(makeJob({ id: 'job-1', status: 'running', updatedAt: 10 }));
    await store.put(makeJob({ id: 'job-2', status: 'queued' }));
    await store.put(makeJob({ id: 'job-3', status: 'running', deleted: true }));
    await store.close();

    clock += 60_000;
    const again = await open();
    expect(again.get('job-1')).toMatchObject({
      status: 'error',
      error: INTERRUPTED_WHILE_RUNNING,
      updatedAt: clock,
      seq: 4,
    });
    expect(again.get('job-2')).toMatchObject({ status: 'queued', seq: 2 });
    expect(again.get('job-3')).toMatchObject({ status: 'running', deleted: true });
    expect(again.changesSince(3, 10).changes.map((j) => j.id)).toEqual(['job-1']);
    const file = JSON.parse(await readMain());
    expect(file.jobs.find((j: SyncedJob) => j.id === 'job-1')).toMatchObject({ status: 'error', seq: 4 });
  });

  it('keeps the older backup under a dated name when that start-up write makes the file as found the backup', async () => {
    const store = await open();
    await store.put(makeJob({ id: 'job-1' }));
    await store.compact();
    await store.put(makeJob({ id: 'job-2', status: 'running' }));
    await store.close();
    const [main, backup] = [await readMain(), await readBackup()];

    clock += 60_000;
    logs.length = 0;
    const again = await open();
    expect(again.get('job-2')).toMatchObject({ status: 'error', error: INTERRUPTED_WHILE_RUNNING });
    expect(await readBackup()).toBe(main);
    expect(await readFile(join(dir, 'job_history.json.backup.kept-2025-11-01T10-01-00-000Z'), 'utf8')).toBe(backup);
    expect(logs).toEqual([
      'Kept the previous job_history.json.backup as job_history.json.backup.kept-2025-11-01T10-01-00-000Z',
    ]);

    // Later writes rotate the backup as usual; only that one start-up write keeps the older one.
    const previous = await readMain();
    await again.put(makeJob({ id: 'job-3' }));
    await again.compact();
    expect(await readBackup()).toBe(previous);
    expect((await filesIn()).filter((f) => f.startsWith('job_history.json.backup.kept-'))).toHaveLength(1);
  });

  it('does not keep anything extra when there is no backup yet', async () => {
    const store = await open();
    await store.put(makeJob({ id: 'job-1', status: 'running' }));
    await store.close();
    await rm(backupPath(), { force: true });
    const main = await readMain();
    await open();
    expect(await readBackup()).toBe(main);
    expect((await filesIn()).filter((f) => f.startsWith('job_history'))).toEqual([
      'job_history.json',
      'job_history.json.backup',
      'job_history.json.written',
    ]);
  });
});

describe('file store: the journal', () => {
  const journalSyncs = (faults: ReturnType<typeof faultyFs>) =>
    (faults.calls.fsync ?? []).filter((path) => path.includes('job_history.json.journal.')).length;

  it('group-commits 50 puts made without waiting into a few fsyncs, and all 50 land', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    const saved = await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(makeJob({ id: `job-${i + 1}` }))));
    expect(saved.map((j) => j.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(journalSyncs(faults)).toBeGreaterThan(0);
    expect(journalSyncs(faults)).toBeLessThan(5);
    await store.compact();
    expect(JSON.parse(await readMain()).jobs).toHaveLength(50);
  });

  it('puts changes asked for while one is on its way to the disk into one more batch', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    const first = store.put(makeJob({ id: 'job-1' }));
    await new Promise((resolve) => setImmediate(resolve)); // the first append is under way
    const rest = Array.from({ length: 20 }, (_, i) => store.put(makeJob({ id: `job-${i + 2}` })));
    await Promise.all([first, ...rest]);
    expect(journalSyncs(faults)).toBe(2);
  });

  it('acknowledges a change once its journal line is on disk; a restart replays it', async () => {
    const store = await open();
    await store.put(makeJob({ id: 'job-1' }));
    await store.compact();
    await store.put(makeJob({ id: 'job-2' }));
    const segments = (await filesIn()).filter((f) => f.startsWith('job_history.json.journal.'));
    expect(segments).toHaveLength(1);
    const line = (await readFile(join(dir, segments[0]!), 'utf8')).trim();
    expect(JSON.parse(line)).toMatchObject({ v: 1, from: 2, to: 2, jobs: [{ id: 'job-2', seq: 2 }] });
    // Without close (a crash): the file holds job-1 only, the journal job-2.
    expect(JSON.parse(await readMain()).jobs.map((j: SyncedJob) => j.id)).toEqual(['job-1']);
    const again = await open();
    expect(again.list().map((j) => j.id)).toEqual(['job-1', 'job-2']);
    expect(again.lastSeq).toBe(2);
  });

  const refusals: Array<[string, 'write' | 'fsync' | 'open', string, RegExp]> = [
    ['disk full on write', 'write', 'ENOSPC', /disk full \(ENOSPC\)/],
    ['permission denied on write', 'write', 'EACCES', /permission denied \(EACCES\)/],
    ['an I/O error on fsync', 'fsync', 'EIO', /input\/output error \(EIO\)/],
    ['permission denied on a new segment', 'open', 'EACCES', /permission denied \(EACCES\)/],
  ];

  for (const [name, method, code, words] of refusals) {
    it(`a change refused for ${name} applies nothing, in memory or on disk, and never comes back`, async () => {
      const faults = faultyFs();
      const store = await open({ fs: faults.fs });
      const image = await store.putImage(makePng(6));
      await store.put(makeJob({ id: 'job-1', image }));
      await store.put(makeJob({ id: 'job-2' }));
      await store.compact();
      // The next append opens a new segment, so every method is on the path.
      const before = { main: await readMain(), savedAt: store.savedAt, lastSeq: store.lastSeq, list: store.list() };

      faults.fail(method, code, (path) => path.includes('job_history.json.journal.'));
      const error = await store.put(makeJob({ id: 'job-3' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(words);
      expect(error).toMatchObject({ code });
      await expect(store.merge([makeJob({ id: 'job-1', image, prompt: 'edited', updatedAt: 9_999 })])).rejects.toThrow(
        words,
      );

      // Nothing of it anywhere: not in memory, not in a pull, not in the file.
      expect(store.get('job-3')).toBeUndefined();
      expect(store.get('job-1')!.prompt).toBe('heroic knight with glowing sword');
      expect({ savedAt: store.savedAt, lastSeq: store.lastSeq, list: store.list() }).toEqual({
        savedAt: before.savedAt,
        lastSeq: before.lastSeq,
        list: before.list,
      });
      expect(store.changesSince(2, 10).changes).toEqual([]);
      expect(await readMain()).toBe(before.main);
      expect(await store.readImage(image)).toEqual(makePng(6));

      // The disk works again: the next change gets the refused one's number, and a restart shows no trace of it.
      faults.clear();
      expect((await store.put(makeJob({ id: 'job-4' }))).seq).toBe(3);
      await store.close();
      const again = await open();
      expect(again.list().map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-4']);
      expect(again.get('job-1')!.prompt).toBe('heroic knight with glowing sword');
    });
  }

  it('retries a failed append inside one request: a fault that lasts one attempt is never seen', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    let failures = 0;
    const base = faults.fs.write;
    faults.fs.write = async (handle, data) => {
      if (failures++ === 0) throw fsError('EBUSY');
      return base(handle, data);
    };
    await store.put(makeJob());
    expect(failures).toBe(2);
    expect(store.get('job-1')).toBeDefined();
  });

  it('gives up after 3 attempts', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    faults.fail('write', 'ENOSPC', (path) => path.includes('journal'));
    await expect(store.put(makeJob())).rejects.toThrow(/disk full/);
    expect((faults.calls.write ?? []).filter((p) => p.includes('journal'))).toHaveLength(3);
  });

  it('rejects invalid jobs without touching anything', async () => {
    const store = await open();
    await store.put(makeJob());
    await store.compact();
    const before = await readMain();
    await expect(store.put({ ...makeJob({ id: 'job-2' }), height: 5000 })).rejects.toMatchObject({
      code: 'INVALID_JOB',
      message: expect.stringMatching(/height/),
    });
    expect(store.lastSeq).toBe(1);
    expect(await readMain()).toBe(before);
  });

  it('refuses only the invalid change of a batch; the others asked for with it land', async () => {
    const store = await open();
    const results = await Promise.allSettled([
      store.put(makeJob({ id: 'job-1' })),
      store.put({ ...makeJob({ id: 'job-2' }), width: -3 }),
      store.put(makeJob({ id: 'job-3' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.list().map((j) => [j.id, j.seq])).toEqual([
      ['job-1', 1],
      ['job-3', 2],
    ]);
  });

  it('skips a torn last line (a crash mid-append) and keeps a damaged segment aside', async () => {
    // The background rewrite would fold the journal into the file before the test damages it: keep it from
    // ever succeeding, as a crash before it would.
    const noRewrite = () => {
      const faults = faultyFs();
      faults.fail('rename', 'EIO', (path) => path.includes('job_history.json.tmp-'));
      return { fs: faults.fs };
    };
    const store = await open(noRewrite());
    await store.put(makeJob({ id: 'job-1' }));
    await store.put(makeJob({ id: 'job-2' }));
    const [segment] = (await filesIn()).filter((f) => f.startsWith('job_history.json.journal.'));
    const text = await readFile(join(dir, segment!), 'utf8');
    // A crash in the middle of the second line.
    await writeFile(join(dir, segment!), text.slice(0, text.length - 30));
    logs.length = 0;
    const again = await open();
    expect(again.list().map((j) => j.id)).toEqual(['job-1']);
    expect(logs.some((l) => /line 2 is skipped: it is incomplete/.test(l))).toBe(true);
    expect((await filesIn()).some((f) => f.endsWith('.damaged'))).toBe(false);
    await again.close();

    // A damaged line that is not the last one: skipped, and its segment kept for a human.
    const store3 = await open(noRewrite());
    await store3.put(makeJob({ id: 'job-5' }));
    await store3.put(makeJob({ id: 'job-6' }));
    const [seg] = (await filesIn()).filter((f) => /^job_history\.json\.journal\.\d+$/.test(f));
    const lines = (await readFile(join(dir, seg!), 'utf8')).split('\n');
    await writeFile(join(dir, seg!), [lines[0]!.replace('job-5', 'job-X'), ...lines.slice(1)].join('\n'));
    logs.length = 0;
    const fourth = await open();
    expect(fourth.get('job-6')).toBeDefined();
    expect(fourth.get('job-X')).toBeUndefined();
    expect(logs.some((l) => /checksum does not match/.test(l))).toBe(true);
    expect((await filesIn()).some((f) => f.startsWith(`${seg}.damaged-`))).toBe(true);
  });

  it('close settles pending changes, writes the file, then refuses more', async () => {
    const store = await open();
    const pending = store.put(makeJob({ id: 'job-1' }));
    await store.close();
    await pending;
    expect(JSON.parse(await readMain()).jobs).toHaveLength(1);
    expect((await filesIn()).filter((f) => f.includes('journal'))).toEqual([]);
    await expect(store.put(makeJob({ id: 'job-2' }))).rejects.toMatchObject({
      code: 'STORE_CLOSED',
      message: /closed/,
    });
    await expect(store.putImage(makePng(1))).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    expect(store.get('job-2')).toBeUndefined();
    expect(store.get('job-1')).toBeDefined();
  });
});

describe('file store: rewriting job_history.json (compaction)', () => {
  const faultCases: Array<[string, 'write' | 'rename', string, RegExp]> = [
    ['disk full on write', 'write', 'ENOSPC', /disk full \(ENOSPC\)/],
    ['a busy file on rename', 'rename', 'EBUSY', /file is busy \(EBUSY\)/],
    ['not permitted on rename', 'rename', 'EPERM', /operation not permitted \(EPERM\)/],
  ];

  for (const [name, method, code, words] of faultCases) {
    it(`a rewrite that fails for ${name} keeps the previous file intact and loses nothing`, async () => {
      const faults = faultyFs();
      const store = await open({ fs: faults.fs });
      await store.put(makeJob({ id: 'job-1' }));
      await store.compact();
      await store.put(makeJob({ id: 'job-2' }));
      await store.compact();
      const [mainBefore, backupBefore] = [await readMain(), await readBackup()];

      faults.fail(method, code, (path) => path.includes('job_history.json.tmp-'));
      // The change itself is durable (journal); only the rewrite fails, and says why.
      await store.put(makeJob({ id: 'job-3' }));
      await expect(store.compact()).rejects.toThrow(words);
      expect(logs.some((line) => words.test(line) && /safe in the journal/.test(line))).toBe(true);
      expect(await readMain()).toBe(mainBefore);
      // The backup step runs before the rename: it may already hold the current file.
      expect([mainBefore, backupBefore]).toContain(await readBackup());
      expect((await filesIn()).filter((f) => f.includes('.tmp'))).toEqual([]);
      expect(store.changesSince(2, 10).changes.map((j) => j.id)).toEqual(['job-3']);

      faults.clear();
      await store.compact();
      expect(JSON.parse(await readMain()).jobs.map((j: SyncedJob) => j.id)).toEqual(['job-1', 'job-2', 'job-3']);
      expect(await readBackup()).toBe(mainBefore);
    });
  }

  it('a crash before the rewrite loses nothing: the journal holds what the file does not', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    await store.put(makeJob({ id: 'job-1' }));
    faults.fail('rename', 'EIO', (path) => path.includes('job_history.json.tmp-'));
    await store.put(makeJob({ id: 'job-2' }));
    await store.compact().catch(() => undefined);
    const again = await open();
    expect(again.list().map((j) => j.id)).toEqual(['job-1', 'job-2']);
  });
});

describe('file store: merge, replaceAll and clear on disk', () => {
  it('applies a merge in one journal line and ignores a re-send', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    const jobs = [makeJob({ id: 'job-a' }), makeJob({ id: 'job-b' }), makeJob({ id: 'job-c' })];
    const results = await store.merge(jobs);
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
    const appends = () => (faults.calls.write ?? []).filter((c) => c.includes('journal')).length;
    expect(appends()).toBe(1);
    const again = await store.merge(jobs);
    expect(again.map((r) => [r.outcome, r.job.seq])).toEqual([
      ['ignored', 1],
      ['ignored', 2],
      ['ignored', 3],
    ]);
    expect(appends()).toBe(1);
  });

  it('replaceAll tombstones what is left out; clear counts', async () => {
    const store = await open();
    await store.replaceAll([makeJob({ id: 'job-1' }), makeJob({ id: 'job-2' }), makeJob({ id: 'job-3' })], 3);
    clock += 1_000;
    await store.replaceAll([makeJob({ id: 'job-2' })], 3);
    await store.compact();
    expect(store.fileSize()).toBe((await readFile(mainPath())).length);
    const file = JSON.parse(await readMain());
    expect(file.jobs.map((j: SyncedJob) => j.id)).toEqual(['job-2']);
    expect(file.tombstones.map((j: SyncedJob) => [j.id, j.deleted, j.updatedAt])).toEqual([
      ['job-1', true, clock],
      ['job-3', true, clock],
    ]);
    expect(await store.clear()).toBe(1);
    expect(store.list()).toEqual([]);
    await store.compact();
    expect(JSON.parse(await readMain()).tombstones).toHaveLength(3);
  });
});

describe('file store: per-job serialization cache', () => {
  it('writes exactly what a from-scratch serialization of the current records gives', async () => {
    const store = await open();
    const image = await store.putImage(makePng(3));
    for (let i = 1; i <= 30; i++) await store.put(makeJob({ id: `job-${i}`, extra: i % 3 ? { i } : undefined }));
    await store.merge([makeJob({ id: 'job-4', prompt: 'changed', updatedAt: 5_000, image })]);
    await store.put({ ...store.get('job-7')!, status: 'error', error: 'x', updatedAt: 6_000 });
    await store.replaceAll(
      store
        .list()
        .filter((j) => j.id !== 'job-10')
        .slice(0, 25),
      40,
    );
    await store.merge([makeJob({ id: 'job-2', updatedAt: 7e12, deleted: true })]);
    await store.compact();

    const fromScratch = (records: SyncedJob[], text: string) => {
      const file = JSON.parse(text);
      const meta = {
        lastJobId: file.lastJobId,
        savedAt: file.savedAt,
        serverId: file.serverId,
        seq: file.seq,
        extra: {},
      };
      return serializeHistoryFile(
        meta,
        records.map((job) => ({ ...job, line: JSON.stringify(job) })),
      );
    };
    const text = await readMain();
    expect(text).toBe(fromScratch(everything(store), text));

    // A restart parses the same records back, and their lines come out byte for byte the same.
    await store.close();
    const again = await open();
    await again.put(makeJob({ id: 'job-99' }));
    await again.compact();
    const next = await readMain();
    expect(next).toBe(fromScratch(everything(again), next));
    expect(next.split('\n').slice(2, 10)).toEqual(text.split('\n').slice(2, 10));
  });
});

describe('file store: images', () => {
  it('stores PNGs under their sha-256, durably and once', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    const png = makePng(9);
    const [a, b] = await Promise.all([store.putImage(png), store.putImage(png)]);
    expect(a).toBe(sha(png));
    expect(b).toBe(a);
    expect(store.hasImage(a)).toBe(true);
    expect(await readFile(join(dir, 'images', `${a}.png`))).toEqual(Buffer.from(png));
    expect(faults.calls.fsync?.filter((p) => p.includes('/images/'))).toHaveLength(1);
    expect(faults.calls.fsyncDir).toContain(join(dir, 'images'));
    await store.putImage(png);
    expect(faults.calls.open?.filter((p) => p.includes('/images/'))).toHaveLength(1);
  });

  it('refuses bytes that are not a PNG', async () => {
    const store = await open();
    await expect(store.putImage(new TextEncoder().encode('GIF89a....'))).rejects.toMatchObject({ code: 'NOT_PNG' });
    expect(await filesIn('images')).toEqual([]);
  });

  it('answers null for unknown or malformed hashes', async () => {
    const store = await open();
    expect(await store.readImage('0'.repeat(64))).toBeNull();
    expect(await store.readImage('../job_history.json')).toBeNull();
    expect(store.hasImage('nope')).toBe(false);
  });

  it('names a failed image write and leaves no temp file', async () => {
    const faults = faultyFs();
    const store = await open({ fs: faults.fs });
    faults.fail('write', 'ENOSPC');
    await expect(store.putImage(makePng(4))).rejects.toThrow(/disk full \(ENOSPC\)/);
    expect(store.hasImage(sha(makePng(4)))).toBe(false);
    expect(await filesIn('images')).toEqual([]);
    faults.clear();
    expect(await store.putImage(makePng(4))).toBe(sha(makePng(4)));
  });
});

describe('file store: damaged images', () => {
  it('never serves an image whose bytes do not match its name, and takes a good copy again', async () => {
    const store = await open();
    const png = makePng(21);
    const hash = await store.putImage(png);
    await store.close();
    // Truncated on disk while the companion was stopped.
    await writeFile(join(dir, 'images', `${hash}.png`), Buffer.from(png).subarray(0, 20));
    logs.length = 0;
    const again = await open();
    expect(await again.readImage(hash)).toBeNull();
    expect(again.hasImage(hash)).toBe(false);
    expect(again.lostImages(10)).toEqual([hash]);
    expect(logs).toEqual([expect.stringMatching(/does not match its name \(20 bytes.*counts as missing/)]);

    // A client that holds the image uploads it: the damaged file is kept aside, the good one served.
    expect(await again.putImage(png)).toBe(hash);
    expect(await again.readImage(hash)).toEqual(png);
    expect(again.hasImage(hash)).toBe(true);
    expect(again.lostImages(10)).toEqual([]);
    expect((await filesIn('images')).some((f) => f.startsWith(`${hash}.png.damaged-`))).toBe(true);
  });

  it('a job id with a huge number keeps the seed counter exact, and the file loads again', async () => {
    const store = await open();
    await store.put(makeJob({ id: 'job-99999999999999999999' }));
    await store.put(makeJob({ id: 'job-7' }));
    expect(store.lastJobId).toBe(7);
    await store.close();
    const again = await open();
    expect(
      again
        .list()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['job-7', 'job-99999999999999999999']);
    expect(logs.filter((l) => /set aside|corrupt|starts empty/.test(l))).toEqual([]);
  });
});
