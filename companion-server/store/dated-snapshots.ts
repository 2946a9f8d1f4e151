import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { SnapshotInfo, SyncedJob } from '../../utils/domain';
import { type FileOps, tempName } from './file-ops';
import { BadHistoryFileError, parseHistoryFile } from './history-file';
import { StoreError } from './store-error';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** How often a copy is taken while the history changes, and how many of each kind are kept. */
export const SNAPSHOT_EVERY_MS = HOUR_MS;
const HOURLY_KEPT = 24;
const DAILY_KEPT = 7;
/** The copies together stay under this; the oldest go first, the newest always stays. */
export const SNAPSHOT_BUDGET_BYTES = 256 * 1024 * 1024;

export const SNAPSHOT_DIR = 'snapshots';
const NAME = /^job_history-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)\.n(\d+)\.json\.gz$/;

export interface DatedSnapshots {
  /**
   * Before a rewrite of job_history.json: keeps a dated copy of the bytes about to be written when the newest is
   * an hour old. Never throws (a copy that fails is logged): the rewrite goes on.
   */
  beforeWrite(chunks: Uint8Array[], liveJobs: number): Promise<void>;
  /** Takes a copy of job_history.json as it is on disk now, whatever the age of the newest. */
  takeNow(liveJobs: number): Promise<SnapshotInfo>;
  list(): Promise<SnapshotInfo[]>;
  /** The jobs a copy holds (tombstones left out), read with the same care as a hand-edited file. */
  read(id: string): Promise<SyncedJob[]>;
  /** Resolves when a copy being taken in the background is on disk. */
  settled(): Promise<void>;
}

const nameOf = (at: number, jobs: number) =>
  `job_history-${new Date(at).toISOString().replace(/[:.]/g, '-')}.n${jobs}.json.gz`;

function infoOf(name: string, bytes: number): SnapshotInfo | null {
  const match = NAME.exec(name);
  if (!match) return null;
  const [date, time] = match[1]!.split('T') as [string, string];
  const [h, m, s, ms] = time.slice(0, -1).split('-');
  return { id: name, takenAt: `${date}T${h}:${m}:${s}.${ms}Z`, jobs: Number(match[2]), bytes };
}

/**
 * Which copies stay: the newest of each of the last 24 hours and of each of the last 7 days, the newest of all
 * always, and together under the budget (the oldest go first). Pure, so the schedule is tested on its own.
 */
export function snapshotsToKeep(all: SnapshotInfo[], now: number, budget = SNAPSHOT_BUDGET_BYTES): Set<string> {
  const newestFirst = [...all].sort((a, b) => b.takenAt.localeCompare(a.takenAt));
  const keep: SnapshotInfo[] = [];
  const seen = new Set<string>();
  for (const s of newestFirst) {
    const age = now - Date.parse(s.takenAt);
    const hour = `h${Math.floor(Date.parse(s.takenAt) / HOUR_MS)}`;
    const day = `d${Math.floor(Date.parse(s.takenAt) / DAY_MS)}`;
    const inHours = age < HOURLY_KEPT * HOUR_MS && !seen.has(hour);
    const inDays = age < DAILY_KEPT * DAY_MS && !seen.has(day);
    if (keep.length === 0 || inHours || inDays) keep.push(s);
    seen.add(hour);
    seen.add(day);
  }
  let total = keep.reduce((n, s) => n + s.bytes, 0);
  while (keep.length > 1 && total > budget) total -= keep.pop()!.bytes;
  return new Set(keep.map((s) => s.id));
}

/**
 * Dated copies of job_history.json in `snapshots/`, gzipped (a 44 MB history of 100,000 jobs is a few MB):
 * with the file rewritten every few seconds, `.backup` is only seconds old, and these reach back a week.
 * They are copies, not hard links, so an edit of the file in place never reaches them.
 */
export function createDatedSnapshots(options: {
  io: FileOps;
  dataDir: string;
  mainPath: string;
  now: () => number;
  log: (line: string) => void;
  budgetBytes?: number;
}): DatedSnapshots {
  const { io, now, log } = options;
  const dir = join(options.dataDir, SNAPSHOT_DIR);
  let newestAt: number | null = null;
  let pending: Promise<unknown> = Promise.resolve();

  async function list(): Promise<SnapshotInfo[]> {
    const names = (await io.list(dir)).filter((name) => NAME.test(name));
    const found = await Promise.all(
      names.map(async (name) => {
        const stat = await io.stat(join(dir, name));
        return stat ? infoOf(name, stat.size) : null;
      }),
    );
    return found.filter((s): s is SnapshotInfo => s !== null).sort((a, b) => b.takenAt.localeCompare(a.takenAt));
  }

  async function take(chunks: Uint8Array[], liveJobs: number, at: number): Promise<SnapshotInfo> {
    const bytes = await gzipAsync(Buffer.concat(chunks));
    await io.fs.mkdir(dir);
    const name = nameOf(at, liveJobs);
    // Under a temp name first: a crash mid-write never leaves a half copy under a copy's name.
    const tmp = tempName(join(dir, name));
    try {
      await io.writeDurably(tmp, bytes);
      await io.fs.rename(tmp, join(dir, name));
    } catch (error) {
      await io.remove(tmp);
      throw error;
    }
    await io.fs.fsyncDir(dir);
    newestAt = at;
    const all = await list();
    const keep = snapshotsToKeep(all, at, options.budgetBytes);
    for (const s of all) if (!keep.has(s.id)) await io.remove(join(dir, s.id));
    return infoOf(name, bytes.length)!;
  }

  return {
    beforeWrite(chunks, liveJobs) {
      // The time of the write, not of the turn in the queue: a copy is named after the state it holds.
      const at = now();
      pending = pending
        .then(async () => {
          if (newestAt === null) {
            await io.removeStrayTemps(dir, await io.list(dir), (name) => name.includes('.tmp-'));
            newestAt = Date.parse((await list())[0]?.takenAt ?? '') || 0;
          }
          if (at - newestAt < SNAPSHOT_EVERY_MS) return;
          await take(chunks, liveJobs, at);
        })
        .catch((error: unknown) => log(`Could not keep a dated copy of the history: ${String(error)}`));
      return pending.then(() => undefined);
    },
    takeNow(liveJobs) {
      const taken = pending.then(async () => {
        const bytes = await io.read(options.mainPath, 'Could not read job_history.json');
        if (!bytes) throw new StoreError('There is no job_history.json to copy yet', 'NO_SUCH_SNAPSHOT');
        return take([bytes], liveJobs, now());
      });
      pending = taken.catch(() => undefined);
      return taken;
    },
    list,
    async read(id) {
      if (!NAME.test(id)) throw new StoreError(`No dated copy is called ${JSON.stringify(id)}`, 'NO_SUCH_SNAPSHOT');
      const gz = await io.read(join(dir, id), 'Could not read the dated copy');
      if (!gz) throw new StoreError(`The dated copy ${id} is gone`, 'NO_SUCH_SNAPSHOT');
      let parsed: ReturnType<typeof parseHistoryFile>;
      try {
        parsed = parseHistoryFile(new Uint8Array(await gunzipAsync(gz)));
      } catch (error) {
        const reason = error instanceof BadHistoryFileError ? error.reason : 'is not a gzip file';
        throw new StoreError(`The dated copy ${id} cannot be read: it ${reason}`, 'BAD_SNAPSHOT');
      }
      if (parsed.format !== 'v2')
        throw new StoreError(`The dated copy ${id} is not a companion history`, 'BAD_SNAPSHOT');
      return parsed.records.filter((job) => !job.deleted);
    },
    settled: () => pending.then(() => undefined),
  };
}
