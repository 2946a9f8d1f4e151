import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SnapshotInfo } from '../../utils/domain';
import { snapshotsToKeep } from './dated-snapshots';
import { createFileStore } from './file-store';
import { planRestore } from './restore-snapshot';
import { makeJob, makeTempDir } from './test-support';
import type { JobStore } from './types';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-10T12:00:00.000Z');
const info = (at: number, bytes = 1_000): SnapshotInfo => ({
  id: `s-${at}`,
  takenAt: new Date(at).toISOString(),
  jobs: 1,
  bytes,
});

describe('which dated copies stay', () => {
  it('the newest of each of the last 24 hours and of each of the last 7 days, and the newest of all', () => {
    // One copy every 20 minutes for ten days.
    const all = Array.from({ length: 10 * 72 }, (_, i) => info(T0 - i * 20 * 60_000));
    const keep = snapshotsToKeep(all, T0);
    const kept = all.filter((s) => keep.has(s.id));
    const ages = kept.map((s) => (T0 - Date.parse(s.takenAt)) / HOUR);
    expect(ages[0]).toBe(0);
    // 24 hours back touch 25 clock hours (the current one holds only the newest copy).
    expect(ages.filter((a) => a < 24).length).toBe(25);
    expect(ages.every((a) => a < 7 * 24)).toBe(true);
    // Days 2 to 7 each keep one (the days already covered by the hourly copies are not counted twice).
    expect(kept.length).toBeGreaterThanOrEqual(25 + 5);
    expect(kept.length).toBeLessThanOrEqual(25 + 7);
  });

  it('within the budget the oldest go first, and the newest always stays', () => {
    const all = Array.from({ length: 10 }, (_, i) => info(T0 - i * HOUR, 100));
    expect(snapshotsToKeep(all, T0, 450).size).toBe(4);
    expect([...snapshotsToKeep(all, T0, 10)]).toEqual([all[0]!.id]);
  });
});

describe('a file store keeps dated copies', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let now: number;
  let store: JobStore;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    now = T0;
    store = await createFileStore({ dataDir: dir, now: () => now, log: () => {}, retry: { backoffMs: 1 } });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await cleanup();
  });

  it('takes one at the first rewrite after the first file, then at most one an hour, as gzip files', async () => {
    await store.put(makeJob({ id: 'job-1', createdAt: 1 }));
    await store.compact();
    // The first file of a new history is written at once, without a copy.
    expect(await store.snapshots!.list()).toHaveLength(0);
    await store.close();
    store = await createFileStore({ dataDir: dir, now: () => now, log: () => {}, retry: { backoffMs: 1 } });
    await store.put(makeJob({ id: 'job-2', createdAt: 2 }));
    await store.compact();
    const first = await store.snapshots!.list();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ jobs: 2, takenAt: new Date(T0).toISOString() });

    now += 10 * 60_000;
    await store.put(makeJob({ id: 'job-3', createdAt: 3 }));
    await store.compact();
    expect(await store.snapshots!.list()).toHaveLength(1);
    now += HOUR;
    await store.put(makeJob({ id: 'job-4', createdAt: 4 }));
    await store.compact();
    await store.close();
    const names = (await readdir(join(dir, 'snapshots'))).sort();
    expect(names).toHaveLength(2);
    expect(names.every((n) => n.endsWith('.json.gz'))).toBe(true);
    store = await createFileStore({ dataDir: dir, now: () => now, log: () => {}, retry: { backoffMs: 1 } });
    const [newest] = await store.snapshots!.list();
    expect(newest!.jobs).toBe(4);
    expect((await store.snapshots!.read(newest!.id)).map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-3', 'job-4']);
  });

  it('refuses a name that is not one of its copies, and a copy that is not a history', async () => {
    await expect(store.snapshots!.read('../job_history.json')).rejects.toMatchObject({ code: 'NO_SUCH_SNAPSHOT' });
    await expect(store.snapshots!.read('job_history-2026-01-01T00-00-00-000Z.n1.json.gz')).rejects.toMatchObject({
      code: 'NO_SUCH_SNAPSHOT',
    });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'snapshots'), { recursive: true });
    const name = 'job_history-2026-01-01T00-00-00-000Z.n1.json.gz';
    await writeFile(join(dir, 'snapshots', name), 'not gzip');
    await expect(store.snapshots!.read(name)).rejects.toMatchObject({ code: 'BAD_SNAPSHOT' });
  });
});

describe('a restore', () => {
  it('brings back deleted and missing jobs as winning versions, idle if they were waiting, and keeps the rest', async () => {
    const { dir, cleanup } = await makeTempDir();
    const store = await createFileStore({ dataDir: dir, log: () => {}, retry: { backoffMs: 1 } });
    try {
      const kept = await store.put(makeJob({ id: 'job-kept', createdAt: 1, prompt: 'edited after the copy' }));
      const gone = await store.put(makeJob({ id: 'job-gone', createdAt: 2 }));
      await store.merge([store.clock.stamp({ ...gone, deleted: true }, gone)]);
      const held = [
        { ...kept, prompt: 'as it was in the copy' },
        gone,
        { ...makeJob({ id: 'job-waiting', createdAt: 3, status: 'queued' }), seq: 9 },
      ];
      const summary = await store.commit((view) => planRestore(held, view, store.clock));
      expect(summary).toEqual({ restored: ['job-gone', 'job-waiting'], kept: 1 });
      expect(store.get('job-kept')!.prompt).toBe('edited after the copy');
      expect(store.get('job-gone')).toMatchObject({ deleted: false, status: gone.status });
      expect(store.get('job-waiting')).toMatchObject({ status: 'idle', deleted: false });
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
