import { type Job, type SyncRecord, sameRecord, sameSyncRecord } from '../../utils/domain';
import { jobDevice } from '../../utils/domain/device';
import { sha256Hex } from '../lib/hash';
import type { DeviceSyncStateFile, FileCursor } from '../store/device-sync-state';
import { StoreError } from '../store/store-error';
import type { JobStore } from '../store/types';
import { completeLines, jobImages, parseLine, type TargetLine } from './line-format';
import { LOG_FILE, type SyncTarget } from './targets/types';

/** A log object past this is not read: the publisher cuts objects at 1 MiB, and one line is at most 8 MiB. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** PixelLab's largest results are far below this. */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

/** Quarantine reports kept (a hostile folder could make endless distinct ones). */
const MAX_REPORTED = 200;

export interface Quarantined {
  file: string;
  reason: string;
  at: number;
}

export interface ReadReport {
  /** Lines merged this pass. */
  lines: number;
  /** Versions that changed something here. */
  applied: number;
}

/**
 * The other devices' side: each pass reads every log file of every other device past what was read before,
 * checks each complete line (size, checksum, schema, that it names the folder's device), fetches the images its
 * jobs point at, and merges jobs and boards into the store through its accept path (store.merge and
 * store.mergeRecords, the same rules as the panels' sync). Merges are idempotent, so a line read twice (a
 * conflict copy, a file replaced under its name) changes nothing the second time. A bad line or file is
 * quarantined: reported once and skipped, never fatal, never written into the store.
 */
export function createReader(deps: {
  store: JobStore;
  target: SyncTarget;
  state: DeviceSyncStateFile;
  /** Local seqs of versions written exactly as the target holds them: the publisher does not send them back. */
  echoes: Set<number>;
  log: (line: string) => void;
  now?: () => number;
}) {
  const { store, target, state, echoes, log } = deps;
  const now = deps.now ?? Date.now;
  const quarantined = new Map<string, Quarantined>();
  /** Images named by merged jobs that were not on the target yet. */
  const wanted = new Set<string>();

  function quarantine(file: string, reason: string) {
    const key = `${file}: ${reason}`;
    if (quarantined.has(key) || quarantined.size >= MAX_REPORTED) return;
    quarantined.set(key, { file, reason, at: now() });
    log(`Device sync: quarantined ${file}: ${reason}; skipped, nothing of it is used`);
  }

  /** New complete lines of one file, and its cursor after them (null: nothing to do). */
  async function readFile(device: string, file: { name: string; size: number; mtimeMs: number }) {
    const key = `${device}/${file.name}`;
    const cursor = state.read().files[key];
    if (cursor && cursor.size === file.size && cursor.mtimeMs === file.mtimeMs) return null;
    const bytes = await target.read(device, file.name, MAX_FILE_BYTES);
    if (bytes === null) return null;
    if (bytes === 'too big') {
      quarantine(key, `it is larger than ${MAX_FILE_BYTES} bytes`);
      return {
        lines: [],
        cursor: { size: file.size, mtimeMs: file.mtimeMs, consumed: 0, prefix: sha256Hex(new Uint8Array()) },
      };
    }
    // Read on from the last complete line only when the bytes before it are still the ones read.
    const same =
      cursor && bytes.length >= cursor.consumed && sha256Hex(bytes.subarray(0, cursor.consumed)) === cursor.prefix;
    const { lines, end } = completeLines(bytes, same ? cursor.consumed : 0);
    const good: TargetLine[] = [];
    for (const line of lines) {
      const parsed = parseLine(line);
      if (typeof parsed === 'string') quarantine(key, `a line ${parsed}`);
      else if (parsed.dev !== device) quarantine(key, `a line names device ${parsed.dev}, not its folder's`);
      else good.push(parsed);
    }
    const next: FileCursor = {
      size: bytes.length,
      mtimeMs: file.mtimeMs,
      consumed: end,
      prefix: sha256Hex(bytes.subarray(0, end)),
    };
    return { lines: good, cursor: next };
  }

  async function fetchImage(hash: string): Promise<boolean> {
    if (store.hasImage(hash)) return true;
    const bytes = await target.readImage(hash, MAX_IMAGE_BYTES);
    if (bytes === null) return false;
    if (bytes === 'too big' || sha256Hex(bytes) !== hash) {
      quarantine(`images/${hash}.png`, bytes === 'too big' ? 'it is too large' : 'its bytes do not match its name');
      return false;
    }
    await store.putImage(bytes);
    return true;
  }

  /** One device's versions merged; the queued and running ones keep the device whose log they came from. */
  async function merge(lines: readonly TargetLine[]): Promise<number> {
    const jobs: Job[] = [];
    for (const line of lines) {
      for (const job of line.jobs) {
        const waiting = job.status === 'queued' || job.status === 'running';
        // Only this device accepts jobs for itself: one it never held, arriving ready to run, could spend its money.
        if (waiting && jobDevice(job) === store.device && !store.get(job.id)) {
          quarantine(`${line.dev} line ${line.n}`, `job ${job.id} names this device, which never accepted it`);
          continue;
        }
        const owned = jobDevice(job) === null && waiting;
        jobs.push(owned ? { ...job, device: line.dev } : job);
      }
    }
    const boards: SyncRecord[] = lines.flatMap((line) => line.records ?? []);
    for (const hash of new Set(jobs.flatMap(jobImages))) if (!(await fetchImage(hash))) wanted.add(hash);
    let applied = 0;
    for (const result of await mergeEach(jobs)) {
      if (result.outcome !== 'applied') continue;
      applied++;
      // Held exactly as some device published it: every reader computes it from the target, nothing to send.
      if (jobs.some((job) => job.id === result.id && sameRecord(job, result.job))) echoes.add(result.job.seq);
    }
    if (boards.length > 0) {
      for (const result of await store.mergeRecords(boards)) {
        if (result.outcome !== 'applied') continue;
        applied++;
        if (boards.some((b) => b.id === result.id && sameSyncRecord(b, result.record))) echoes.add(result.record.seq);
      }
    }
    return applied;
  }

  /** All at once; when the store refuses the batch (one version it will not hold), one by one, refusing only that. */
  async function mergeEach(jobs: Job[]) {
    if (jobs.length === 0) return [];
    try {
      return await store.merge(jobs);
    } catch {
      const out = [];
      for (const job of jobs) {
        try {
          out.push(...(await store.merge([job])));
        } catch (error) {
          // Only a version the store will not hold is set aside; a store that cannot write stops the pass, and
          // these lines are read again at the next one.
          if (!(error instanceof StoreError) || error.code !== 'INVALID_JOB') throw error;
          quarantine(`job ${job.id}`, `the store refused it (${(error as Error).message.slice(0, 200)})`);
        }
      }
      return out;
    }
  }

  return {
    quarantined: () => [...quarantined.values()],
    async read(): Promise<ReadReport> {
      const report: ReadReport = { lines: 0, applied: 0 };
      for (const hash of [...wanted]) if (await fetchImage(hash)) wanted.delete(hash);
      for (const device of await target.devices()) {
        const cursors: Record<string, FileCursor> = {};
        const lines: TargetLine[] = [];
        for (const file of await target.list(device)) {
          if (!LOG_FILE.test(file.name)) continue;
          const read = await readFile(device, file).catch((error: unknown) => {
            quarantine(`${device}/${file.name}`, `it could not be read (${String(error).slice(0, 200)})`);
            return null;
          });
          if (!read) continue;
          lines.push(...read.lines);
          cursors[`${device}/${file.name}`] = read.cursor;
        }
        if (Object.keys(cursors).length === 0) continue;
        report.applied += await merge(lines);
        report.lines += lines.length;
        // Only once the merge is durable: a crash before reads these lines again, which changes nothing.
        const current = state.read();
        await state.write({ ...current, files: { ...current.files, ...cursors } });
      }
      return report;
    },
  };
}
