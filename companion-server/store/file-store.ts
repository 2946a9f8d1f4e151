import { createHash, randomUUID } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { type Clock, companionClockNode, createClock, isPng, type SyncedJob } from '../../utils/domain';
import { type FsSeam, nodeFs } from './fs-seam';
import {
  BadHistoryFileError,
  convertSeedFile,
  INTERRUPTED_WHILE_RUNNING,
  parseHistoryFile,
  serializeHistoryFile,
} from './history-file';
import { createHistoryState, type HistoryState } from './history-state';
import { createJobStore, type HistoryPersistence, type ImageBank } from './job-store';
import { describeFsError, errorCode, fsFailure, StoreError } from './store-error';
import type { JobStore } from './types';
import { createWriteQueue, type RetryOptions, withRetries } from './write-queue';

export const HISTORY_FILE_NAME = 'job_history.json';
export const IMAGES_DIR_NAME = 'images';

export interface FileStoreOptions {
  /** The data dir; created when missing. */
  dataDir: string;
  /** The file-system seam; tests wrap it to inject faults. */
  fs?: FsSeam;
  now?: () => number;
  /** One line per notable event (recovery, failed write). */
  log?: (line: string) => void;
  /** Mints a serverId. */
  randomId?: () => string;
  /** Retries of one failed write request (default 3 attempts, 25 ms apart and growing). */
  retry?: RetryOptions;
}

interface Paths {
  dir: string;
  main: string;
  backup: string;
  /** The link of the backup step as older versions named it; this one uses `job_history.json.backup.tmp-<pid>-<n>`. */
  legacyBackupTmp: string;
  images: string;
}

const TEMP_MARK = '.tmp-';
const IMAGE_NAME = /^([0-9a-f]{64})\.png$/;
let tempCounter = 0;
const tempSuffix = () => `${TEMP_MARK}${process.pid}-${++tempCounter}`;

/**
 * Opens the data dir: cleans stray temp files, loads job_history.json (either format), recovers
 * from the backup when the file is unusable, and returns the store that from then on is its only writer.
 */
export async function createFileStore(options: FileStoreOptions): Promise<JobStore> {
  const fs = options.fs ?? nodeFs;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.warn(line));
  const randomId = options.randomId ?? randomUUID;
  const dir = resolve(options.dataDir);
  const paths: Paths = {
    dir,
    main: join(dir, HISTORY_FILE_NAME),
    backup: join(dir, `${HISTORY_FILE_NAME}.backup`),
    legacyBackupTmp: join(dir, `${HISTORY_FILE_NAME}.backup.tmp`),
    images: join(dir, IMAGES_DIR_NAME),
  };
  const io = new FileOps(fs, log);

  try {
    await fs.mkdir(paths.images);
    await fs.fsyncDir(dir);
  } catch (error) {
    throw fsFailure(`Could not create the data dir ${dir}`, error);
  }
  await io.removeStrayTemps(
    dir,
    await io.list(dir),
    (name) =>
      name.startsWith(`${HISTORY_FILE_NAME}${TEMP_MARK}`) ||
      name.startsWith(`${basename(paths.backup)}${TEMP_MARK}`) ||
      name === basename(paths.legacyBackupTmp),
  );
  const imageNames = await io.list(paths.images);
  await io.removeStrayTemps(paths.images, imageNames, (name) => name.includes(TEMP_MARK));
  const known = new Set<string>();
  for (const name of imageNames) {
    const match = IMAGE_NAME.exec(name);
    if (match) known.add(match[1]!);
  }
  const images = createImageFiles(io, paths.images, known, options.retry);

  const loaded = await loadHistory({ io, paths, images, log, randomId, now });
  const writer = createHistoryWriter({ io, paths, state: loaded.state, loaded, now, log, retry: options.retry });
  const store = createJobStore({
    state: loaded.state,
    clock: loaded.clock,
    persistence: writer,
    images,
    serverId: loaded.serverId,
    now,
  });
  if (loaded.saveNow) {
    // A recovered history, or a v2 file with interrupted jobs: put it on disk before serving it.
    // A failure is logged by the writer and retried with the next change.
    await writer.save().catch(() => undefined);
  }
  return store;
}

interface LoadedHistory {
  state: HistoryState;
  clock: Clock;
  serverId: string;
  savedAt: string | null;
  fileSize: number;
  extra: Record<string, unknown>;
  /** The state differs from the file (recovery, interrupted jobs): write it at start. */
  saveNow: boolean;
  /** The backup holds data we did not load: move it aside, not over, on the first rotation. */
  keepBackupAs: string | null;
}

async function loadHistory(ctx: {
  io: FileOps;
  paths: Paths;
  images: FileImages;
  log: (line: string) => void;
  randomId: () => string;
  now: () => number;
}): Promise<LoadedHistory> {
  const { io, paths, log } = ctx;
  const empty = (keepBackupAs: string | null): LoadedHistory => {
    const serverId = ctx.randomId();
    const clock = createClock(companionClockNode(serverId), ctx.now);
    return {
      state: createHistoryState({ clock }).state,
      clock,
      serverId,
      savedAt: null,
      fileSize: 0,
      extra: {},
      saveNow: false,
      keepBackupAs,
    };
  };

  const main = await readHistory(io, paths.main);
  if (main.kind === 'missing') {
    if (await io.exists(paths.backup)) {
      log(
        `${HISTORY_FILE_NAME} is missing; starting with an empty history (${basename(paths.backup)} is kept as it is)`,
      );
      return empty(`${paths.backup}.kept`);
    }
    return empty(null);
  }
  if (main.kind === 'ok') {
    const loaded = await fromFile(main, ctx, false);
    // The start-up rewrite (interrupted jobs, duplicates, clashing seqs) makes the file as found the
    // backup; the older history the backup holds is moved aside rather than deleted by merely starting.
    if (loaded.saveNow && (await io.exists(paths.backup))) loaded.keepBackupAs = `${paths.backup}.kept`;
    return loaded;
  }

  const movedTo = await io.moveAside(paths.main, `${paths.main}.corrupt`, ctx.now());
  const backup = await readHistory(io, paths.backup);
  const what = `${HISTORY_FILE_NAME} ${main.reason}; moved it to ${basename(movedTo)}`;
  if (backup.kind === 'ok') {
    log(`${what} and loaded ${basename(paths.backup)}`);
    // A new serverId: clients may hold changes the lost file had, so they start over and push them back.
    return fromFile(backup, ctx, true);
  }
  if (backup.kind === 'missing') {
    log(`${what}; there is no backup, so the history starts empty`);
    return empty(null);
  }
  log(`${what}; ${basename(paths.backup)} ${backup.reason} too and is kept as it is; the history starts empty`);
  return empty(`${paths.backup}.corrupt`);
}

/** A history file, fully converted but not yet applied. */
interface HistoryContents {
  format: 'v2' | 'seed';
  records: SyncedJob[];
  lastSeq: number;
  lastJobId: number;
  savedAt: string | null;
  serverId: string | null;
  extra: Record<string, unknown>;
  /** PNGs pulled out of a seed file's data URLs, by hash; written only once the file is chosen. */
  images: Map<string, Uint8Array>;
}

type ReadResult =
  | { kind: 'missing' }
  | { kind: 'bad'; reason: string }
  | { kind: 'ok'; bytes: Uint8Array; contents: HistoryContents };

/** Reads and converts a history file without side effects, so a bad one is known before anything is written. */
async function readHistory(io: FileOps, path: string): Promise<ReadResult> {
  const bytes = await io.read(path, `Could not read ${basename(path)}`);
  if (!bytes) return { kind: 'missing' };
  try {
    const parsed = parseHistoryFile(bytes);
    if (parsed.format === 'v2') {
      const { records, seq, lastJobId, savedAt, serverId, extra } = parsed;
      return {
        kind: 'ok',
        bytes,
        contents: { format: 'v2', records, lastSeq: seq, lastJobId, savedAt, serverId, extra, images: new Map() },
      };
    }
    const images = new Map<string, Uint8Array>();
    const { records, lastJobId } = convertSeedFile(parsed.file, (png) => {
      const hash = sha256(png);
      images.set(hash, png);
      return hash;
    });
    const savedAt = parsed.file.savedAt ?? null;
    return {
      kind: 'ok',
      bytes,
      contents: {
        format: 'seed',
        records,
        lastSeq: 0,
        lastJobId,
        savedAt,
        serverId: null,
        extra: parsed.extra,
        images,
      },
    };
  } catch (error) {
    if (error instanceof BadHistoryFileError) return { kind: 'bad', reason: error.reason };
    throw error;
  }
}

async function fromFile(
  { bytes, contents }: Extract<ReadResult, { kind: 'ok' }>,
  ctx: { images: FileImages; log: (line: string) => void; randomId: () => string; now: () => number },
  recovered: boolean,
): Promise<LoadedHistory> {
  await ctx.images.putMany(contents.images);
  // Until the first write, an id derived from the content stays the same across restarts.
  const serverId = recovered ? ctx.randomId() : (contents.serverId ?? `file-${sha256(bytes).slice(0, 32)}`);
  const clock = createClock(companionClockNode(serverId), ctx.now);
  const { state, duplicateIds, renumbered } = createHistoryState({ ...contents, clock });
  if (duplicateIds.length) {
    ctx.log(
      `${HISTORY_FILE_NAME} holds ${duplicateIds.length} job(s) twice (${duplicateIds.slice(0, 3).join(', ')}); kept the newer version of each`,
    );
  }
  // Seed files had theirs converted on import; in a v2 file only running jobs are lost (queued ones resume).
  const running: SyncedJob[] = [];
  for (const { job } of state.entries()) if (!job.deleted && job.status === 'running') running.push(job);
  for (const job of running) {
    const { seq: _seq, ...rest } = job;
    state.put(clock.stamp({ ...rest, status: 'error', error: INTERRUPTED_WHILE_RUNNING }, job));
  }
  return {
    state,
    clock,
    serverId,
    savedAt: contents.savedAt,
    fileSize: bytes.length,
    extra: contents.extra,
    // A seed file is not rewritten before the first change.
    saveNow:
      recovered || (contents.format === 'v2' && (running.length > 0 || renumbered > 0 || duplicateIds.length > 0)),
    keepBackupAs: null,
  };
}

/**
 * The write protocol of job_history.json: temp file in the same dir, fsync, current main becomes
 * the backup (hard link, renamed over the old backup), temp renamed over main, directory fsync.
 */
function createHistoryWriter(ctx: {
  io: FileOps;
  paths: Paths;
  state: HistoryState;
  loaded: LoadedHistory;
  now: () => number;
  log: (line: string) => void;
  retry?: RetryOptions;
}): HistoryPersistence {
  const { io, paths, state, loaded } = ctx;
  let savedAt = loaded.savedAt;
  let fileSize = loaded.fileSize;
  let keepBackupAs = loaded.keepBackupAs;
  // What the file on disk holds; a recovered history is not there yet.
  let writtenRevision = loaded.saveNow ? -1 : 0;

  async function rotateBackup(): Promise<void> {
    // A fresh name each time, so nothing found under an old one (even a directory) is in the way.
    const backupTmp = paths.backup + tempSuffix();
    try {
      await io.fs.link(paths.main, backupTmp);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return; // no main file yet: nothing to keep
      // No hard links on this file system: copy instead.
      try {
        const previous = await io.read(paths.main, 'Could not copy job_history.json to the backup');
        if (!previous) return;
        await io.writeDurably(backupTmp, previous);
      } catch (copyError) {
        await io.remove(backupTmp);
        throw copyError;
      }
    }
    try {
      if (keepBackupAs && (await io.exists(paths.backup))) {
        const keptAs = await io.moveAside(paths.backup, keepBackupAs, ctx.now());
        ctx.log(`Kept the previous ${basename(paths.backup)} as ${basename(keptAs)}`);
      }
      keepBackupAs = null;
      await io.fs.rename(backupTmp, paths.backup);
    } catch (error) {
      await io.remove(backupTmp);
      throw error;
    }
    // When the backup already is main (a retry after a failed rename), POSIX rename of one hard link
    // over another is a no-op that leaves the source name behind.
    await io.remove(backupTmp);
  }

  async function writeOnce(): Promise<void> {
    const revision = state.revision;
    const seq = state.lastSeq;
    const stamp = new Date(ctx.now()).toISOString();
    const text = serializeHistoryFile(
      { lastJobId: state.lastJobId, savedAt: stamp, serverId: ctx.loaded.serverId, seq, extra: loaded.extra },
      state.entries(),
    );
    const bytes = Buffer.from(text, 'utf8');
    const tmp = paths.main + tempSuffix();
    try {
      await io.writeDurably(tmp, bytes);
      await rotateBackup();
      await io.fs.rename(tmp, paths.main);
    } catch (error) {
      await io.remove(tmp);
      throw fsFailure(`Could not save ${HISTORY_FILE_NAME}`, error);
    }
    try {
      await io.fs.fsyncDir(paths.dir);
    } catch (error) {
      throw fsFailure(`Could not save ${HISTORY_FILE_NAME}`, error);
    }
    writtenRevision = revision;
    state.markDurable(seq);
    savedAt = stamp;
    fileSize = bytes.length;
  }

  const queue = createWriteQueue(
    {
      isDirty: () => state.revision !== writtenRevision,
      write: writeOnce,
      onFailure: (error) =>
        ctx.log(
          `${error instanceof Error ? error.message : String(error)}; the change stays in memory and is written with the next one`,
        ),
    },
    ctx.retry,
  );

  return {
    filePath: paths.main,
    get savedAt() {
      return savedAt;
    },
    fileSize: () => fileSize,
    save: () => queue.request(),
    flush: () => queue.flush(),
  };
}

interface FileImages extends ImageBank {
  /** Writes many at once with a single directory fsync (the seed import). */
  putMany(images: Map<string, Uint8Array>): Promise<void>;
}

function createImageFiles(io: FileOps, dir: string, known: Set<string>, retry?: RetryOptions): FileImages {
  const inFlight = new Map<string, Promise<string>>();
  const pathOf = (hash: string) => join(dir, `${hash}.png`);

  async function writeImage(hash: string, bytes: Uint8Array): Promise<void> {
    const tmp = pathOf(hash) + tempSuffix();
    try {
      await io.writeDurably(tmp, bytes);
      await io.fs.rename(tmp, pathOf(hash));
    } catch (error) {
      await io.remove(tmp);
      throw error;
    }
  }

  return {
    put(input) {
      if (!isPng(input)) {
        return Promise.reject(new StoreError('Not a PNG image: the bytes lack the PNG signature', 'NOT_PNG'));
      }
      const hash = sha256(input);
      if (known.has(hash)) return Promise.resolve(hash);
      let pending = inFlight.get(hash);
      if (!pending) {
        const bytes = Uint8Array.from(input); // the caller may reuse its buffer
        pending = withRetries(async () => {
          await writeImage(hash, bytes);
          await io.fs.fsyncDir(dir);
        }, retry)
          .then(() => {
            known.add(hash);
            return hash;
          })
          .catch((error: unknown) => {
            throw fsFailure(`Could not save image ${hash}.png`, error);
          })
          .finally(() => inFlight.delete(hash));
        inFlight.set(hash, pending);
      }
      return pending;
    },

    has: (hash) => known.has(hash),

    async read(hash) {
      if (!IMAGE_NAME.test(`${hash}.png`)) return null;
      const bytes = await io.read(pathOf(hash), `Could not read image ${hash}.png`);
      if (bytes) known.add(hash);
      return bytes;
    },

    async putMany(images) {
      let wrote = false;
      try {
        for (const [hash, bytes] of images) {
          if (known.has(hash)) continue;
          await writeImage(hash, bytes);
          wrote = true;
        }
        if (wrote) await io.fs.fsyncDir(dir);
      } catch (error) {
        throw fsFailure(`Could not save the images of ${HISTORY_FILE_NAME}`, error);
      }
      for (const hash of images.keys()) known.add(hash);
    },
  };
}

/** The seam plus the few compound steps built on it. */
class FileOps {
  constructor(
    readonly fs: FsSeam,
    private readonly log: (line: string) => void,
  ) {}

  /** Bytes of a file, or null when it does not exist. */
  async read(path: string, what: string): Promise<Uint8Array | null> {
    try {
      return await this.fs.readFile(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw fsFailure(what, error);
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.fs.stat(path);
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw fsFailure(`Could not check ${basename(path)}`, error);
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await this.fs.readdir(dir);
    } catch (error) {
      throw fsFailure(`Could not list ${dir}`, error);
    }
  }

  /** Write, fsync, close: the bytes are on disk when this resolves. */
  async writeDurably(path: string, bytes: Uint8Array): Promise<void> {
    const handle = await this.fs.open(path, 'w');
    try {
      await this.fs.write(handle, bytes);
      await this.fs.fsync(handle);
    } catch (error) {
      // The first error is the one worth reporting.
      await this.fs.close(handle).catch(() => undefined);
      throw error;
    }
    await this.fs.close(handle);
  }

  /** Best-effort cleanup after a failure; a leftover is removed at the next start. */
  async remove(path: string): Promise<void> {
    try {
      await this.fs.unlink(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') this.log(`Could not remove ${basename(path)}: ${(error as Error).message}`);
    }
  }

  /**
   * Removes leftover temp files. Only files: unlink never removes a directory, and whatever cannot be
   * removed (a directory under such a name, a file we may not delete) is left in place with a log line,
   * since writes always pick a new temp name and never need it gone.
   */
  async removeStrayTemps(dir: string, names: string[], isTemp: (name: string) => boolean): Promise<void> {
    let removed = 0;
    for (const name of names.filter(isTemp)) {
      try {
        await this.fs.unlink(join(dir, name));
        removed++;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        this.log(
          `Left ${name} in ${dir} as it is: it looks like a leftover temp file but could not be removed as a file (${describeFsError(error)})`,
        );
      }
    }
    if (removed) this.log(`Removed ${removed} leftover temp file(s) from an unfinished write in ${dir}`);
  }

  /** Renames to `<base>-<timestamp>` (never over an existing file) and returns the new path. */
  async moveAside(path: string, base: string, time: number): Promise<string> {
    const stamp = new Date(time).toISOString().replace(/[:.]/g, '-');
    let target = `${base}-${stamp}`;
    for (let n = 2; await this.exists(target); n++) target = `${base}-${stamp}-${n}`;
    try {
      await this.fs.rename(path, target);
      await this.fs.fsyncDir(dirname(path));
    } catch (error) {
      throw fsFailure(`Could not move ${basename(path)} aside`, error);
    }
    return target;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
