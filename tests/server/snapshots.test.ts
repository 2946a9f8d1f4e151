/**
 * Dated copies of the history over real HTTP against the companion process. Clients: a local script with no
 * Origin (what the command line does), and a web page (refused).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreResultSchema, snapshotListSchema } from '../../utils/domain';
import { type CompanionProcess, startCompanion } from '../helpers/companion-process';
import { makeTempDir } from '../helpers/temp-dir';

let companion: CompanionProcess;
let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  temp = await makeTempDir();
  companion = await startCompanion({ dataDir: temp.dir });
});
afterAll(async () => {
  await companion?.stop();
  await temp?.remove();
});

const J = { 'content-type': 'application/json' };
let n = 0;
async function push(changes: unknown[]) {
  const res = await fetch(`${companion.url}/api/v1/push`, {
    method: 'POST',
    headers: J,
    body: JSON.stringify({ requestId: `snap-${++n}-request`, clientId: 'script', changes }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).results as { job: Record<string, unknown> }[];
}
const job = (id: string, t: number, extra: Record<string, unknown> = {}) => ({
  id,
  prompt: `prompt of ${id}`,
  width: 64,
  height: 64,
  status: 'idle',
  createdAt: t,
  updatedAt: t,
  ...extra,
});
async function live(): Promise<Map<string, Record<string, unknown>>> {
  const page = await (await fetch(`${companion.url}/api/v1/changes?since=0&limit=500`)).json();
  return new Map((page.changes as Record<string, unknown>[]).filter((j) => !j.deleted).map((j) => [j.id as string, j]));
}

describe('dated copies of the history', () => {
  it('are taken, listed and restored: deleted jobs come back, nothing made or changed since is lost', async () => {
    const t = Date.now();
    await push([job('job-a', t), job('job-b', t + 1), job('job-c', t + 2)]);
    const taken = await fetch(`${companion.url}/api/v1/snapshots`, { method: 'POST' });
    expect(taken.status).toBe(201);
    const { snapshot } = await taken.json();
    expect(snapshot).toMatchObject({ jobs: 3 });
    expect(await readdir(path.join(temp.dir, 'snapshots'))).toContain(snapshot.id);

    // After the copy: job-b deleted, job-c edited, job-d made.
    const [b] = await push([{ ...job('job-b', t + 1), updatedAt: t + 10, deleted: true }]);
    expect(b!.job.deleted).toBe(true);
    await push([{ ...job('job-c', t + 2), prompt: 'changed since', updatedAt: t + 11 }, job('job-d', t + 12)]);

    const list = snapshotListSchema.parse(await (await fetch(`${companion.url}/api/v1/snapshots`)).json());
    expect(list.snapshots.map((s) => s.id)).toContain(snapshot.id);

    const res = await fetch(`${companion.url}/api/v1/snapshots/${encodeURIComponent(snapshot.id)}/restore`, {
      method: 'POST',
    });
    expect(res.status).toBe(200);
    const restored = restoreResultSchema.parse(await res.json());
    expect(restored).toMatchObject({ restored: 1, ids: ['job-b'], kept: 2 });
    const now = await live();
    expect([...now.keys()].sort()).toEqual(['job-a', 'job-b', 'job-c', 'job-d']);
    expect(now.get('job-c')!.prompt).toBe('changed since');

    // The restore is a change like any other: it is in the file after a restart.
    await companion.stop();
    companion = await startCompanion({ dataDir: temp.dir });
    expect([...(await live()).keys()].sort()).toEqual(['job-a', 'job-b', 'job-c', 'job-d']);
  });

  it('a name that is not a copy is 404 in plain words; a web page may not list or restore', async () => {
    const missing = await fetch(`${companion.url}/api/v1/snapshots/job_history.json/restore`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).message).toMatch(/No dated copy/);
    const page = { origin: 'https://evil.example' };
    expect((await fetch(`${companion.url}/api/v1/snapshots`, { headers: page })).status).toBe(403);
    const restore = await fetch(`${companion.url}/api/v1/snapshots/x/restore`, { method: 'POST', headers: page });
    expect(restore.status).toBe(403);
  });
});

describe('the command line', () => {
  it('lists, takes and restores through the running companion, and says why when none answers', async () => {
    const { runSnapshotsCommand } = await import('../../companion-server/cli/snapshots-command');
    const lines: string[] = [];
    const io = { env: {}, fetch, print: (line: string) => void lines.push(line) };
    const port = String(companion.port);
    expect(await runSnapshotsCommand(['take', '--port', port], io)).toBe(0);
    expect(lines.at(-1)).toMatch(/^Took \d{4}-.*jobs/);
    expect(await runSnapshotsCommand(['--port', port], io)).toBe(0);
    const id = lines.at(-1)!.split('\n')[0]!.trim().split(/\s+/).at(-1)!;
    expect(await runSnapshotsCommand(['restore', id, '--port', port], io)).toBe(0);
    expect(lines.at(-1)).toMatch(/^Restored 0 job\(s\) from the copy of .*; 4 job\(s\) .* left as they are\.$/);
    expect(await runSnapshotsCommand(['restore', 'nope', '--port', port], io)).toBe(1);
    expect(lines.at(-1)).toMatch(/No dated copy is called "nope"/);
    expect(await runSnapshotsCommand(['--port', '9'], io)).toBe(1);
    expect(lines.at(-1)).toMatch(/No companion answers on port 9/);
  });
});
