/**
 * Whole-history saves from stale clients (issue 12, "Stale full saves destroy newer work"), over the real app
 * with a file store, the real runner and the fake PixelLab. The mixes, each named in its test:
 * one dashboard tab; two stale tabs of one origin; a dashboard beside the side panel; a tab opened offline from
 * old localStorage; a script that loads then saves; saves that arrive out of order; a companion restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPixelLabClient } from '../../companion-server/pixellab/client';
import { bytesToPngDataUrl } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { makeSprite } from '../fixtures/png';
import { DashboardStorage, DashboardTab } from '../helpers/old-dashboard';
import { call, type InProcess, job, pushBody, startInProcess, tempDir } from '../reliability/support';

const DASHBOARD = 'http://localhost:5500';
const PANEL = 'chrome-extension://nicmafealdkogdhcobglaenalcjpnhen';
let fake: FakePixelLab;
const open: { h: InProcess; remove: () => Promise<void> }[] = [];
let clock = 1_700_000_000_000;
const now = () => ++clock;

beforeAll(async () => {
  fake = await startFakePixelLab();
});
afterAll(async () => {
  await fake?.close();
});
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.h.close();
    await o.remove();
  }
});

async function companion(dir?: string) {
  const t = dir ? { dir, remove: async () => undefined } : await tempDir();
  const pixellab = createPixelLabClient({ baseUrl: fake.url, apiKey: fake.apiKey });
  const h = await startInProcess({ dataDir: t.dir, runner: 'real', pixellab, allowOrigins: [DASHBOARD] });
  open.push({ h, remove: t.remove });
  return h;
}

const sender = (h: InProcess, origin: string | null) => async (path: string, body: unknown) => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (origin) headers.origin = origin;
  const res = await call(h.app, { method: 'POST', path, headers, body: JSON.stringify(body) });
  return { status: res.status, body: JSON.parse(await res.text()) };
};
const live = (h: InProcess) => h.store.list().map((j) => j.id);
const tab = (h: InProcess, storage: DashboardStorage) => new DashboardTab(sender(h, DASHBOARD), storage, now);

describe('one dashboard tab (the old contract holds)', () => {
  it('adds, runs, edits and removes jobs as the old server did', async () => {
    const h = await companion();
    const t = tab(h, new DashboardStorage());
    const a = await t.add('knight');
    const b = await t.add('goblin');
    await t.run(a.id);
    expect(h.store.get(a.id)).toMatchObject({ status: 'success', image: expect.any(String) });
    await t.update(b.id, { prompt: 'goblin with a club' });
    expect(h.store.get(b.id)!.prompt).toBe('goblin with a club');
    await t.remove(b.id);
    expect(live(h)).toEqual([a.id]);
    // Run again (the old dashboard's "Run" on a finished job): a deliberate restart, then a new result.
    const before = h.store.get(a.id)!.image;
    await t.update(a.id, { status: 'idle', result: null, error: null, startTime: null, endTime: null, duration: null });
    expect(h.store.get(a.id)).toMatchObject({ status: 'idle', image: null });
    await t.run(a.id);
    expect(h.store.get(a.id)).toMatchObject({ status: 'success' });
    expect(h.store.get(a.id)!.image).not.toBeNull();
    expect(before).not.toBeNull();
  });
});

describe('two stale tabs of one origin (one localStorage)', () => {
  it('each keeps its own job-5, and neither deletes what the other made', async () => {
    const h = await companion();
    const storage = new DashboardStorage();
    const first = tab(h, storage);
    for (const p of ['a', 'b', 'c', 'd']) await first.add(p);
    // Two tabs opened now from that localStorage: both hold job-1..4 and will both mint job-5.
    const A = tab(h, storage);
    const B = tab(h, storage);
    const a5 = await A.add('dragon from tab A');
    const b5 = await B.add('wizard from tab B');
    expect(a5.id).toBe('job-5');
    expect(b5.id).toBe('job-5');
    const prompts = h.store.list().map((j) => j.prompt);
    expect(prompts).toEqual(expect.arrayContaining(['dragon from tab A', 'wizard from tab B']));
    const bAnswer = B.answers.at(-1)!.body;
    expect(bAnswer.kept.beside).toEqual({ 'job-5': 'job-5.dup2' });

    // Each tab goes on with its own job-5; updates land on the right one.
    await A.run('job-5');
    await B.update('job-5', { prompt: 'wizard from tab B, blue robe' });
    expect(h.store.get('job-5')).toMatchObject({ prompt: 'dragon from tab A', status: 'success' });
    expect(h.store.get('job-5.dup2')).toMatchObject({ prompt: 'wizard from tab B, blue robe' });

    // Tab B removes job-2, which it holds: gone. Tab A's next save still lists job-2: it does not bring it back.
    await B.remove('job-2');
    expect(live(h)).not.toContain('job-2');
    await A.add('ogre from tab A');
    expect(live(h)).not.toContain('job-2');
    // Tab A's save never listed B's job-5: it stays.
    expect(live(h)).toContain('job-5.dup2');
  });
});

describe('a tab from old localStorage, taken for the tab that moved on', () => {
  it('reverts no edit the other tab made since, and deletes none of its jobs', async () => {
    const h = await companion();
    const storage = new DashboardStorage();
    const first = tab(h, storage);
    for (const p of ['a', 'b', 'c']) await first.add(p);
    const snapshot = storage.text;
    // The first tab goes on: it edits job-2.
    await first.update('job-2', { prompt: 'b, edited in the first tab' });
    // A tab opened from the snapshot edits job-1. Its list repeats job-2's old text.
    const oldStorage = new DashboardStorage();
    oldStorage.text = snapshot;
    const stale = tab(h, oldStorage);
    await stale.update('job-1', { prompt: 'a, edited in the stale tab' });
    expect(h.store.get('job-2')!.prompt).toBe('b, edited in the first tab');
    expect(h.store.get('job-1')!.prompt).toBe('a, edited in the stale tab');
    expect(live(h)).toEqual(['job-1', 'job-2', 'job-3']);
  });
});

describe('a dashboard beside the side panel', () => {
  it('does not delete the panel’s jobs, revert its edits or take its results away', async () => {
    const h = await companion();
    const t = tab(h, new DashboardStorage());
    const mine = await t.add('dashboard knight');
    // The panel creates and runs a job of its own, and edits the dashboard's job.
    const created = await sender(h, PANEL)('/api/v1/jobs', {
      id: 'job-panel-1',
      prompt: 'panel sprite',
      width: 64,
      height: 64,
    });
    expect(created.status).toBe(202);
    await (h.runner as { idle(): Promise<void> }).idle();
    expect(h.store.get('job-panel-1')).toMatchObject({ status: 'success' });
    const held = h.store.get(mine.id)!;
    const { seq: _seq, ...fields } = held;
    const pushed = await sender(h, PANEL)(
      '/api/v1/push',
      JSON.parse(pushBody('req-panel-edit-1', [{ ...fields, favorite: true, updatedAt: held.updatedAt + 10 }])),
    );
    expect(pushed.status).toBe(200);

    // The dashboard's next saves list neither the panel's job nor its edit.
    await t.add('dashboard goblin');
    await t.run(mine.id);
    expect(live(h)).toContain('job-panel-1');
    expect(h.store.get('job-panel-1')).toMatchObject({ status: 'success', image: expect.any(String) });
    // The dashboard's run brought its result (what the companion lacked), and the panel's edit stayed.
    expect(h.store.get(mine.id)).toMatchObject({ status: 'success', favorite: true, image: expect.any(String) });
  });
});

describe('a tab opened offline from old localStorage', () => {
  it('brings back no job deleted since, and reverts no newer result', async () => {
    const h = await companion();
    const storage = new DashboardStorage();
    const t = tab(h, storage);
    const a = await t.add('kept');
    const b = await t.add('deleted later');
    const old = storage.text; // what localStorage held then
    await t.run(a.id);
    await t.remove(b.id);
    expect(live(h)).toEqual([a.id]);

    const stale = new DashboardStorage();
    stale.text = old;
    const offline = tab(h, stale);
    await offline.add('made in the stale tab');
    expect(live(h)).not.toContain(b.id);
    expect(h.store.get(a.id)).toMatchObject({ status: 'success', image: expect.any(String) });
    expect(offline.answers.at(-1)!.body.kept.newer).toEqual(expect.arrayContaining([a.id]));
  });
});

describe('a script that loads, then saves', () => {
  it('deletes what it removed, and nothing created or changed after its load', async () => {
    const h = await companion();
    const script = sender(h, null);
    const t = tab(h, new DashboardStorage());
    for (const p of ['one', 'two', 'three']) await t.add(p);
    const loadRes = await call(h.app, { method: 'GET', path: '/load-jobs' });
    const loaded = JSON.parse(await loadRes.text());
    // After the load: another client adds a job and changes job-3.
    await t.add('four, made after the load');
    await t.update('job-3', { prompt: 'three, changed after the load' });
    // The script removes job-1 and job-3 from what it loaded, and saves.
    const jobs = loaded.jobs.filter((j: { id: string }) => j.id !== 'job-1' && j.id !== 'job-3');
    const saved = await script('/save-jobs', { jobs, lastJobId: loaded.lastJobId });
    expect(saved.status).toBe(200);
    expect(live(h)).toEqual(['job-2', 'job-3', 'job-4']);
    expect(h.store.get('job-3')!.prompt).toBe('three, changed after the load');
    expect(saved.body.kept.notListed).toBe(2);
  });

  it('an unedited load and save strips no image and no rotation (they were made null and stamped newer)', async () => {
    const h = await companion();
    const png = makeSprite(8, 8, 'source');
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(png).digest('hex');
    // The panel pushes a finished job and a rotation of it, but not yet their images.
    const rotate = { toDirection: 'east', fromDirection: null, sourceJobId: 'job-src', sourceImage: hash };
    await sender(h, PANEL)(
      '/api/v1/push',
      JSON.parse(
        pushBody('req-round-1', [
          job('job-src', 10, { status: 'success', image: hash }),
          job('job-rot', 11, { kind: 'rotate', status: 'success', image: hash, rotate }),
        ]),
      ),
    );
    const loaded = JSON.parse(await (await call(h.app, { method: 'GET', path: '/load-jobs' })).text());
    expect(loaded.jobs.find((j: { id: string }) => j.id === 'job-src').result).toBeNull();
    await sender(h, null)('/save-jobs', { jobs: loaded.jobs, lastJobId: loaded.lastJobId });
    expect(h.store.get('job-src')).toMatchObject({ image: hash });
    expect(h.store.get('job-rot')).toMatchObject({ kind: 'rotate', rotate, image: hash });
  });
});

describe('saves that arrive out of order, and a restart', () => {
  it('a late, older save of a tab removes nothing and undoes nothing', async () => {
    const h = await companion();
    const t = tab(h, new DashboardStorage());
    for (const p of ['a', 'b', 'c']) await t.add(p);
    const older = { jobs: JSON.parse(JSON.stringify(t.jobs)), lastJobId: t.counter };
    await t.add('d');
    await t.remove('job-2');
    // The save of three jobs arrives now, late.
    const late = await sender(h, DASHBOARD)('/save-jobs', older);
    expect(late.status).toBe(200);
    expect(live(h)).toEqual(['job-1', 'job-3', 'job-4']);
  });

  it('after a companion restart a tab’s save removes nothing until it is recognised again', async () => {
    const h = await companion();
    const t = tab(h, new DashboardStorage());
    for (const p of ['a', 'b', 'c']) await t.add(p);
    await h.close();
    open.pop();
    const again = await companion(h.dir);
    const t2 = new DashboardTab(sender(again, DASHBOARD), new DashboardStorage(), now);
    t2.jobs = t.jobs;
    t2.counter = t.counter;
    await t2.remove('job-1');
    expect(again.store.list().map((j) => j.id)).toEqual(['job-1', 'job-2', 'job-3']);
    await t2.remove('job-2');
    expect(again.store.list().map((j) => j.id)).toEqual(['job-1', 'job-3']);
  });
});

describe('jobs of one save that share an id', () => {
  it('are all kept ("sprite 1" and "sprite_1", or one id twice), and stay apart in later saves', async () => {
    const h = await companion();
    const send = sender(h, null);
    const png = bytesToPngDataUrl(makeSprite(8, 8, 'x'));
    const jobs = [
      { id: 'sprite 1', prompt: 'first', status: 'success', result: png, createdAt: 1 },
      { id: 'sprite_1', prompt: 'second', status: 'error', error: 'x', createdAt: 2 },
      { id: 'twice', prompt: 'third', status: 'error', error: 'x', createdAt: 3 },
      { id: 'twice', prompt: 'fourth', status: 'error', error: 'x', createdAt: 4 },
    ];
    const saved = await send('/save-jobs', { jobs, lastJobId: 0 });
    expect(saved.body.message).toBe('Saved 4 jobs');
    expect(h.store.list().map((j) => [j.id, j.prompt])).toEqual([
      ['sprite_1', 'first'],
      ['sprite_1.dup2', 'second'],
      ['twice', 'third'],
      ['twice.dup2', 'fourth'],
    ]);
    jobs[3]!.prompt = 'fourth, edited';
    await send('/save-jobs', { jobs, lastJobId: 0 });
    expect(h.store.get('twice.dup2')!.prompt).toBe('fourth, edited');
    expect(h.store.get('twice')!.prompt).toBe('third');
  });
});
