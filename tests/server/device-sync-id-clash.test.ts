import { describe, expect, it } from 'vitest';
import { until } from '@/tests/helpers/until';
import { clashId, createClock, setOrganisingField } from '../../utils/domain';
import type { CompanionProcess } from '../helpers/companion-process';
import { deviceCompanions } from '../helpers/device-companions';
import { DashboardStorage, dashboardOn } from '../helpers/old-dashboard';
import { SyncFolderClient } from '../helpers/sync-folder-client';

const devices = deviceCompanions('pixellab-devsync-clash-');
const { companion, pump } = devices;
const folder = devices.tempFolder;

type Held = { id: string; prompt: string; status: string; createdAt: number; deleted?: boolean; result?: unknown };
/**
 * The live jobs a companion holds, from its changes feed. Not `/load-jobs` until the dashboards are done: an
 * origin-less load would make the origin-less dashboards' record a loader's, whose saves may delete what it loaded.
 */
const liveJobs = async (c: CompanionProcess): Promise<Held[]> =>
  ((await (await fetch(`${c.url}/api/v1/changes?since=0&v=2`)).json()) as { changes: Held[] }).changes
    .filter((j) => !j.deleted)
    .sort((x, y) => (x.id < y.id ? -1 : 1));
const loadJobs = async (c: CompanionProcess): Promise<Held[]> =>
  ((await (await fetch(`${c.url}/load-jobs`)).json()) as { jobs: Held[] }).jobs.sort((x, y) => (x.id < y.id ? -1 : 1));
const summary = (jobs: Held[]) => jobs.map((j) => `${j.id} ${j.prompt} ${j.status}`);

describe('two devices’ old dashboards both mint job-1', () => {
  it('both jobs live on both devices under the same two ids; each dashboard’s later saves reach its own job', async () => {
    const root = await folder();
    const a = await companion(root, 'A');
    const b = await companion(root, 'B');
    // Each device's dashboard counts from its own empty localStorage; B's job is made a second after A's.
    const born = Date.now();
    const onA = dashboardOn(a, new DashboardStorage(), () => born);
    const onB = dashboardOn(b, new DashboardStorage(), () => born + 1000);
    await onA.add('dragon');
    await onB.add('castle');
    expect([onA.jobs[0]!.id, onB.jobs[0]!.id]).toEqual(['job-1', 'job-1']);
    // Only now do the devices see each other's files: each companion holds its own job-1 when the other's arrives.
    pump(new SyncFolderClient([a.view, b.view], 1));
    const moved = clashId('job-1', born + 1000);
    const both = [`job-1 dragon idle`, `${moved} castle idle`];
    for (const c of [a, b])
      await until(
        `${c.url} holding both jobs`,
        () => liveJobs(c).then(summary),
        (s) => s.join() === both.join(),
      );

    // B's dashboard still holds its castle as job-1: running it puts the result on the castle, not on A's dragon.
    await onB.run('job-1');
    expect(onB.answers.every((answer) => answer.status === 200)).toBe(true);
    const ran = [`job-1 dragon idle`, `${moved} castle success`];
    for (const c of [a, b])
      await until(
        `${c.url}: the castle run`,
        () => liveJobs(c).then(summary),
        (s) => s.join() === ran.join(),
      );
    const castle = (await liveJobs(a)).find((j) => j.id === moved)!;
    expect(castle).toMatchObject({ createdAt: born + 1000, result: expect.anything() });

    // B's dashboard removing its job-1 deletes neither job: it never held A's dragon, nor the castle's new id.
    await onB.remove('job-1');
    await onA.update('job-1', { status: 'error', error: 'stopped by hand' });
    const after = [`job-1 dragon error`, `${moved} castle success`];
    for (const c of [a, b])
      await until(
        `${c.url} after the edits`,
        () => liveJobs(c).then(summary),
        (s) => s.join() === after.join(),
      );

    // After a restart of both (the dashboards' records gone with it), the old API serves both jobs on each device:
    // what the old dashboard loads there.
    for (const [i, c] of [a, b].entries()) {
      expect(await c.stop()).toBe(0);
      const again = await companion(root, i === 0 ? 'A' : 'B');
      expect(summary(await loadJobs(again))).toEqual(after);
    }
  }, 90_000);

  it('one job edited on both devices (a run on A, a star on B) stays one job', async () => {
    const root = await folder();
    const a = await companion(root, 'A');
    const b = await companion(root, 'B');
    pump(new SyncFolderClient([a.view, b.view], 2));
    const onA = dashboardOn(a);
    await onA.add('tree');
    const onB = async () => {
      const res = await fetch(`${b.url}/api/v1/jobs/job-1`);
      return res.status === 200 ? ((await res.json()) as { job: Record<string, unknown> }).job : null;
    };
    const held = await until('B holding job-1', onB, (job) => job !== null);
    // B stars it through the panel's push (its own device, its own clock) while A's dashboard runs it.
    const { seq: _seq, ...version } = held!;
    const starred = setOrganisingField(version as never, 'starred', true, createClock('panel-b', Date.now));
    const push = await fetch(`${b.url}/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requestId: 'request-star-1', clientId: 'panel-b', changes: [starred], v: 2 }),
    });
    expect(push.status).toBe(200);
    await onA.run('job-1');
    for (const c of [a, b]) {
      await until(
        `${c.url}: one job-1, run and starred`,
        async () => {
          const changes = (
            (await (await fetch(`${c.url}/api/v1/changes?since=0&v=2`)).json()) as {
              changes: { id: string; status: string; starred?: boolean }[];
            }
          ).changes;
          return changes.map((j) => `${j.id} ${j.status} ${j.starred === true}`);
        },
        (s) => s.join() === 'job-1 success true',
      );
    }
  });
});
