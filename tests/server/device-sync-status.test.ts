/**
 * The panel's view of every-device sync (issue 22) between real companions, each its own process on loopback with
 * its own temp data dir, both on one temp folder (the ideal sync client: no delay): `GET /api/v1/device-sync`,
 * authors stamped on accepted jobs, and `--sync-readonly` writing nothing to the folder.
 */

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '@/tests/helpers/until';
import { type DeviceSyncStatus, deviceSyncStatusSchema } from '../../utils/domain/device-sync';
import type { CompanionProcess } from '../helpers/companion-process';
import { deviceCompanions } from '../helpers/device-companions';

const devices = deviceCompanions('pixellab-devsync-status-');
const { tempFolder } = devices;
/** A companion on its own data dir, with the test's token; its sync folder comes in `args`. */
const companion = (root: string, name: string, args: string[] = []) =>
  devices.companion(root, name, { view: false, args: ['--token', TOKEN, ...args] });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOKEN = 'status-token-1';
const auth = { authorization: `Bearer ${TOKEN}` };

async function get(c: CompanionProcess, p: string, headers: Record<string, string> = auth) {
  const res = await fetch(c.url + p, { headers });
  return { status: res.status, body: (await res.json()) as any };
}

async function status(c: CompanionProcess): Promise<DeviceSyncStatus> {
  const res = await get(c, '/api/v1/device-sync');
  expect(res.status).toBe(200);
  return deviceSyncStatusSchema.parse(res.body);
}

async function createJob(c: CompanionProcess, prompt: string) {
  const res = await fetch(`${c.url}/api/v1/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt, width: 32, height: 32 }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job: { id: string; device?: string; author?: string } }).job;
}

/** Every file under the folder with its size and mtime: what a device wrote, or did not. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const info = await stat(full);
    out.push(`${path.relative(dir, full)} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

describe('GET /api/v1/device-sync', () => {
  it('names the target, this device, the others with their names and last write, and the state; jobs carry who made them', async () => {
    const root = await tempFolder();
    const shared = path.join(root, 'shared');
    const laptop = await companion(root, 'laptop', [
      '--sync-dir',
      shared,
      '--device-name',
      'Laptop',
      '--author',
      'Ana',
    ]);
    const desktop = await companion(root, 'desktop', ['--sync-dir', shared, '--device-name', 'Desktop']);

    // Authenticated like every /api/v1 route.
    expect((await get(laptop, '/api/v1/device-sync', {})).status).toBe(401);

    const job = await createJob(laptop, 'a knight by Ana');
    const own = await status(laptop);
    expect(job).toMatchObject({ author: 'Ana', device: own.device.id });
    expect(own).toMatchObject({ device: { name: 'Laptop' }, author: 'Ana', readonly: false, quarantined: 0 });
    expect(own.target).toContain(shared);

    // The desktop learns the laptop's name from the folder, and holds the job with its author.
    const seen = await until(
      'the desktop naming the laptop',
      () => status(desktop),
      (s) => s.devices.some((d) => d.id === own.device.id && d.name === 'Laptop' && d.lastSeen !== null),
    );
    expect(seen).toMatchObject({ device: { name: 'Desktop' }, author: null, readonly: false });
    expect(seen.state.kind).toBe('synced');
    const on = await until(
      'the job on the desktop',
      () => get(desktop, `/api/v1/jobs/${job.id}`),
      (r) => r.status === 200,
    );
    expect(on.body.job).toMatchObject({ author: 'Ana', device: own.device.id });
    // A job the desktop accepts names the desktop, and no author (the panel shows the device's name).
    const mine = await createJob(desktop, 'a castle');
    expect(mine.device).toBe(seen.device.id);
    expect(mine.author).toBeUndefined();
    const back = await until(
      'the laptop naming the desktop',
      () => status(laptop),
      (s) => s.devices.some((d) => d.name === 'Desktop'),
    );
    expect(back.devices.map((d) => d.id)).toEqual([seen.device.id]);
    // Nothing secret in the answer.
    expect(JSON.stringify(back)).not.toContain(devices.fake.apiKey);
    expect(JSON.stringify(back)).not.toContain(TOKEN);
  });

  it('answers 404 on a companion that does not sync', async () => {
    const root = await tempFolder();
    const alone = await companion(root, 'alone');
    expect(await get(alone, '/api/v1/device-sync')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });
});

describe('--sync-readonly', () => {
  // Two companions, two jobs and a folder left to settle: 14.6 s at a load of 11, half its 30 s default.
  it('reads the other devices, writes nothing to the folder, and says so; its own jobs still run here', {
    timeout: 90_000,
  }, async () => {
    const root = await tempFolder();
    const shared = path.join(root, 'shared');
    const writer = await companion(root, 'writer', ['--sync-dir', shared, '--device-name', 'Studio']);
    const made = await createJob(writer, 'from the studio');
    await until(
      'the studio job done',
      () => get(writer, `/api/v1/jobs/${made.id}`),
      (r) => r.body.job?.status === 'success',
    );
    // The writer published its job and image: the folder as it stands once it stops changing.
    await until(
      'the studio image in the folder',
      () => filesUnder(shared),
      (files) => files.some((f) => f.startsWith('images/')),
    );
    let before = await filesUnder(shared);
    for (let settled = false; !settled; ) {
      await sleep(700);
      const now = await filesUnder(shared);
      settled = now.join() === before.join();
      before = now;
    }

    const reader = await companion(root, 'reader', [
      '--sync-dir',
      shared,
      '--device-name',
      'Reviewer',
      '--sync-readonly',
      '--author',
      'Rui',
    ]);
    // It reads: the studio's job arrives.
    await until(
      'the studio job on the reader',
      () => get(reader, `/api/v1/jobs/${made.id}`),
      (r) => r.status === 200,
    );
    // Its own job runs here, paid and stored, and stays here.
    const local = await createJob(reader, 'kept on the reader');
    const done = await until(
      'the reader job done',
      () => get(reader, `/api/v1/jobs/${local.id}`),
      (r) => r.body.job?.status === 'success',
    );
    const said = await until(
      'a pass after the reader job',
      () => status(reader),
      (s) => s.state.kind === 'synced' && s.state.at > (done.body.job.endTime ?? 0) + 300,
    );
    expect(said).toMatchObject({ readonly: true, author: 'Rui', device: { name: 'Reviewer' } });
    expect(said.devices.map((d) => d.name)).toEqual(['Studio']);
    expect(await filesUnder(shared)).toEqual(before);
    // The other side never hears of the reader.
    expect((await status(writer)).devices).toEqual([]);
    expect((await get(writer, `/api/v1/jobs/${local.id}`)).status).toBe(404);
  });
});
