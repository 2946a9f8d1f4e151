import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';
import { liveIds, untilFile } from '../helpers/until-file';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/seed');
const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
afterEach(async () => {
  for (const t of temps.splice(0)) await t.remove();
});

async function withSeedFile(name: string) {
  const t = await makeTempDir();
  temps.push(t);
  await copyFile(path.join(FIXTURES, name), path.join(t.dir, 'job_history.json'));
  return t.dir;
}

/** What a seed client should see for a seed job: every field it wrote, with live jobs coming back unchanged. */
function expectSameAsSeed(served: Record<string, unknown>, original: Record<string, unknown>) {
  for (const [key, value] of Object.entries(original)) {
    if (key === 'status' && (value === 'running' || value === 'queued')) continue; // interrupted on load
    if (key === 'error' && (original.status === 'running' || original.status === 'queued')) continue;
    if (key === 'seed' && typeof value === 'string') {
      expect(served.seed).toBe(value === '' ? null : Number(value));
      continue;
    }
    expect(served[key], `field ${key} of ${String(original.id)}`).toEqual(value);
  }
}

describe('seed-format files load unchanged', () => {
  it('every fixture appears in full through GET /load-jobs', async () => {
    const names = (await readdir(FIXTURES)).filter((n) => n.endsWith('.json'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const dir = await withSeedFile(name);
      const original = JSON.parse(await readFile(path.join(dir, 'job_history.json'), 'utf8'));
      const c = await startCompanion({ dataDir: dir });
      try {
        const loaded = await (await fetch(c.url + '/load-jobs')).json();
        expect(
          loaded.jobs.map((j: { id: string }) => j.id),
          name,
        ).toEqual(original.jobs.map((j: { id: string }) => j.id));
        original.jobs.forEach((job: Record<string, unknown>, i: number) => {
          expectSameAsSeed(loaded.jobs[i], job);
        });
        expect(loaded.lastJobId).toBeGreaterThanOrEqual(original.lastJobId ?? 0);
        // Loading does not rewrite the user's file.
        expect(await readFile(path.join(dir, 'job_history.json'), 'utf8')).toBe(
          await readFile(path.join(FIXTURES, name), 'utf8'),
        );
      } finally {
        await c.stop();
      }
    }
  });

  it('moves to the new format on the first write, keeps unknown fields, and the seed file becomes the backup', async () => {
    const names = (await readdir(FIXTURES)).filter((n) => n.endsWith('.json'));
    const dir = await withSeedFile(names[0]!);
    const seedText = await readFile(path.join(dir, 'job_history.json'), 'utf8');
    const c = await startCompanion({ dataDir: dir });
    const before = (await (await fetch(c.url + '/load-jobs')).json()).jobs;
    const save = await fetch(c.url + '/save-jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: before, lastJobId: 99 }),
    });
    expect(save.status).toBe(200);
    // The file is rewritten from the journal a moment after the save: then the seed file is the backup.
    await untilFile(path.join(dir, 'job_history.json'), (text) => text.includes('"version": "2.0"'));
    expect(await readFile(path.join(dir, 'job_history.json.backup'), 'utf8')).toBe(seedText);
    const after = (await (await fetch(c.url + '/load-jobs')).json()).jobs;
    expect(after).toEqual(before.map((j: object) => expect.objectContaining(j)));
    await c.stop();
    // And a restart reads the new format back the same.
    const again = await startCompanion({ dataDir: dir });
    expect((await (await fetch(again.url + '/load-jobs')).json()).jobs).toEqual(after);
    await again.stop();
  });
});

describe('corrupt files', () => {
  const corruptions: [string, (good: string) => string | Buffer][] = [
    ['invalid JSON', () => '{"jobs": [ nope'],
    ['truncated', (good) => good.slice(0, Math.floor(good.length / 2))],
    [
      'NUL bytes',
      (good) => Buffer.concat([Buffer.from(good.slice(0, 20)), Buffer.alloc(64), Buffer.from(good.slice(20))]),
    ],
    ['fails the schema', () => JSON.stringify({ jobs: 'not a list', lastJobId: 'x' })],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`${name}: moved aside, never deleted, and the backup is loaded`, async () => {
      const t = await makeTempDir();
      temps.push(t);
      let c = await startCompanion({ dataDir: t.dir });
      const post = (body: unknown) =>
        fetch(c.url + '/save-jobs', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      await post({ jobs: [{ id: 'job-1', prompt: 'first', status: 'error', error: 'x', createdAt: 1 }] });
      // The file follows the journal a moment later; then the next rewrite makes it the backup.
      await untilFile(path.join(t.dir, 'job_history.json'), (text) => liveIds(text).join() === 'job-1');
      await post({
        jobs: [
          { id: 'job-1', prompt: 'first', status: 'error', error: 'x', createdAt: 1 },
          { id: 'job-2', prompt: 'second', status: 'error', error: 'y', createdAt: 2 },
        ],
      });
      await c.stop();
      const mainPath = path.join(t.dir, 'job_history.json');
      const bad = corrupt(await readFile(mainPath, 'utf8'));
      await writeFile(mainPath, bad);
      c = await startCompanion({ dataDir: t.dir });
      const jobs = (await (await fetch(c.url + '/load-jobs')).json()).jobs;
      expect(jobs.map((j: { id: string }) => j.id)).toEqual(['job-1']);
      const aside = (await readdir(t.dir)).filter((n) => n.startsWith('job_history.json.corrupt'));
      expect(aside).toHaveLength(1);
      expect(await readFile(path.join(t.dir, aside[0]!))).toEqual(Buffer.from(bad));
      expect(c.logs.join('\n')).toMatch(/corrupt/i);
      await c.stop();
    });
  }

  it('both bad: starts empty and keeps both files', async () => {
    const t = await makeTempDir();
    temps.push(t);
    await writeFile(path.join(t.dir, 'job_history.json'), '{"jobs": [');
    await writeFile(path.join(t.dir, 'job_history.json.backup'), 'garbage');
    const c = await startCompanion({ dataDir: t.dir });
    expect((await (await fetch(c.url + '/load-jobs')).json()).jobs).toEqual([]);
    const names = await readdir(t.dir);
    expect(names.some((n) => n.startsWith('job_history.json.corrupt'))).toBe(true);
    expect(await readFile(path.join(t.dir, 'job_history.json.backup'), 'utf8')).toBe('garbage');
    await c.stop();
  });
});
