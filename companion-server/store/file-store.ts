import { randomUUID } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { companionClockNode, createClock, withoutSeq } from '../../utils/domain';
import { isForeignJob } from '../../utils/domain/device';
import { sha256Hex } from '../lib/hash';
import { createCompactor, HASH_CHECK_BYTES } from './compactor';
import { createDatedSnapshots } from './dated-snapshots';
import { FileOps, isTempName } from './file-ops';
import { type FsSeam, nodeFs } from './fs-seam';
import { INTERRUPTED_WHILE_RUNNING } from './history-file';
import { createHistoryState, type HistoryEntry } from './history-state';
import { createImageFiles } from './images';
import { createJobStore } from './job-store';
import { createJournal, readJournal } from './journal';
import { type LockOptions, lockDataDir } from './lock';
import { chooseHistory, keepSetAside } from './recover';
import type { RetryOptions } from './retries';
import { createSnapshotWriter } from './snapshot-writer';
import { collectStartGarbage, LARGE_HISTORY } from './start-garbage';
import { fsFailure, StoreError } from './store-error';
import { readTrusted, TRUST_FILE_SUFFIX } from './trusted-file';
import type { JobStore } from './types';

export const HISTORY_FILE_NAME = 'job_history.json';
export const IMAGES_DIR_NAME = 'images';
/** How long after a start the images are checked in the background. */
const VERIFY_AFTER_MS = 2_000;

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
  /** Retries of one failed write (default 3 attempts, 25 ms apart and growing). */
  retry?: RetryOptions;
  /** Who holds the data dir (tests pretend to be another process). */
  lock?: LockOptions;
  /** This device's sync id (device-sync-state.ts): jobs another device accepted are never failed here at start. */
  device?: string | null;
}

/**
 * Opens the data dir and returns the store that from then on is its only writer: takes the lock, cleans stray
 * temp files, loads job_history.json (either format; from the backup when it is unusable), replays the journal
 * written since it was last rewritten, and fails jobs a crash left running.
 */
export async function createFileStore(options: FileStoreOptions): Promise<JobStore> {
  const fs = options.fs ?? nodeFs;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.warn(line));
  const dir = resolve(options.dataDir);
  const main = join(dir, HISTORY_FILE_NAME);
  const backup = `${main}.backup`;
  const imagesDir = join(dir, IMAGES_DIR_NAME);
  const io = new FileOps(fs, log);

  try {
    await fs.mkdir(imagesDir);
    await fs.fsyncDir(dir);
  } catch (error) {
    throw fsFailure(`Could not create the data dir ${dir}`, error);
  }
  const lock = await lockDataDir(io, dir, { now, log, ...options.lock });
  try {
    await io.removeStrayTemps(
      dir,
      await io.list(dir),
      (name) =>
        isTempName(name, HISTORY_FILE_NAME) ||
        isTempName(name, basename(backup)) ||
        isTempName(name, `${HISTORY_FILE_NAME}${TRUST_FILE_SUFFIX}`) ||
        name === `${basename(backup)}.tmp`,
    );
    const imageNames = await io.list(imagesDir);
    await io.removeStrayTemps(imagesDir, imageNames, (name) => name.includes('.tmp-'));
    const images = createImageFiles(io, imagesDir, imageNames, { now, log, retry: options.retry });

    // Taken before reading, so an edit made while the companion starts still shows as one afterwards.
    const foundStat = await io.stat(main);
    const trusted = await readTrusted(io, main, foundStat);
    const chosen = await chooseHistory({ io, main, backup, now, log, trusted });
    const contents = chosen.contents;
    if (contents) {
      await images.putMany(contents.images);
      await keepSetAside(io, main, contents.setAside, log);
    }
    const serverId =
      chosen.recovered || !contents
        ? (options.randomId ?? randomUUID)()
        : // Until the first write, an id derived from the content stays the same across restarts.
          (contents.serverId ?? `file-${sha256Hex(contents.bytes).slice(0, 32)}`);
    const clock = createClock(companionClockNode(serverId), now);

    // The file, then what the journal holds past it (a later seq replaces a job's version).
    const journaled = await readJournal(io, dir, contents?.lastSeq ?? 0, log);
    for (const name of journaled.damaged) await io.moveAside(join(dir, name), join(dir, `${name}.damaged`), now());
    const loaded = createHistoryState({
      records: contents?.records ?? [],
      entries: contents?.entries ?? [],
      others: contents?.others ?? [],
      lastSeq: contents?.lastSeq ?? 0,
      lastJobId: Math.max(contents?.lastJobId ?? 0, journaled.lastJobId),
    });
    const { state } = loaded;
    if (loaded.duplicateIds.length) {
      log(
        `${HISTORY_FILE_NAME} holds ${loaded.duplicateIds.length} job(s) twice (${loaded.duplicateIds.slice(0, 3).join(', ')}); kept the newer version of each`,
      );
    }
    state.replay(journaled.records, journaled.lastJobId, journaled.others);

    const writer = createSnapshotWriter({ io, paths: { dir, main, backup }, now, log });
    const snapshots = createDatedSnapshots({ io, dataDir: dir, mainPath: main, now, log });
    const mainStat = contents && !chosen.recovered ? foundStat : null;
    // Taken now, so no closure keeps the file's bytes (44 MB at 100,000 jobs) after the start.
    const loadedBytes = contents?.bytes.length ?? 0;
    const loadedHash = contents && contents.bytes.length <= HASH_CHECK_BYTES ? sha256Hex(contents.bytes) : null;
    const { recovered } = chosen;
    const extra = contents?.extra ?? {};
    const startedOnSeed = contents?.format === 'seed';
    // Read from the file's own lines: the record written with it gets the index they make (the compactor's, once
    // handed over: nothing here keeps the file's contents after the start).
    let unindexed =
      trusted && !trusted.index && !chosen.recovered && contents?.entries.length ? contents.entries : null;
    let forceCompact: () => Promise<void> = async () => undefined;
    let verifyTimer: ReturnType<typeof setTimeout> | undefined;
    let taken = false;
    const store = createJobStore({
      state,
      clock,
      serverId,
      now,
      savedAt: contents?.savedAt ?? null,
      images,
      log,
      snapshots,
      device: options.device ?? null,
      persistence: (committer) => {
        const journal = createJournal({
          io,
          dir,
          dev: clock.node,
          existing: journaled.segments.filter((name) => !journaled.damaged.includes(name)),
          lastSegment: journaled.lastSegment,
          retry: options.retry,
        });
        const compactor = createCompactor({
          io,
          mainPath: main,
          writer,
          journal,
          state,
          committer,
          clock,
          meta: { serverId, extra },
          loaded: {
            written: mainStat ? { ...mainStat, hash: loadedHash } : null,
            // The file holds everything unless the journal had more, or it was not the file loaded.
            current: journaled.records.length === 0 && !recovered,
            unindexed,
            // A seed file is diffed as a whole by the hand-edit merge; a v2 file by its lines (mapped when needed).
            base: linesOf(startedOnSeed ? [] : [...state.entries()]),
          },
          putImage: (bytes) => {
            const hash = sha256Hex(bytes);
            void images.put(bytes).catch((error: unknown) => log(`Could not keep an image: ${String(error)}`));
            return hash;
          },
          beforeWrite: (chunks, liveJobs) => snapshots.beforeWrite(chunks, liveJobs),
          owned: () => lock.stillHeld(),
          onLost: () => {
            taken = true;
          },
          now,
          log,
        });
        forceCompact = () => compactor.compact(true);
        return {
          filePath: main,
          fileSize: () => compactor.fileSize() || loadedBytes,
          async append(records, lastJobId, others) {
            if (taken) {
              throw new StoreError(
                'Another companion took over this data dir; this one accepts no more changes',
                'DATA_DIR_TAKEN_OVER',
              );
            }
            await journal.append(records, lastJobId, others);
          },
          changed: () => compactor.changed(),
          compact: (force) => compactor.compact(force),
          async close() {
            clearTimeout(verifyTimer);
            await compactor.close();
            await snapshots.settled();
            await lock.release();
          },
        };
      },
    });
    unindexed = null;
    writer.keepBackupAs(chosen.keepBackupAs);

    // Start-up changes go through the journal like any other: jobs a crash left running (queued ones resume),
    // and records whose seq clashed with another (renumbered after the rest).
    const interrupted = [...state.entries()]
      .filter((e) => !e.deleted && e.status === 'running')
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((e) => withoutSeq(state.get(e.id)!))
      .filter((job) => !isForeignJob(job, options.device ?? null));
    const startup = [
      ...loaded.renumber.map((r) => withoutSeq(r)),
      ...interrupted.map((job) =>
        clock.stamp({ ...job, status: 'error' as const, error: INTERRUPTED_WHILE_RUNNING }, job),
      ),
    ];
    const renumbered = loaded.renumberRecords.map(({ seq: _seq, ...record }) => record);
    if (startup.length || renumbered.length)
      await store.commit(() => ({ versions: startup, records: renumbered, result: () => undefined }));
    // The start-up rewrite makes the file as found the backup; the older history the backup holds is moved aside.
    if (startup.length && contents && !chosen.recovered && (await io.exists(backup))) {
      writer.keepBackupAs(`${backup}.kept`);
    }
    // A history recovered from the backup is written at once, so the file on disk is whole again before
    // anything is served; so are the start-up changes.
    if ((chosen.recovered && contents) || startup.length) await forceCompact().catch(() => undefined);
    // Every image read once to find damage early: after the start, not during it (100,000 reads at 100,000 jobs).
    verifyTimer = setTimeout(() => void images.verifyAll().catch(() => undefined), VERIFY_AFTER_MS);
    verifyTimer.unref?.();
    if (state.size >= LARGE_HISTORY) collectStartGarbage();
    return store;
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
}

/** The hand-edit merge's base, as a map made when first asked for (only a hand edit asks). */
function linesOf(entries: HistoryEntry[]): () => Map<string, HistoryEntry> {
  return () => new Map(entries.map((e) => [e.id, e]));
}
