import { basename } from 'node:path';
import type { SyncedJob, SyncedRecord } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import type { FileOps } from './file-ops';
import { BadHistoryFileError, convertSeedFile, parseHistoryFile, type SetAside } from './history-file';
import type { HistoryEntry } from './history-state';
import type { Trusted } from './trusted-file';

/** A history file, fully converted but not yet applied. */
export interface HistoryContents {
  format: 'v2' | 'seed';
  records: SyncedJob[];
  /** Lines taken as they are (a file this companion wrote and nobody changed since). */
  entries: HistoryEntry[];
  /** Records that are not jobs (boards, the queue). */
  others: SyncedRecord[];
  setAside: SetAside[];
  lastSeq: number;
  lastJobId: number;
  savedAt: string | null;
  serverId: string | null;
  extra: Record<string, unknown>;
  /** PNGs pulled out of a seed file's data URLs, by hash; written only once the file is chosen. */
  images: Map<string, Uint8Array>;
  bytes: Uint8Array;
}

export type ReadResult =
  | { kind: 'missing' }
  | { kind: 'bad'; reason: string }
  | { kind: 'ok'; contents: HistoryContents };

/** Reads and converts a history file without side effects, so a bad one is known before anything is written. */
export async function readHistory(io: FileOps, path: string, trusted: Trusted | null = null): Promise<ReadResult> {
  const bytes = await io.read(path, `Could not read ${basename(path)}`);
  if (!bytes) return { kind: 'missing' };
  try {
    const parsed = parseHistoryFile(bytes, { trusted: trusted !== null, index: trusted?.index });
    if (parsed.format === 'v2') {
      const { records, entries, others, setAside, seq, lastJobId, savedAt, serverId, extra } = parsed;
      return {
        kind: 'ok',
        contents: {
          format: 'v2',
          records,
          entries,
          others,
          setAside,
          lastSeq: seq,
          lastJobId,
          savedAt,
          serverId,
          extra,
          images: new Map(),
          bytes,
        },
      };
    }
    const images = new Map<string, Uint8Array>();
    const { records, setAside, lastJobId } = convertSeedFile(parsed.file, (png) => {
      const hash = sha256Hex(png);
      images.set(hash, png);
      return hash;
    });
    return {
      kind: 'ok',
      contents: {
        format: 'seed',
        records,
        entries: [],
        others: [],
        setAside,
        lastSeq: 0,
        lastJobId,
        savedAt: parsed.file.savedAt ?? null,
        serverId: null,
        extra: parsed.extra,
        images,
        bytes,
      },
    };
  } catch (error) {
    if (error instanceof BadHistoryFileError) return { kind: 'bad', reason: error.reason };
    throw error;
  }
}

export interface Chosen {
  contents: HistoryContents | null;
  /** The history comes from the backup (or starts empty after a bad file): a new serverId, written at once. */
  recovered: boolean;
  /** The backup holds history that was not loaded: move it aside, not over, on the first write. */
  keepBackupAs: string | null;
}

/**
 * Picks the history to start from. A bad main file is moved aside (never deleted) and the backup loaded; a
 * bad backup too is kept as it is and the history starts empty. Starting the companion never deletes history.
 */
export async function chooseHistory(ctx: {
  io: FileOps;
  main: string;
  backup: string;
  now: () => number;
  log: (line: string) => void;
  /** The main file is the one this companion wrote last (trusted-file.ts): its lines are taken as they are. */
  trusted?: Trusted | null;
}): Promise<Chosen> {
  const { io, main, backup, log } = ctx;
  const found = await readHistory(io, main, ctx.trusted);
  if (found.kind === 'missing') {
    if (await io.exists(backup)) {
      log(`${basename(main)} is missing; starting with an empty history (${basename(backup)} is kept as it is)`);
      return { contents: null, recovered: false, keepBackupAs: `${backup}.kept` };
    }
    return { contents: null, recovered: false, keepBackupAs: null };
  }
  if (found.kind === 'ok') return { contents: found.contents, recovered: false, keepBackupAs: null };

  const movedTo = await io.moveAside(main, `${main}.corrupt`, ctx.now());
  const fallback = await readHistory(io, backup);
  const what = `${basename(main)} ${found.reason}; moved it to ${basename(movedTo)}`;
  if (fallback.kind === 'ok') {
    log(`${what} and loaded ${basename(backup)}`);
    return { contents: fallback.contents, recovered: true, keepBackupAs: null };
  }
  if (fallback.kind === 'missing') {
    log(`${what}; there is no backup, so the history starts empty`);
    return { contents: null, recovered: true, keepBackupAs: null };
  }
  log(`${what}; ${basename(backup)} ${fallback.reason} too and is kept as it is; the history starts empty`);
  return { contents: null, recovered: true, keepBackupAs: `${backup}.corrupt` };
}

/**
 * Records that failed the schema one by one go to `job_history.json.set-aside-<hash>` with their reasons,
 * once per distinct set, and the rest of the file loads.
 */
export async function keepSetAside(io: FileOps, main: string, setAside: SetAside[], log: (line: string) => void) {
  if (setAside.length === 0) return;
  const text = `${JSON.stringify({ from: basename(main), setAside }, null, 2)}\n`;
  const path = `${main}.set-aside-${sha256Hex(text).slice(0, 12)}`;
  const first = setAside[0]!;
  if (!(await io.exists(path))) await io.replaceDurably(path, Buffer.from(text, 'utf8'));
  log(
    `${basename(main)}: ${setAside.length} job(s) could not be loaded and were set aside in ${basename(path)} (first: ${first.where}: ${first.reason}); every other job loaded`,
  );
}
