import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addToSetField, createClock, newBoard } from '../../utils/domain';
import { holdsHistory, recordAdoption, wasAdopted } from './adoptions';
import { createFileStore } from './file-store';
import { importHistory } from './import-history';
import { makeJob, makePng, makeTempDir } from './test-support';
import type { JobStore } from './types';

const SEED_FILE = join(import.meta.dirname, '../../tests/fixtures/seed/string-results.json');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function openStore(): Promise<{ store: JobStore; dir: string }> {
  const { dir, cleanup } = await makeTempDir();
  const store = await createFileStore({ dataDir: dir, log: () => undefined });
  cleanups.push(async () => {
    await store.close();
    await cleanup();
  });
  return { store, dir };
}

describe('importHistory', () => {
  it("takes in the old dashboard's job_history.json, leaves it as it was, and a second import changes nothing", async () => {
    const { store, dir } = await openStore();
    const before = await readFile(SEED_FILE);
    const report = await importHistory(store, SEED_FILE);
    expect(report).toMatchObject({ format: 'seed', found: 5, taken: 5, alreadyThere: 0, renamed: 0, images: 2 });
    expect(store.list().map((job) => [job.id, job.status])).toEqual([
      ['job-1', 'success'],
      ['job-2', 'success'],
      ['job-3', 'error'],
      // Queued or running in the old file: nothing will run them now, and nothing runs (or bills) them again.
      ['job-4', 'error'],
      ['job-5', 'error'],
    ]);
    expect(await store.readImage(store.get('job-1')!.image!)).not.toBeNull();
    expect(store.lastJobId).toBe(5);
    expect(await readFile(SEED_FILE)).toEqual(before);

    const lastSeq = store.lastSeq;
    expect(await importHistory(store, SEED_FILE)).toMatchObject({ taken: 0, alreadyThere: 5, renamed: 0 });
    expect(store.lastSeq).toBe(lastSeq);
    // Durable through the normal write path: a restart finds every job.
    await store.close();
    const again = await createFileStore({ dataDir: dir, log: () => undefined });
    expect(again.list()).toHaveLength(5);
    await again.close();
  });

  it('keeps both jobs when another history already used an id for a different job (job-1.dup2)', async () => {
    const { store } = await openStore();
    await store.merge([makeJob({ id: 'job-1', prompt: 'my own first sprite', createdAt: 1 })]);
    const report = await importHistory(store, SEED_FILE);
    expect(report).toMatchObject({ taken: 5, renamed: 1 });
    expect(store.get('job-1')!.prompt).toBe('my own first sprite');
    expect(store.get('job-1.dup2')!.prompt).toBe('heroic knight with glowing sword');
    expect(await importHistory(store, SEED_FILE)).toMatchObject({ taken: 0, alreadyThere: 5, renamed: 1 });
    expect(store.list()).toHaveLength(6);
  });

  it("takes in a companion's data folder with its images and its journal, and carries no deletes over", async () => {
    const source = await openStore();
    const png = makePng(42);
    const hash = await source.store.putImage(png);
    await source.store.merge([
      makeJob({ id: 'a', prompt: 'kept', status: 'success', image: hash }),
      makeJob({ id: 'b', prompt: 'queued there', status: 'queued' }),
      makeJob({ id: 'c', prompt: 'deleted there', deleted: true }),
    ]);
    await source.store.flush();
    // The journal holds these until compaction: a folder copied now still has them all.
    const copy = await makeTempDir();
    cleanups.push(copy.cleanup);
    for (const name of await (await import('node:fs/promises')).readdir(source.dir)) {
      if ((await stat(join(source.dir, name))).isFile()) await copyFile(join(source.dir, name), join(copy.dir, name));
    }
    await mkdir(join(copy.dir, 'images'));
    await copyFile(join(source.dir, 'images', `${hash}.png`), join(copy.dir, 'images', `${hash}.png`));

    const { store } = await openStore();
    const report = await importHistory(store, copy.dir);
    expect(report).toMatchObject({ format: 'v2', found: 2, taken: 2, images: 1, missingImages: 0 });
    expect(store.get('a')).toMatchObject({ status: 'success', image: hash });
    expect(await store.readImage(hash)).toEqual(png);
    expect(store.get('b')).toMatchObject({ status: 'error' });
    expect(store.get('c')).toBeUndefined();
  });

  it('brings the boards its jobs are on, from the file and from the journal, with the jobs on them', async () => {
    const source = await openStore();
    const clock = createClock('source', () => 5_000);
    const filed = newBoard('board-0000000001-aaaaaaaa', 'Filed', clock);
    const journaled = newBoard('board-0000000002-bbbbbbbb', 'Journaled', clock);
    await source.store.merge([addToSetField(makeJob({ id: 'a' }), 'boards', [filed.id, journaled.id], clock, 32)]);
    await source.store.mergeRecords([filed]);
    await source.store.compact();
    await source.store.mergeRecords([journaled]);
    await source.store.flush();

    const { store } = await openStore();
    await importHistory(store, source.dir);
    expect(store.get('a')).toMatchObject({ boards: [filed.id, journaled.id] });
    expect(store.getRecord('board', filed.id)).toMatchObject({ name: 'Filed' });
    expect(store.getRecord('board', journaled.id)).toMatchObject({ name: 'Journaled' });
  });

  it('refuses a file that is not a history, and changes nothing', async () => {
    const { store } = await openStore();
    const bad = await makeTempDir();
    cleanups.push(bad.cleanup);
    await writeFile(join(bad.dir, 'job_history.json'), '{"jobs": [');
    await expect(importHistory(store, join(bad.dir, 'job_history.json'))).rejects.toThrow(
      /Cannot import .*job_history\.json: it is not valid JSON.*Nothing was changed/,
    );
    await expect(importHistory(store, join(bad.dir, 'nope.json'))).rejects.toThrow(/no such file or folder/);
    expect(store.lastSeq).toBe(0);
  });
});

describe('adoptions', () => {
  it('remember which folders were taken in, by their real path', async () => {
    const { store, dir } = await openStore();
    const old = await makeTempDir();
    cleanups.push(old.cleanup);
    expect(await holdsHistory(old.dir)).toBe(false);
    await copyFile(SEED_FILE, join(old.dir, 'job_history.json'));
    expect(await holdsHistory(old.dir)).toBe(true);
    expect(await wasAdopted(dir, old.dir)).toBe(false);
    await recordAdoption(dir, `${old.dir}/`, await importHistory(store, old.dir));
    expect(await wasAdopted(dir, old.dir)).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'adopted.json'), 'utf8'))).toMatchObject({
      version: 1,
      adopted: [{ taken: 5, found: 5 }],
    });
  });
});
