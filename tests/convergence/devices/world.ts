import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Clock, createClock, type Job, type SyncedJob } from '../../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../../fixtures/fake-pixellab';
import { type CompanionProcess, startCompanion, testConfigHome } from '../../helpers/companion-process';

/**
 * The N-companion model's world (issue 22): real companion processes, each on its own temp data dir with its own
 * way to the shared target (shared-target.ts: a view of a synced folder, or a fault proxy to a WebDAV or S3
 * server) and its own fake PixelLab (so a call is known by the device that made
 * it), one of them on a machine whose clock runs an hour fast. Each device's panel is played by a client clock
 * with the same skew: edits are new versions stamped by it and pushed, as the panel's are.
 */
export const HOUR_MS = 3_600_000;
const SKEWED_CLOCK = pathToFileURL(path.join(import.meta.dirname, 'skewed-clock.mjs')).href;
const FAST_POLL = pathToFileURL(path.join(import.meta.dirname, 'fast-poll.mjs')).href;

export interface Device {
  name: string;
  dataDir: string;
  skewMs: number;
  fake: FakePixelLab;
  /** The panel's clock on that machine. */
  clock: Clock;
  proc: CompanionProcess | null;
  /** What its earlier processes printed (one a kill or stop ended). */
  pastLogs: string[];
  /** Starts (or restarts after a kill) on the same data dir and view. */
  start(): Promise<void>;
  /** SIGKILL, as a crash or a power button does: nothing is flushed or published. */
  kill(): Promise<void>;
  /** SIGTERM and wait; for the end of a run. */
  stop(): Promise<void>;
}

/** The name each companion is started with (`--device-name`): long enough to look for in the target's bytes. */
export const machineName = (name: string) => `machine-${name}`;

/**
 * `sync`: the companion's target flags and environment (shared-target.ts). `passphrase`: end-to-end encryption,
 * from COMPANION_SYNC_PASSPHRASE or from the 0600 passphrase file in its config folder.
 */
export async function openDevice(
  root: string,
  name: string,
  skewMs: number,
  fakeDelayMs: number,
  sync: { args: string[]; env: Record<string, string> },
  passphrase: { text: string; via: 'env' | 'file' } | null = null,
): Promise<Device> {
  const dataDir = path.join(root, `data-${name}`);
  await mkdir(dataDir, { recursive: true });
  if (passphrase?.via === 'file') {
    const config = path.join(testConfigHome({ dataDir }), 'pixellab-companion');
    await mkdir(config, { recursive: true, mode: 0o700 });
    await writeFile(path.join(config, 'sync-passphrase'), `${passphrase.text}\n`, { mode: 0o600 });
  }
  const secret = passphrase?.via === 'env' ? { COMPANION_SYNC_PASSPHRASE: passphrase.text } : {};
  const fake = await startFakePixelLab({ delayMs: fakeDelayMs });
  const device: Device = {
    name,
    dataDir,
    skewMs,
    fake,
    clock: createClock(`panel-${name}`, () => Date.now() + skewMs),
    proc: null,
    pastLogs: [],
    async start() {
      device.proc = await startCompanion({
        dataDir,
        pixellabUrl: fake.url,
        apiKey: fake.apiKey,
        args: [...sync.args, '--device-name', machineName(name)],
        env: {
          ...sync.env,
          ...secret,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${SKEWED_CLOCK} --import=${FAST_POLL}`.trim(),
          MODEL_CLOCK_SKEW_MS: String(skewMs),
        },
      });
    },
    async kill() {
      await device.proc?.kill();
      device.pastLogs.push(...(device.proc?.logs ?? []));
      device.proc = null;
    },
    async stop() {
      await device.proc?.stop();
      device.pastLogs.push(...(device.proc?.logs ?? []));
      device.proc = null;
    },
  };
  return device;
}

const url = (d: Device) => {
  if (!d.proc) throw new Error(`${d.name} is not running`);
  return d.proc.url;
};

async function call(d: Device, method: string, p: string, body?: unknown) {
  const res = await fetch(url(d) + p, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The panel's create: its own id (as the extension mints them), accepted and queued by this companion. */
export async function createJob(d: Device, id: string, prompt: string): Promise<SyncedJob> {
  const res = await call(d, 'POST', '/api/v1/jobs', { id, prompt, width: 32, height: 32, createdAt: Date.now() });
  if (res.status !== 202 && res.status !== 200) throw new Error(`create ${id} on ${d.name}: ${JSON.stringify(res)}`);
  return res.body.job as SyncedJob;
}

export async function getJob(d: Device, id: string): Promise<SyncedJob | null> {
  const res = await call(d, 'GET', `/api/v1/jobs/${id}`);
  return res.status === 200 ? (res.body.job as SyncedJob) : null;
}

let pushes = 0;
/** The panel's push of versions it made; returns the companion's answer per job. */
export async function pushJobs(d: Device, jobs: Job[]): Promise<{ id: string; outcome: string; job: SyncedJob }[]> {
  const res = await call(d, 'POST', '/api/v1/push', {
    requestId: `model-push-${process.pid}-${++pushes}`,
    clientId: `panel-${d.name}`,
    changes: jobs,
    v: 2,
  });
  if (res.status !== 200) throw new Error(`push to ${d.name}: ${JSON.stringify(res)}`);
  return res.body.results as { id: string; outcome: string; job: SyncedJob }[];
}

/** Everything the companion's changes feed holds, page by page. */
export async function allJobs(d: Device): Promise<SyncedJob[]> {
  const out: SyncedJob[] = [];
  let since = 0;
  for (;;) {
    const res = await call(d, 'GET', `/api/v1/changes?since=${since}&limit=500&v=2`);
    if (res.status !== 200) throw new Error(`changes from ${d.name}: ${JSON.stringify(res)}`);
    const page = res.body as { changes: SyncedJob[]; lastSeq: number; hasMore: boolean };
    out.push(...page.changes);
    since = page.lastSeq;
    if (!page.hasMore) return out;
  }
}

/** Whether the companion holds this image, whole (its bytes hash to its name). */
export async function holdsImage(d: Device, hash: string): Promise<boolean> {
  const res = await fetch(`${url(d)}/api/v1/images/${hash}`);
  if (res.status !== 200) {
    await res.body?.cancel();
    return false;
  }
  return (
    createHash('sha256')
      .update(Buffer.from(await res.arrayBuffer()))
      .digest('hex') === hash
  );
}

/** How many files the companion's device sync holds quarantined (as corrupt or hostile) since it started. */
export async function quarantinedCount(d: Device): Promise<number> {
  const res = await call(d, 'GET', '/api/v1/device-sync');
  if (res.status !== 200) throw new Error(`device sync status of ${d.name}: ${JSON.stringify(res)}`);
  return Number(res.body.quarantined);
}

/** Per device, the images of its live jobs it does not hold whole (devices missing none left out). */
export async function missingImages(devices: readonly Device[], final: Map<string, SyncedJob[]>) {
  const out = new Map<string, string[]>();
  for (const d of devices) {
    const hashes = [...new Set(final.get(d.name)!.flatMap((j) => (!j.deleted && j.image ? [j.image] : [])))];
    const gone = [];
    for (const hash of hashes) if (!(await holdsImage(d, hash))) gone.push(hash);
    if (gone.length > 0) out.set(d.name, gone);
  }
  return out;
}
