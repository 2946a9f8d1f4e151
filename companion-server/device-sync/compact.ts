import { type Job, mergeJobs, mergeRecords, recordKey, type SyncRecord } from '../../utils/domain';
import type { DeviceSyncStateFile } from '../store/device-sync-state';
import { completeLines, formatLine, JOBS_PER_LINE, parseLine, SNAPSHOT_FILE, snapshotPartName } from './line-format';
import { MAX_FILE_BYTES } from './reader';
import { LOG_FILE, type SyncTarget } from './targets/types';

/** When this device's own log objects pass either figure, they are folded into a snapshot. */
export interface CompactBudget {
  /** Log objects (one per publish pass). */
  count: number;
  /** Bytes of log objects; at least half the last snapshot's, so a large history is rewritten rarely. */
  bytes: number;
}
export const DEFAULT_COMPACT_BUDGET: CompactBudget = { count: 256, bytes: 4 * 1024 * 1024 };
/** A snapshot part stays far below the reader's file bound (MAX_FILE_BYTES). */
export const SNAPSHOT_PART_BYTES = 4 * 1024 * 1024;

/**
 * Compaction of this device's own files on the target (issue 22: the target does not grow without bound). Past
 * the budget, every object it wrote since its history was last sent in full (`published.segments`: log objects
 * and the last snapshot) is read back, folded to the latest version per job and board (the same merge every
 * reader uses), and written as `snapshot-<n>-<k>of<K>.jsonl`, n being its last line. Only then are the older
 * objects deleted. A reader that already read those logs has merged all of it (it skips the snapshot, its
 * position being past n); a new device reads the snapshot and the logs after it. Anything unreadable among its
 * own objects stops the compaction: nothing is deleted that was not folded.
 */
export function createCompactor(deps: {
  target: SyncTarget;
  state: DeviceSyncStateFile;
  deviceId: string;
  log: (line: string) => void;
  budget?: CompactBudget;
}) {
  const { target, state, deviceId } = deps;
  const budget = deps.budget ?? DEFAULT_COMPACT_BUDGET;
  let reported: string | null = null;
  const refuse = (why: string) => {
    if (why !== reported) deps.log(`Device sync: this device's logs are not compacted yet: ${why}`);
    reported = why;
    return 0;
  };

  /** Every version in these own objects, folded; a string says why they cannot be. */
  async function fold(names: readonly string[]) {
    const jobs = new Map<string, Job>();
    const records = new Map<string, SyncRecord>();
    for (const name of names) {
      const bytes = await target.read(deviceId, name, MAX_FILE_BYTES).catch((e: unknown) => String(e).slice(0, 200));
      if (!(bytes instanceof Uint8Array)) return `${name} cannot be read (${bytes ?? 'gone'})`;
      const { lines, end } = completeLines(bytes, 0);
      if (end !== bytes.length) return `${name} ends in a cut line`;
      for (const text of lines) {
        const line = parseLine(text);
        if (typeof line === 'string' || line.dev !== deviceId) return `a line of ${name} cannot be used`;
        for (const job of line.jobs) {
          const held = jobs.get(job.id);
          jobs.set(job.id, held ? mergeJobs(held, job) : job);
        }
        for (const record of line.records ?? []) {
          const held = records.get(recordKey(record));
          records.set(recordKey(record), held ? mergeRecords(held, record) : record);
        }
      }
    }
    return { jobs: [...jobs.values()], records: [...records.values()] };
  }

  /** The snapshot's parts: lines of up to JOBS_PER_LINE versions, parts of up to SNAPSHOT_PART_BYTES. */
  function parts(n: number, jobs: readonly Job[], records: readonly SyncRecord[]): Buffer[][] {
    const lines: Buffer[] = [];
    for (let i = 0; i < jobs.length; i += JOBS_PER_LINE)
      lines.push(
        line(
          n,
          jobs.slice(i, i + JOBS_PER_LINE).map((j) => JSON.stringify(j)),
          [],
        ),
      );
    for (let i = 0; i < records.length; i += JOBS_PER_LINE)
      lines.push(
        line(
          n,
          [],
          records.slice(i, i + JOBS_PER_LINE).map((r) => JSON.stringify(r)),
        ),
      );
    // Even a history of nothing says so: a reader learns it has all of this device up to n.
    if (lines.length === 0) lines.push(line(n, [], []));
    const out: Buffer[][] = [[]];
    let size = 0;
    for (const l of lines) {
      if (size > 0 && size + l.length > SNAPSHOT_PART_BYTES) {
        out.push([]);
        size = 0;
      }
      out.at(-1)!.push(l);
      size += l.length;
    }
    return out;
  }
  const line = (n: number, jobs: string[], records: string[]) =>
    Buffer.from(formatLine(deviceId, n, jobs, records), 'utf8');

  return {
    /** Compacts when past the budget; returns the bytes written. Runs inside a sync pass (never beside a publish). */
    async compact(): Promise<number> {
      const published = state.read().published;
      if (!published || published.n === 0) return 0;
      const own = await target.list(deviceId);
      const logs = own.filter((f) => LOG_FILE.test(f.name));
      const snapshotBytes = own.filter((f) => SNAPSHOT_FILE.test(f.name)).reduce((sum, f) => sum + f.size, 0);
      const logBytes = logs.reduce((sum, f) => sum + f.size, 0);
      if (logs.length <= budget.count && logBytes <= Math.max(budget.bytes, snapshotBytes / 2)) return 0;
      const folded = await fold(published.segments);
      if (typeof folded === 'string') return refuse(folded);
      const n = published.n;
      const written: string[] = [];
      let bytes = 0;
      const cut = parts(n, folded.jobs, folded.records);
      for (const [i, part] of cut.entries()) {
        const name = snapshotPartName(n, i + 1, cut.length);
        const object = Buffer.concat(part);
        await target.writeOwn(name, object);
        written.push(name);
        bytes += object.length;
      }
      // The snapshot is now what this device has written since its last full send: a log deleted from here on is
      // not "gone by hand" (publisher.ts sends everything again when one of `segments` goes missing).
      await state.write({ ...state.read(), published: { ...published, segments: written } });
      const keep = new Set(written);
      for (const file of own)
        if ((LOG_FILE.test(file.name) || SNAPSHOT_FILE.test(file.name)) && !keep.has(file.name))
          await target.deleteOwn(file.name);
      reported = null;
      deps.log(
        `Device sync: compacted ${logs.length} log object(s) into a snapshot of ${folded.jobs.length} job(s) up to line ${n}`,
      );
      return bytes;
    },
  };
}
