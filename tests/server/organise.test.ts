/**
 * The organising fields, the trash and image garbage collection over the real HTTP routes (issue 15, the model
 * and server half): two devices editing different fields of one job both keep their edits; clients from
 * before the fields (a sync-v1 panel, the old dashboard's /save-jobs) never erase them; the trash hides jobs
 * from the old API without losing them; an image is freed only when a purged job was its last user.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../companion-server/lib/hash';
import { TRUST_FILE_SUFFIX } from '../../companion-server/store/trusted-file';
import {
  addToSetField,
  createClock,
  type Job,
  jobSchema,
  newBoard,
  removeFromSetField,
  setOrganisingField,
} from '../../utils/domain';
import { encodePng } from '../fixtures/png';
import { call, exists, type InProcess, pixellabDouble, startInProcess, tempDir } from '../reliability/support';

const J = { 'content-type': 'application/json' };
const opened: { h: InProcess; t: Awaited<ReturnType<typeof tempDir>> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.h.close();
    await o.t.remove();
  }
});

async function open(dir?: Awaited<ReturnType<typeof tempDir>>) {
  const t = dir ?? (await tempDir());
  const h = await startInProcess({ dataDir: t.dir, runner: 'idle' });
  opened.push({ h, t });
  return { h, t };
}

/** Closes `h` but keeps its data dir, for a restart on it. */
async function restart(h: InProcess, t: Awaited<ReturnType<typeof tempDir>>) {
  const at = opened.findIndex((o) => o.h === h);
  opened.splice(at, 1);
  await h.close();
  return open(t);
}

const PNG = encodePng(8, 8, (x, y) => [(x * 32) % 256, (y * 32) % 256, 90, 255]);
const HASH = sha256Hex(PNG);
const PNG_B64 = Buffer.from(PNG).toString('base64');

function done(id: string, extra: Partial<Job> = {}): Job {
  return jobSchema.parse({
    id,
    prompt: `prompt of ${id}`,
    width: 8,
    height: 8,
    status: 'success',
    image: HASH,
    createdAt: 1_000,
    updatedAt: 2_000,
    ...extra,
  });
}

let requests = 0;
async function push(h: InProcess, changes: unknown[], more: Record<string, unknown> = {}, clientId = 'panel-a') {
  const res = await call(h.app, {
    method: 'POST',
    path: '/api/v1/push',
    headers: J,
    body: JSON.stringify({
      requestId: `request-${String(++requests).padStart(6, '0')}`,
      clientId,
      changes,
      images: { [HASH]: PNG_B64 },
      ...more,
    }),
  });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as {
    results: { id: string; outcome: string; job: Record<string, unknown> }[];
    recordResults: { kind: string; id: string; outcome: string; record: Record<string, unknown> | null }[];
    needImages: string[];
  };
}

async function pull(h: InProcess, query: string) {
  const res = await call(h.app, { method: 'GET', path: `/api/v1/changes?since=0&limit=500${query}` });
  expect(res.status).toBe(200);
  return (await res.json()) as { changes: Record<string, unknown>[]; records?: Record<string, unknown>[] };
}

const byId = (list: Record<string, unknown>[], id: string) => list.find((j) => j.id === id);

describe('organising fields over sync', () => {
  it('a star on one device and a tag on another, made apart, both survive; a v1 pull sees neither', async () => {
    const { h } = await open();
    const base = done('job-1');
    await push(h, [base]);
    const a = createClock('device-a', () => 10_000);
    const b = createClock('device-b', () => 9_000);
    const starred = setOrganisingField(base, 'starred', true, a);
    const tagged = addToSetField(base, 'tags', ['hero'], b, 32);
    const answerA = await push(h, [starred], { v: 2 });
    expect(answerA.results[0]).toMatchObject({ outcome: 'applied', job: { starred: true } });
    const answerB = await push(h, [tagged], { v: 2 }, 'panel-b');
    // B's answer is the companion's version: B learns A's star from it.
    expect(answerB.results[0]).toMatchObject({ outcome: 'applied', job: { starred: true, tags: ['hero'] } });

    const modern = byId((await pull(h, '&v=2')).changes, 'job-1')!;
    expect(modern).toMatchObject({ starred: true, tags: ['hero'] });
    const old = byId((await pull(h, '')).changes, 'job-1')!;
    expect(old.starred).toBeUndefined();
    expect(old.tags).toBeUndefined();
    expect(old.fieldClocks).toBeUndefined();
  });

  it('a panel from before the fields pushes a newer version without them, and erases none', async () => {
    const { h } = await open();
    const base = done('job-1');
    const clock = createClock('device-a', () => 10_000);
    const organised = setOrganisingField(
      addToSetField(base, 'tags', ['hero', 'knight'], clock, 32),
      'rating',
      4,
      clock,
    );
    await push(h, [organised], { v: 2 });
    // A v1 panel renames the prompt: a newer job-wide version that knows nothing of tags or rating.
    const answer = await push(h, [{ ...base, prompt: 'renamed', updatedAt: 3_000 }], {}, 'old-panel');
    expect(answer.results[0]!.outcome).toBe('applied');
    expect(answer.results[0]!.job.tags).toBeUndefined(); // answered in v1 shapes
    const now = h.store.get('job-1')!;
    expect(now).toMatchObject({ prompt: 'renamed', rating: 4, tags: ['hero', 'knight'] });
  });

  it("the companion's own write from an older read (a result landing) keeps a star set meanwhile", async () => {
    const { h } = await open();
    const running = done('job-1', { status: 'running', image: null });
    await push(h, [running]);
    const readByRunner = h.store.get('job-1')!;
    await push(
      h,
      [
        setOrganisingField(
          running,
          'starred',
          true,
          createClock('device-a', () => 10_000),
        ),
      ],
      { v: 2 },
    );
    const { seq: _seq, ...before } = readByRunner;
    await h.store.put({ ...before, status: 'success', image: HASH });
    expect(h.store.get('job-1')).toMatchObject({ status: 'success', image: HASH, starred: true });
  });

  it('a remove made after seeing the add takes the tag out; an add made without seeing it survives it', async () => {
    const { h } = await open();
    const a = createClock('device-a', () => 10_000);
    const b = createClock('device-b', () => 10_000);
    const tagged = addToSetField(done('job-1'), 'tags', ['wip'], a, 32);
    await push(h, [tagged], { v: 2 });
    // Device A saw the tag and removes it; device B, offline from the start, tags the job 'wip' on its own.
    await push(h, [removeFromSetField(tagged, 'tags', ['wip'])], { v: 2 });
    expect(h.store.get('job-1')!.tags).toEqual([]);
    await push(h, [addToSetField(done('job-1'), 'tags', ['wip'], b, 32)], { v: 2 }, 'panel-b');
    expect(h.store.get('job-1')!.tags).toEqual(['wip']);
    // And once B's add is seen, a remove takes it out everywhere.
    await push(h, [removeFromSetField(h.store.get('job-1')!, 'tags', ['wip'])], { v: 2 });
    expect(h.store.get('job-1')!.tags).toEqual([]);
  });

  it('the fields and board records survive a restart, by the trusted start and by the careful read', async () => {
    const { h, t } = await open();
    const clock = createClock('device-a', () => 10_000);
    const board = newBoard('board-0000000001-abcdefgh', 'Heroes', clock);
    const onBoard = addToSetField(done('job-1'), 'boards', [board.id], clock, 32);
    const answer = await push(h, [onBoard], { v: 2, records: [board] });
    expect(answer.recordResults).toEqual([
      expect.objectContaining({ kind: 'board', id: board.id, outcome: 'applied' }),
    ]);
    await h.settle();
    const expectKept = (s: InProcess) => {
      expect(s.store.get('job-1')).toMatchObject({ boards: [board.id] });
      expect(s.store.getRecord('board', board.id)).toMatchObject({ name: 'Heroes' });
    };
    const second = await restart(h, t);
    expectKept(second.h);
    expect((await pull(second.h, '&v=2')).records).toEqual([expect.objectContaining({ id: board.id })]);
    expect((await pull(second.h, '')).records).toBeUndefined();
    await second.h.store.compact();
    await second.h.close();
    opened.splice(
      opened.findIndex((o) => o.h === second.h),
      1,
    );
    await rm(path.join(t.dir, `job_history.json${TRUST_FILE_SUFFIX}`), { force: true });
    const third = await open(t);
    expectKept(third.h);
  });
});

describe('organising fields and the old API', () => {
  async function seedSave(h: InProcess, jobs: unknown[]) {
    const res = await call(h.app, { method: 'POST', path: '/save-jobs', headers: J, body: JSON.stringify({ jobs }) });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  async function seedLoad(h: InProcess) {
    const res = await call(h.app, { method: 'GET', path: '/load-jobs' });
    return ((await res.json()) as { jobs: Record<string, unknown>[] }).jobs;
  }

  it('/save-jobs from a dashboard that never saw the fields erases none; /load-jobs gives them back', async () => {
    const { h } = await open();
    const clock = createClock('device-a', () => 10_000);
    await push(
      h,
      [setOrganisingField(addToSetField(done('job-1'), 'tags', ['hero'], clock, 32), 'starred', true, clock)],
      {
        v: 2,
      },
    );
    // The old dashboard's own list: the job as it knew it, without any organising field.
    await seedSave(h, [
      { id: 'job-1', prompt: 'edited in the dashboard', width: 8, height: 8, status: 'success', createdAt: 1_000 },
    ]);
    expect(h.store.get('job-1')).toMatchObject({ starred: true, tags: ['hero'] });

    const loaded = await seedLoad(h);
    expect(byId(loaded, 'job-1')).toMatchObject({ starred: true, tags: ['hero'] });
    // A client that loaded, and sends back what it loaded with the star taken off: that is an edit.
    await seedSave(
      h,
      loaded.map((j) => ({ ...j, starred: false })),
    );
    expect(h.store.get('job-1')).toMatchObject({ starred: false, tags: ['hero'] });
  });

  it('a job in the trash is hidden from /load-jobs, never removed by /save-jobs, and comes back when restored', async () => {
    const { h } = await open();
    const clock = createClock('device-a', () => 10_000);
    await push(h, [done('job-1'), done('job-2')]);
    const loaded = await seedLoad(h);
    const trashed = setOrganisingField(done('job-2'), 'trashedAt', 10_000, clock);
    await push(h, [trashed], { v: 2 });
    expect((await seedLoad(h)).map((j) => j.id)).toEqual(['job-1']);
    // The dashboard saves its list without job-2 (it loaded before the trash, or never showed it).
    await seedSave(
      h,
      loaded.filter((j) => j.id === 'job-1'),
    );
    expect(h.store.get('job-2')).toMatchObject({ deleted: false, trashedAt: 10_000 });
    const restored = setOrganisingField(trashed, 'trashedAt', null, clock);
    await push(h, [restored], { v: 2 });
    expect((await seedLoad(h)).map((j) => j.id)).toEqual(['job-1', 'job-2']);
  });
});

describe('the trash and image garbage collection', () => {
  const imageFile = (t: { dir: string }) => path.join(t.dir, 'images', `${HASH}.png`);

  it('frees an image only once the last job using it, live or trashed, is purged from the trash', async () => {
    const { h, t } = await open();
    const clock = createClock('device-a', () => 10_000);
    await push(h, [done('job-1'), done('job-2')]);
    expect(await exists(imageFile(t))).toBe(true);
    const trash = (id: string) => setOrganisingField(done(id), 'trashedAt', 10_000, clock);
    const purge = (id: string) => ({ ...trash(id), deleted: true, updatedAt: 20_000 });

    await push(h, [trash('job-1'), purge('job-1')], { v: 2 });
    expect(h.store.get('job-1')!.deleted).toBe(true);
    expect(await h.store.collectImages()).toEqual([]); // job-2 still shows it
    await push(h, [trash('job-2')], { v: 2 });
    expect(await h.store.collectImages()).toEqual([]); // in the trash is not gone
    expect(await exists(imageFile(t))).toBe(true);

    await push(h, [purge('job-2')], { v: 2 });
    expect(await h.store.collectImages()).toEqual([HASH]);
    expect(await exists(imageFile(t))).toBe(false);
    expect((await call(h.app, { method: 'GET', path: `/api/v1/images/${HASH}` })).status).toBe(404);
    // A job that points at it again asks its client for it.
    const answer = await push(h, [done('job-3')], { images: {} });
    expect(answer.needImages).toEqual([HASH]);
  });

  it('a delete that did not go through the trash (an old client) frees nothing', async () => {
    const { h, t } = await open();
    await push(h, [done('job-1')]);
    await push(h, [{ ...done('job-1'), deleted: true, updatedAt: 20_000 }]);
    expect(await h.store.collectImages()).toEqual([]);
    expect(await exists(imageFile(t))).toBe(true);
  });

  it('the store purges only jobs in the trash, and only when asked', async () => {
    const { h } = await open();
    const clock = createClock('device-a', () => 10_000);
    await push(h, [done('job-1'), setOrganisingField(done('job-2'), 'trashedAt', 5_000, clock)], { v: 2 });
    expect(await h.store.purge(['job-1', 'job-2', 'job-9'])).toEqual(['job-2']);
    expect(h.store.get('job-1')!.deleted).toBe(false);
    expect(h.store.get('job-2')!.deleted).toBe(true);
    expect(await h.store.purgeTrashedBefore(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});

describe('the queue record', () => {
  it('a paused queue starts nothing, and resuming it from another panel runs what waited', async () => {
    const t = await tempDir();
    const pixellab = pixellabDouble();
    const h = await startInProcess({ dataDir: t.dir, runner: 'real', pixellab });
    opened.push({ h, t });
    const queue = (paused: boolean, updatedAt: number) => ({
      kind: 'queue',
      id: 'queue',
      paused,
      order: [],
      deleted: false,
      updatedAt,
    });
    await push(h, [], { v: 2, records: [queue(true, 1_000)] });
    const submitted = await call(h.app, {
      method: 'POST',
      path: '/api/v1/jobs',
      headers: J,
      body: JSON.stringify({ prompt: 'a knight', width: 32, height: 32 }),
    });
    expect(submitted.status).toBe(202);
    const { job } = (await submitted.json()) as { job: { id: string } };
    await h.settle();
    expect(h.store.get(job.id)!.status).toBe('queued');
    expect(pixellab.calls).toBe(0);

    await push(h, [], { v: 2, records: [queue(false, 2_000)] }, 'panel-b');
    await expect.poll(() => h.store.get(job.id)!.status).toBe('success');
    expect(pixellab.calls).toBe(1);
  });

  it('the queue order from a panel is the order queued jobs start in; the rest follow, oldest first', async () => {
    const t = await tempDir();
    const pixellab = pixellabDouble();
    const started: string[] = [];
    const generate = pixellab.generate;
    pixellab.generate = async (request) => {
      started.push(request.prompt);
      return generate(request);
    };
    const h = await startInProcess({ dataDir: t.dir, runner: 'real', pixellab });
    opened.push({ h, t });
    const queue = (paused: boolean, order: string[], updatedAt: number) => ({
      kind: 'queue',
      id: 'queue',
      paused,
      order,
      deleted: false,
      updatedAt,
    });
    await push(h, [], { v: 2, records: [queue(true, [], 1_000)] });
    const ids: Record<string, string> = {};
    for (const prompt of ['first', 'second', 'third']) {
      const res = await call(h.app, {
        method: 'POST',
        path: '/api/v1/jobs',
        headers: J,
        body: JSON.stringify({ prompt, width: 32, height: 32 }),
      });
      ids[prompt] = ((await res.json()) as { job: { id: string } }).job.id;
    }
    await push(h, [], { v: 2, records: [queue(false, [ids.third!, ids.first!], 2_000)] });
    await expect.poll(() => started.length).toBe(3);
    expect(started).toEqual(['third', 'first', 'second']);
  });
});
