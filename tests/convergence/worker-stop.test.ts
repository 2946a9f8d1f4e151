/**
 * "Service worker stopped mid-sync": Chrome may stop the extension's worker at any await. A pull of 3 pages
 * is interrupted after page 1 (the request throws), then at every single storage or network call of the pull
 * in turn (the calls never settle, as in a stopped worker); each time a fresh engine over the same storage
 * (the restarted worker) must finish the job, with no half-applied page, no job twice and no checkpoint
 * ahead of the stored data. The companion is the real file store in a temp dir.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Job, jobSchema } from '../../utils/domain';
import {
  canonical,
  createWorld,
  type ExtensionState,
  incarnate,
  png,
  readCompanion,
  readExtension,
  runSync,
  type World,
} from './harness';
import { checkCheckpoint, checkLayout } from './model';

const PAGE = 4;
let world: World | null = null;

afterEach(async () => {
  await world?.cleanup();
  world = null;
});

/** B makes 11 finished jobs with images and one tombstone, and syncs them: 12 changes, 3 pages of 4 for A. */
async function companionWith3Pages(): Promise<World> {
  const w = await createWorld({ store: 'file', seed: 99, pageSize: PAGE, pushChunkSize: PAGE });
  const b = w.exts[1];
  const t = w.clock.now();
  const images: Record<string, string> = {};
  const jobs: Job[] = [];
  for (let i = 0; i < 12; i++) {
    const image = png(`page-job-${i}`);
    images[image.hash] = image.dataUrl;
    jobs.push(
      jobSchema.parse({
        id: `job-seeded-${String(i).padStart(2, '0')}`,
        prompt: `sprite ${i}`,
        width: 64,
        height: 64,
        status: 'success',
        image: image.hash,
        duration: 1.5,
        createdAt: t - 10_000 + i,
        updatedAt: t - 10_000 + i,
        deleted: i === 7,
      }),
    );
  }
  await b.inc.store.applyJobs(jobs, { markDirty: true, images });
  const out = await runSync(w, b);
  expect(out).toMatchObject({ kind: 'done', result: { ok: true, pushed: 12 } });
  expect(w.companion.store.changesSince(0, 100).changes).toHaveLength(12);
  return w;
}

/** Changes of the companion at or below `checkpoint`, by id. */
function idsUpTo(w: World, checkpoint: number): string[] {
  return w.companion.store
    .changesSince(0, 1_000)
    .changes.filter((j) => j.seq <= checkpoint)
    .map((j) => j.id)
    .sort();
}

/**
 * What must hold whenever the worker is gone: whole pages only, each job's image held or wanted in the same
 * write (checkLayout), consistent layout.
 */
function assertWholePages(w: World, a: ExtensionState): void {
  checkLayout('A', a);
  checkCheckpoint('A', a, readCompanion(w.companion));
  // Jobs and checkpoint are written together: exactly the changes up to the checkpoint are here.
  expect([...a.jobs.keys()].sort()).toEqual(a.sync.serverId === null ? [] : idsUpTo(w, a.sync.checkpoint));
  expect(a.sync.checkpoint % PAGE).toBe(0);
  for (const job of a.jobs.values()) {
    if (!job.deleted && job.image)
      expect(a.images.has(job.image) || a.wanted.has(`${job.id}\u0000${job.image}`), `image of ${job.id}`).toBe(true);
  }
}

/** Both extensions and the companion hold the same history, once each, and A has nothing left to do. */
async function assertAgree(w: World): Promise<void> {
  const c = readCompanion(w.companion);
  const companionJobs = [...c.jobs.values()].map(canonical).sort();
  for (const ext of w.exts) {
    const state = await readExtension(ext);
    expect([...state.jobs.values()].map(canonical).sort()).toEqual(companionJobs);
    const indexIds = state.index.map((e) => e.id);
    expect(new Set(indexIds).size).toBe(indexIds.length);
    expect(indexIds).toHaveLength([...c.jobs.values()].filter((j) => !j.deleted).length);
    checkLayout(ext.name, state);
    for (const job of state.jobs.values())
      if (!job.deleted && job.image) expect(state.images.has(job.image)).toBe(true);
    expect(state).toMatchObject({
      outbox: [],
      pendingPush: null,
      submit: [],
      sync: { serverId: c.serverId, checkpoint: c.lastSeq },
    });
  }
  const live = w.companion.store.list().map((j) => j.id);
  expect(new Set(live).size).toBe(live.length);
  expect(live).toHaveLength(11);
}

describe('service worker stopped mid-sync', () => {
  it('a pull that throws after page 1 of 3: a fresh engine over the same storage resumes at the checkpoint and both sides agree', async () => {
    const w = (world = await companionWith3Pages());
    const a = w.exts[0];
    const first = a.inc;
    const out = await runSync(w, a, { kind: 'failPage2' });
    expect(out).toMatchObject({ kind: 'done', result: { ok: false } });
    expect(first.requests.filter((r) => r.path.startsWith('/api/v1/changes')).map((r) => r.path)).toEqual([
      `/api/v1/changes?since=0&limit=${PAGE}&v=2`,
      `/api/v1/changes?since=4&limit=${PAGE}&v=2`,
    ]);
    const stopped = await readExtension(a);
    expect(stopped.sync.checkpoint).toBe(4);
    expect(stopped.jobs.size).toBe(4);
    assertWholePages(w, stopped);

    // The worker restarts: new store, engine and handlers objects over the same storage.
    a.inc = incarnate(w, a);
    const resumed = await runSync(w, a);
    expect(resumed).toMatchObject({ kind: 'done', result: { ok: true, pulled: 8, serverChanged: false } });
    expect(a.inc.requests.filter((r) => r.path.startsWith('/api/v1/changes')).map((r) => r.path)).toEqual([
      `/api/v1/changes?since=4&limit=${PAGE}&v=2`,
      `/api/v1/changes?since=8&limit=${PAGE}&v=2`,
    ]);
    expect(await runSync(w, w.exts[1])).toMatchObject({ kind: 'done', result: { ok: true } });
    await assertAgree(w);
  });

  // One pull stopped at each of its calls in turn: 9.2 s at a load of 11, a third of the 30 s default.
  it('stopped at each storage or network call of the pull in turn: never half a page, and the next worker completes', {
    timeout: 90_000,
  }, async () => {
    let stops = 0;
    for (let at = 1; ; at++) {
      const w = (world = await companionWith3Pages());
      const a = w.exts[0];
      const out = await runSync(w, a, { kind: 'kill', phase: 'pull', at, forward: false });
      if (out.kind === 'done') {
        // Past the last call of the pull: it completed.
        expect(out.result.ok).toBe(true);
        await w.cleanup();
        world = null;
        break;
      }
      stops++;
      assertWholePages(w, await readExtension(a));
      // runSync already put a fresh incarnation in place of the stopped one.
      expect(await runSync(w, a)).toMatchObject({ kind: 'done', result: { ok: true } });
      expect(await runSync(w, w.exts[1])).toMatchObject({ kind: 'done', result: { ok: true } });
      await assertAgree(w);
      await w.cleanup();
      world = null;
    }
    console.log(`worker stopped at ${stops} different calls of a 3-page pull; each time the next worker completed`);
    // 3 pages, each: the request, the reads and the write, then the head's images; then the other images.
    expect(stops).toBeGreaterThan(20);
  });
});
