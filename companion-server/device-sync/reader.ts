import { type Job, type SyncRecord, sameRecord, sameSyncRecord } from '../../utils/domain';
import { jobDevice } from '../../utils/domain/device';
import { sha256Hex } from '../lib/hash';
import type { DeviceSyncStateFile, FileCursor } from '../store/device-sync-state';
import { StoreError } from '../store/store-error';
import type { JobStore } from '../store/types';
import {
  completeLines,
  HEAD_FILE,
  headSchema,
  jobImages,
  MAX_HEAD_BYTES,
  parseLine,
  snapshotPart,
  type TargetLine,
} from './line-format';
import { createMissingImages, listingStamp } from './missing-images';
import { advance, noPosition } from './read-positions';
import { SealedFileError } from './sealed-target';
import { isTransient } from './targets/http';
import { LOG_FILE, type SyncTarget, type TargetFile } from './targets/types';

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
  /** A synced folder (files arrive in any order, asking costs nothing): missing images are asked for every pass. */
  imagesEveryPass?: boolean;
}) {
  const { store, target, state, echoes, log } = deps;
  const now = deps.now ?? Date.now;
  const quarantined = new Map<string, Quarantined>();
  /** Images named by merged jobs that were not on the target yet, and when to ask for them again. */
  const wanted = createMissingImages({ store, everyPass: deps.imagesEveryPass === true, now });
  /** This pass's first read that the network or the server failed: the file is read again at the next pass. */
  let unreachable: unknown = null;

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
    let clean = same ? cursor.clean !== false : true;
    for (const line of lines) {
      const parsed = parseLine(line);
      if (typeof parsed === 'string') quarantine(key, `a line ${parsed}`);
      else if (parsed.dev !== device) quarantine(key, `a line names device ${parsed.dev}, not its folder's`);
      else good.push(parsed);
      if (typeof parsed === 'string' || parsed.dev !== device) clean = false;
    }
    // The listed size (an encrypted file's bytes differ from what it holds): an unchanged file is not read again.
    const next: FileCursor = {
      size: file.size,
      mtimeMs: file.mtimeMs,
      consumed: end,
      prefix: sha256Hex(bytes.subarray(0, end)),
      clean,
      whole: end === bytes.length,
    };
    return { lines: good, cursor: next };
  }

  /** A changed head.json is checked (sealed, schema, names its folder): one that fails is reported, never used. */
  async function checkHead(device: string, listed: readonly TargetFile[]): Promise<Record<string, FileCursor>> {
    const file = listed.find((f) => f.name === HEAD_FILE);
    const key = `${device}/${HEAD_FILE}`;
    const cursor = state.read().files[key];
    if (!file || (cursor && cursor.size === file.size && cursor.mtimeMs === file.mtimeMs)) return {};
    let bytes: Awaited<ReturnType<SyncTarget['read']>>;
    try {
      bytes = await target.read(device, HEAD_FILE, MAX_HEAD_BYTES);
    } catch (error) {
      if (isTransient(error)) unreachable ??= error;
      else
        quarantine(key, error instanceof SealedFileError ? error.message : `it could not be read (${String(error)})`);
      return {};
    }
    // Written with a final newline: without it, a sync client is still copying it (read again later).
    if (!(bytes instanceof Uint8Array) || bytes.at(-1) !== 0x0a) return {};
    let json: unknown = null;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      json = null;
    }
    const head = headSchema.safeParse(json);
    if (!head.success || head.data.deviceId !== device) quarantine(key, 'it is not the head of its folder’s device');
    const prefix = sha256Hex(bytes);
    return { [key]: { size: file.size, mtimeMs: file.mtimeMs, consumed: bytes.length, prefix, whole: true } };
  }

  /** `arriving`: a PNG cut short (a sync client still copying it), asked for again at the next pass. */
  async function fetchImage(hash: string): Promise<'held' | 'missing' | 'arriving'> {
    if (store.hasImage(hash)) return 'held';
    const bytes = await target.readImage(hash, MAX_IMAGE_BYTES).catch((error: unknown) => {
      if (!(error instanceof SealedFileError)) throw error;
      quarantine(`image ${hash}`, error.message);
      return null;
    });
    if (bytes === null) return 'missing';
    if (bytes === 'too big' || sha256Hex(bytes) !== hash) {
      // A sync client still copying it (as a cut line of a log).
      if (bytes !== 'too big' && pngCutShort(bytes)) return 'arriving';
      quarantine(`images/${hash}.png`, bytes === 'too big' ? 'it is too large' : 'its bytes do not match its name');
      return 'missing';
    }
    await store.putImage(bytes);
    return 'held';
  }

  /** The images wanted at the pass's start, asked for again when `wanted` says it is worth a request. */
  async function askAgain(hashes: readonly string[], listings: string) {
    if (!wanted.due(listings)) return;
    let complete = true;
    for (const hash of hashes) {
      const got = await fetchImage(hash).catch((error: unknown) => {
        if (!isTransient(error)) throw error;
        unreachable ??= error;
        return 'failed' as const;
      });
      if (got === 'held') wanted.delete(hash);
      else if (got !== 'missing') complete = false;
      if (got === 'failed') break;
    }
    wanted.asked(listings, complete);
  }

  /** One device's versions merged; the queued and running ones keep the device whose log they came from. */
  /** Jobs merged per store write. */
  const MERGE_BATCH = 500;

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
    let applied = 0;
    // A batch at a time, its images first: a new device shows the first jobs while the rest still come in
    // (all images before any job kept a new device at 10,000 jobs empty for 40 s).
    for (let at = 0; at < jobs.length; at += MERGE_BATCH) {
      const batch = jobs.slice(at, at + MERGE_BATCH);
      // A tombstone needs no image (and after a purge the target may have let it go: image-sweep.ts).
      const live = batch.filter((job) => !job.deleted);
      for (const hash of new Set(live.flatMap(jobImages))) if ((await fetchImage(hash)) !== 'held') wanted.add(hash);
      const sent = new Map<string, Job[]>();
      for (const job of batch) sent.set(job.id, [...(sent.get(job.id) ?? []), job]);
      for (const result of await mergeEach(batch)) {
        if (result.outcome !== 'applied') continue;
        applied++;
        // Held exactly as some device published it: every reader computes it from the target, nothing to send.
        if (sent.get(result.id)?.some((job) => sameRecord(job, result.job))) echoes.add(result.job.seq);
      }
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
      unreachable = null;
      const missing = wanted.pending();
      const listings: string[] = [];
      for (const device of await target.devices()) {
        const listed = await target.list(device);
        listings.push(listingStamp(device, listed));
        const position = state.read().reads[device] ?? noPosition();
        const snapshot = newestSnapshot(listed);
        // A snapshot holds what the device's logs up to its line held: one already read past is not read again.
        const parts = snapshot && snapshot.n > position.upTo ? snapshot.parts : [];
        const cursors: Record<string, FileCursor> = {};
        const lines: TargetLine[] = [];
        const ns: number[] = [];
        for (const file of [...parts, ...listed.filter((f) => LOG_FILE.test(f.name))]) {
          const read = await readFile(device, file).catch((error: unknown) => {
            // A 503 or a cut connection says nothing about the file: not read this pass, never quarantined.
            if (isTransient(error)) {
              unreachable ??= error;
              return null;
            }
            const reason =
              error instanceof SealedFileError
                ? error.message
                : `it could not be read (${String(error).slice(0, 200)})`;
            quarantine(`${device}/${file.name}`, reason);
            return null;
          });
          if (!read) continue;
          lines.push(...read.lines);
          if (!parts.includes(file)) ns.push(...read.lines.map((line) => line.n));
          cursors[`${device}/${file.name}`] = read.cursor;
        }
        Object.assign(cursors, await checkHead(device, listed));
        const current = state.read();
        const files = { ...current.files, ...cursors };
        const through = snapshot && snapshotRead(snapshot, device, files) ? snapshot.n : 0;
        // Cursors of files gone from the listing (compacted away) are let go: the state stays small.
        const gone = Object.keys(files).filter(
          (key) => key.startsWith(`${device}/`) && !listed.some((f) => key === `${device}/${f.name}`),
        );
        for (const key of gone) delete files[key];
        if (Object.keys(cursors).length === 0 && gone.length === 0 && through <= position.upTo) continue;
        if (lines.length > 0) report.applied += await merge(lines);
        report.lines += lines.length;
        // Only once the merge is durable: a crash before reads these lines again, which changes nothing.
        const reads = { ...current.reads, [device]: advance(position, ns, through) };
        await state.write({ ...state.read(), files, reads });
      }
      // After the logs: an image this pass's listing shows a reason for is on the target by now (put before its log).
      await askAgain(missing, listings.join('\n'));
      // The other devices were read on; the pass still reports the failure (and its poll tries again).
      if (unreachable) throw unreachable;
      return report;
    },
  };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The IEND chunk's type and CRC: every whole PNG ends with them. */
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** The start of a PNG without its end: empty, or the signature (or part of it) and no IEND chunk yet. */
export function pngCutShort(bytes: Uint8Array): boolean {
  const start = Buffer.from(bytes.subarray(0, PNG_SIGNATURE.length));
  if (!start.equals(PNG_SIGNATURE.subarray(0, start.length))) return false;
  return (
    bytes.length < PNG_SIGNATURE.length + PNG_END.length ||
    !Buffer.from(bytes.subarray(-PNG_END.length)).equals(PNG_END)
  );
}

/** The newest snapshot a device's listing shows (its parts present so far), or null. */
function newestSnapshot(listed: readonly TargetFile[]) {
  let best: { n: number; count: number; parts: TargetFile[] } | null = null;
  for (const file of listed) {
    const part = snapshotPart(file.name);
    if (!part) continue;
    if (!best || part.n > best.n || (part.n === best.n && part.count !== best.count && part.part === 1))
      best = { n: part.n, count: part.count, parts: [] };
    if (part.n === best.n && part.count === best.count) best.parts.push(file);
  }
  return best;
}

/** Every part of the snapshot read whole and clean, as it is listed now. */
function snapshotRead(
  snapshot: { n: number; count: number; parts: TargetFile[] },
  device: string,
  files: Record<string, FileCursor>,
): boolean {
  const done = new Set<number>();
  for (const file of snapshot.parts) {
    const cursor = files[`${device}/${file.name}`];
    if (
      cursor &&
      cursor.size === file.size &&
      cursor.mtimeMs === file.mtimeMs &&
      cursor.clean !== false &&
      cursor.whole === true
    )
      done.add(snapshotPart(file.name)!.part);
  }
  return done.size === snapshot.count;
}
