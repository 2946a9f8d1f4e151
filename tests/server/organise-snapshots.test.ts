/**
 * The organising fields and the dated copies of the history together, over the real HTTP routes: a restore
 * brings a purged job back as the copy held it (star, rating, notes, tags, boards, out of the trash), and image
 * garbage collection never frees an image a kept copy still points at, so that restore brings its image too.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../companion-server/lib/hash';
import { addToSetField, createClock, type Job, jobSchema, setOrganisingField } from '../../utils/domain';
import { encodePng } from '../fixtures/png';
import { call, exists, type InProcess, startInProcess, tempDir } from '../reliability/support';

const J = { 'content-type': 'application/json' };
const opened: { h: InProcess; t: Awaited<ReturnType<typeof tempDir>> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.h.close();
    await o.t.remove();
  }
});

async function open() {
  const t = await tempDir();
  const h = await startInProcess({ dataDir: t.dir, runner: 'idle' });
  opened.push({ h, t });
  return { h, t };
}

const PNG = encodePng(8, 8, (x, y) => [(x * 40) % 256, (y * 24) % 256, 30, 255]);
const HASH = sha256Hex(PNG);
const imageFile = (t: { dir: string }) => path.join(t.dir, 'images', `${HASH}.png`);

function done(id: string): Job {
  return jobSchema.parse({
    id,
    prompt: `prompt of ${id}`,
    width: 8,
    height: 8,
    status: 'success',
    image: HASH,
    createdAt: 1_000,
    updatedAt: 2_000,
  });
}

let requests = 0;
async function push(h: InProcess, changes: unknown[]) {
  const res = await call(h.app, {
    method: 'POST',
    path: '/api/v1/push',
    headers: J,
    body: JSON.stringify({
      requestId: `snap-org-${String(++requests).padStart(6, '0')}`,
      clientId: 'panel-a',
      changes,
      images: { [HASH]: Buffer.from(PNG).toString('base64') },
      v: 2,
    }),
  });
  expect(res.status).toBe(200);
}

async function takeCopy(h: InProcess): Promise<string> {
  const res = await call(h.app, { method: 'POST', path: '/api/v1/snapshots' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { snapshot: { id: string } }).snapshot.id;
}

async function restore(h: InProcess, id: string) {
  const res = await call(h.app, { method: 'POST', path: `/api/v1/snapshots/${encodeURIComponent(id)}/restore` });
  expect(res.status).toBe(200);
  return (await res.json()) as { ids: string[] };
}

/** The job put in the trash and then purged, as the panel that emptied the trash pushes it. */
async function trashAndPurge(h: InProcess, job: Job, at: number) {
  const trashed = setOrganisingField(
    job,
    'trashedAt',
    at,
    createClock('device-b', () => at),
  );
  await push(h, [trashed]);
  expect(await h.store.purge([job.id])).toEqual([job.id]);
}

describe('a restore from a dated copy and the organising fields', () => {
  it('brings a purged job back as the copy held it: starred, rated, noted, tagged, on its board, out of the trash', async () => {
    const { h } = await open();
    const clock = createClock('device-a', () => 5_000);
    let job = setOrganisingField(done('job-1'), 'starred', true, clock);
    job = setOrganisingField(job, 'rating', 4, clock);
    job = setOrganisingField(job, 'notes', 'the good knight', clock);
    job = addToSetField(addToSetField(job, 'tags', ['hero'], clock, 32), 'boards', ['board-1'], clock, 32);
    await push(h, [job]);
    const copy = await takeCopy(h);

    // After the copy: unstarred on another device, then trashed and purged.
    const later = createClock('device-b', () => 8_000);
    await push(h, [setOrganisingField(h.store.get('job-1')!, 'starred', false, later)]);
    await trashAndPurge(h, h.store.get('job-1')!, 9_000);
    expect(h.store.get('job-1')!.deleted).toBe(true);

    expect((await restore(h, copy)).ids).toEqual(['job-1']);
    const back = h.store.get('job-1')!;
    expect(back).toMatchObject({
      deleted: false,
      starred: true,
      rating: 4,
      notes: 'the good knight',
      tags: ['hero'],
      boards: ['board-1'],
    });
    expect(back.trashedAt ?? null).toBeNull();

    // The panel that purged it, pushing its tombstone again, does not take the restore back.
    const stale = setOrganisingField(
      done('job-1'),
      'trashedAt',
      9_000,
      createClock('device-b', () => 9_000),
    );
    await push(h, [{ ...stale, starred: false, deleted: true, updatedAt: 9_500 }]);
    expect(h.store.get('job-1')).toMatchObject({ deleted: false, starred: true });
  });

  it('a job the copy held in the trash comes back in the trash', async () => {
    const { h } = await open();
    await push(h, [
      setOrganisingField(
        done('job-2'),
        'trashedAt',
        4_000,
        createClock('device-a', () => 4_000),
      ),
    ]);
    const copy = await takeCopy(h);
    expect(await h.store.purge(['job-2'])).toEqual(['job-2']);
    await restore(h, copy);
    expect(h.store.get('job-2')).toMatchObject({ deleted: false, trashedAt: 4_000 });
  });
});

describe('image garbage collection and the dated copies', () => {
  it('never frees an image a kept copy points at; once the copy is gone, the next pass frees it', async () => {
    const { h, t } = await open();
    await push(h, [done('job-1')]);
    const copy = await takeCopy(h);
    await trashAndPurge(h, h.store.get('job-1')!, 9_000);
    expect(await h.store.collectImages()).toEqual([]);
    expect(await exists(imageFile(t))).toBe(true);

    // The restore brings the job and its image: the store still holds it.
    await restore(h, copy);
    expect((await call(h.app, { method: 'GET', path: `/api/v1/images/${HASH}` })).status).toBe(200);

    // Purged again, and the copy rotated out: nothing keeps the image any more.
    await trashAndPurge(h, h.store.get('job-1')!, 20_000);
    expect(await h.store.collectImages()).toEqual([]);
    await rm(path.join(t.dir, 'snapshots', copy));
    expect(await h.store.collectImages()).toEqual([HASH]);
    expect(await exists(imageFile(t))).toBe(false);
  });
});
