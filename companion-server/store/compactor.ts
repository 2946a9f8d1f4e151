import type { Clock } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import type { Committer } from './committer';
import type { FileOps } from './file-ops';
import type { FileStat } from './fs-seam';
import { type Base, planHandEdit } from './hand-edit';
import { BadHistoryFileError, historyFileChunks, inFileOrder, parseHistoryFile } from './history-file';
import type { HistoryEntry, HistoryState } from './history-state';
import type { Journal } from './journal';
import type { SnapshotWriter } from './snapshot-writer';
import { collectWhenQuiet } from './start-garbage';
import { buildStartIndex } from './start-index';
import { recordWritten, sameFile } from './trusted-file';

/** Journal bytes past which the file is rewritten at once rather than after the usual pause. */
const COMPACT_AT_BYTES = 8 * 1024 * 1024;
/** The pause after a change, at least and at most: the file stays a few seconds behind at worst. */
const MIN_DELAY_MS = 25;
const MAX_DELAY_MS = 5_000;
/** A rewrite this large has its garbage collected once the companion is quiet (start-garbage.ts). */
const COLLECT_AFTER_REWRITE_BYTES = 16 * 1024 * 1024;
/** How often a running companion looks for a hand edit of job_history.json (a stat, no read). */
const WATCH_MS = 2_000;
/** Files up to this size are also compared by content, catching an edit that kept the size and the mtime. */
export const HASH_CHECK_BYTES = 8 * 1024 * 1024;

export interface Compactor {
  /** Something changed: rewrite the file soon. */
  changed(): void;
  /** Rewrite it now (after merging a hand edit); `force` even when nothing changed since the last rewrite. */
  compact(force?: boolean): Promise<void>;
  fileSize(): number;
  close(): Promise<void>;
}

interface Written extends FileStat {
  hash: string | null;
}

/**
 * Folds the journal into job_history.json in the background: a while after changes (the pause grows with how
 * long a rewrite takes, so rewriting costs at most about 5 % of the time), at once past 8 MB of journal, and at
 * shutdown. Before each rewrite it looks for a hand edit of the file and merges it first (hand-edit.ts): the
 * file is what users copy, share and edit, and it is never written over unread.
 */
export function createCompactor(ctx: {
  io: FileOps;
  mainPath: string;
  writer: SnapshotWriter;
  journal: Journal;
  state: HistoryState;
  committer: Committer;
  clock: Clock;
  meta: { serverId: string; extra: Record<string, unknown> };
  /**
   * The file as loaded: its stat and the lines it held (null when there was none; made when first needed, as
   * only a hand edit reads them), and whether it is current.
   */
  loaded: {
    written: Written | null;
    base: Base | (() => Base);
    current: boolean;
    /** The file's lines in file order, when its record has no start index yet (an older companion wrote it). */
    unindexed?: readonly HistoryEntry[] | null;
  };
  putImage: (bytes: Uint8Array) => string;
  /** Each rewrite's bytes and live jobs, for the dated copies (dated-snapshots.ts); never throws. */
  beforeWrite?: (chunks: Uint8Array[], liveJobs: number) => Promise<void>;
  /** Whether this companion still owns the data dir (lock.ts); once it does not, it stops writing. */
  owned: () => Promise<boolean>;
  /** Called once when ownership is lost. */
  onLost: () => void;
  now: () => number;
  log: (line: string) => void;
}): Compactor {
  const { io, journal, state } = ctx;
  let written = ctx.loaded.written;
  let base = ctx.loaded.base;
  let unindexed = ctx.loaded.unindexed ?? null;
  const baseNow = (): Base => {
    if (typeof base === 'function') base = base();
    return base;
  };
  let compactedSeq = ctx.loaded.current ? state.lastSeq : -1;
  let compactedLastJobId = state.lastJobId;
  const upToDate = () => state.lastSeq === compactedSeq && state.lastJobId === compactedLastJobId;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> | null = null;
  let lastDurationMs = 0;
  let failures = 0;
  let unreadableLogged = false;
  let closed = false;

  let lost = false;
  /** False (and stop everything) once another companion took the data dir over. */
  async function stillOwned(): Promise<boolean> {
    if (lost) return false;
    if (await ctx.owned().catch(() => true)) return true;
    lost = true;
    closed = true;
    clearInterval(watch);
    ctx.log('Another companion took over this data dir; this one stops writing to it');
    ctx.onLost();
    return false;
  }

  const watch = setInterval(() => {
    if (running || closed) return;
    void stillOwned().then(
      async (owned) =>
        owned && (await io.stat(ctx.mainPath).then((stat) => stat && changedOnDisk(stat) && schedule(0))),
    );
  }, WATCH_MS);
  watch.unref?.();

  function changedOnDisk(stat: FileStat): boolean {
    return !written || !sameFile(stat, written);
  }

  function schedule(delayMs: number): void {
    if (closed || timer || running) return;
    timer = setTimeout(() => {
      timer = null;
      void compact().catch(() => undefined);
    }, delayMs);
    timer.unref?.();
  }

  /** Merges a hand edit of the file; false when the file cannot be read as it is (then it is not written over). */
  async function mergeHandEdit(): Promise<boolean> {
    const stat = await io.stat(ctx.mainPath);
    if (!stat) {
      if (written)
        ctx.log(
          'job_history.json was removed while the companion ran; it is written again (removing it deletes nothing)',
        );
      return true;
    }
    let bytes: Uint8Array | null = null;
    if (!changedOnDisk(stat)) {
      if (!written?.hash || stat.size > HASH_CHECK_BYTES) return true;
      bytes = await io.read(ctx.mainPath, 'Could not read job_history.json');
      if (!bytes || sha256Hex(bytes) === written.hash) return true;
    }
    bytes ??= await io.read(ctx.mainPath, 'Could not read job_history.json');
    if (!bytes) return true;
    let parsed: ReturnType<typeof parseHistoryFile>;
    try {
      parsed = parseHistoryFile(bytes);
    } catch (error) {
      if (!(error instanceof BadHistoryFileError)) throw error;
      if (!unreadableLogged) {
        ctx.log(
          `job_history.json was changed outside the companion and ${error.reason}; it is left as it is and not written over until it can be read (changes stay safe in the journal)`,
        );
      }
      unreadableLogged = true;
      return false;
    }
    unreadableLogged = false;
    const summary = await ctx.committer.commit((view) =>
      planHandEdit(parsed, baseNow(), view, ctx.clock, ctx.putImage),
    );
    const parts = Object.entries({
      edited: summary.edited.length,
      added: summary.added.length,
      deleted: summary.deleted.length,
      'kept as changed since (conflict)': summary.conflicts.length,
      'added under a new id': summary.renamed.length,
    })
      .filter(([, n]) => n > 0)
      .map(([what, n]) => `${n} ${what}`);
    ctx.log(
      `Merged a change of job_history.json made outside the companion: ${parts.join(', ') || 'nothing to change'}`,
    );
    return true;
  }

  async function compactOnce(force: boolean): Promise<void> {
    if (!(await stillOwned()) || !(await mergeHandEdit())) return;
    if (!force && upToDate()) return;
    const started = performance.now();
    const snap = await ctx.committer.barrier(async () => ({
      segments: await journal.rotate(),
      entries: [...state.entries()],
      records: [...state.recordEntries()],
      seq: state.lastSeq,
      lastJobId: state.lastJobId,
    }));
    const meta = {
      lastJobId: snap.lastJobId,
      savedAt: new Date(ctx.now()).toISOString(),
      serverId: ctx.meta.serverId,
      seq: snap.seq,
      extra: ctx.meta.extra,
    };
    const chunks = [...historyFileChunks(meta, snap.entries, snap.records)].map((text) => Buffer.from(text, 'utf8'));
    // The dated copy before the file: once a rewrite shows, the copy it was due is on disk too. The first
    // file of a new history is written at once; the copies start with the next rewrite.
    if (written)
      await ctx.beforeWrite?.(
        chunks,
        snap.entries.reduce((n, e) => n + (e.deleted ? 0 : 1), 0),
      );
    const stat = await ctx.writer.write(chunks, buildStartIndex(inFileOrder(snap.entries)));
    const size = chunks.reduce((n, c) => n + c.length, 0);
    written = { ...stat, hash: size <= HASH_CHECK_BYTES ? sha256Hex(Buffer.concat(chunks)) : null };
    const lines = snap.entries;
    base = () => new Map(lines.map((e) => [e.id, e]));
    unindexed = null;
    compactedSeq = snap.seq;
    compactedLastJobId = snap.lastJobId;
    await journal.drop(snap.segments);
    lastDurationMs = performance.now() - started;
    // A rewrite at 100,000 jobs leaves about 100 MB of dead chunks and maps that V8 did not collect on an idle
    // companion: RSS settled at 378 MB after 7 pushes, 241 MB after one full collection.
    if (size >= COLLECT_AFTER_REWRITE_BYTES) collectWhenQuiet();
  }

  function compact(force = false): Promise<void> {
    running ??= compactOnce(force)
      .then(
        () => {
          failures = 0;
        },
        (error: unknown) => {
          failures++;
          ctx.log(
            `${error instanceof Error ? error.message : String(error)}; job_history.json is rewritten later, the changes are safe in the journal`,
          );
          throw error;
        },
      )
      .finally(() => {
        running = null;
        // Changes made during the rewrite, or a failure, call for another one.
        if (failures > 0) schedule(Math.min(60_000, 1_000 * 2 ** (failures - 1)));
        else if (!upToDate()) schedule(delay());
      });
    return running;
  }

  /** At shutdown, a start index for the file as loaded when it still is the file and has none, for the next start. */
  async function indexLoadedFile(): Promise<void> {
    if (!unindexed || !written || lost) return;
    const stat = await io.stat(ctx.mainPath);
    const index = stat && sameFile(stat, written) ? buildStartIndex(unindexed) : null;
    if (stat && index) await recordWritten(io, ctx.mainPath, stat, index);
  }

  function delay(): number {
    if (journal.pendingBytes > COMPACT_AT_BYTES) return 0;
    return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, lastDurationMs * 20));
  }

  return {
    changed: () => schedule(delay()),
    compact: async (force) => {
      await running?.catch(() => undefined);
      await compact(force);
    },
    // Behind the journal, the size the file is about to have: its lines, their indent and separators, the frame.
    fileSize: () => {
      if (written && upToDate()) return written.size;
      return written || state.size > 0 ? state.lineBytes + state.size * 6 + 240 : 0;
    },
    async close() {
      closed = true;
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => undefined);
      await compact().catch(() => undefined);
      await indexLoadedFile().catch(() => undefined);
      await journal.close();
    },
  };
}
