import { z } from 'zod';
import {
  fromSeedJob,
  type Job,
  type PutImage,
  recordTooLarge,
  type SeedFile,
  type SyncedJob,
  type SyncedRecord,
  seedFileSchema,
  syncedJobSchema,
  syncRecordSchema,
} from '../../utils/domain';
import { describeIssues, type HistoryEntry, MAX_SEQ } from './history-state';
import type { StartIndex } from './start-index';
import { StoreError } from './store-error';
import { readTrustedLayout } from './trusted-layout';

/** The format of job_history.json (README.md in this folder). Pure: bytes in, records out. */
export const HISTORY_FILE_VERSION = '2.0';

export const INTERRUPTED_WHILE_RUNNING = 'Interrupted: the companion stopped while this job was running';
export const INTERRUPTED_BEFORE_RUNNING = 'Interrupted: the companion stopped before this job ran';

const TOO_BIG_SEQ = `is above ${MAX_SEQ} (2^52), the largest sequence number the companion hands out`;

/** A stored record: its seq is bounded, so the next number after any loaded one is still exact. */
export const storedJobSchema = syncedJobSchema.extend({
  seq: z.number().int().positive().max(MAX_SEQ, TOO_BIG_SEQ),
});

/** A stored record that is not a job (records.ts), with its seq. */
export const storedRecordSchema = z.intersection(
  syncRecordSchema,
  z.object({ seq: z.number().int().positive().max(MAX_SEQ, TOO_BIG_SEQ) }),
);

/** The file's frame; its records are checked one by one, so one bad job does not throw away the rest. */
export const historyFileSchema = z.looseObject({
  jobs: z.array(z.unknown()),
  lastJobId: z.number().int().nonnegative().default(0),
  savedAt: z.string().nullable().default(null),
  version: z.literal(HISTORY_FILE_VERSION),
  /** Optional so a hand-made file loads; one is derived from the content until the first write. */
  serverId: z.string().min(1).max(200).optional(),
  seq: z.number().int().nonnegative().max(MAX_SEQ, TOO_BIG_SEQ).default(0),
  tombstones: z.array(z.unknown()).default([]),
  /** Boards and the queue (records.ts), one per line like the jobs; absent in files from before them. */
  records: z.array(z.unknown()).default([]),
});

const KNOWN_KEYS = new Set(['jobs', 'lastJobId', 'savedAt', 'version', 'serverId', 'seq', 'tombstones', 'records']);
const SEED_KEYS = new Set(['jobs', 'lastJobId', 'savedAt', 'version']);

export interface HistoryFileMeta {
  lastJobId: number;
  savedAt: string;
  serverId: string;
  seq: number;
  /** Top-level fields this version does not know, kept as found. */
  extra: Record<string, unknown>;
}

/** A record of the file that could not be loaded: kept aside with its reason, never dropped silently. */
export interface SetAside {
  /** Where it was: `jobs[3]`, `tombstones[0]`. */
  where: string;
  reason: string;
  record: unknown;
}

export type ParsedHistoryFile =
  | {
      format: 'v2';
      records: SyncedJob[];
      /** Lines taken as they are, from a trusted file (trusted-layout.ts); empty otherwise. */
      entries: HistoryEntry[];
      /** Records that are not jobs. */
      others: SyncedRecord[];
      setAside: SetAside[];
      lastJobId: number;
      savedAt: string | null;
      serverId: string | null;
      seq: number;
      extra: Record<string, unknown>;
    }
  | { format: 'seed'; file: SeedFile; extra: Record<string, unknown> };

/** The file cannot be used: `reason` completes "job_history.json ..." in a log line. */
export class BadHistoryFileError extends StoreError {
  constructor(readonly reason: string) {
    super(`The history file ${reason}`, 'BAD_HISTORY_FILE');
  }
}

/** Lines of the file per chunk: a 100,000-job history is written without one 44 MB string. */
const LINES_PER_CHUNK = 2000;

/**
 * One compact job per line, live jobs under `jobs` and deletes under `tombstones`, both in seq order.
 * Lines come from the entries, so a change to one job costs one job's serialization.
 */
export function* historyFileChunks<E extends Pick<HistoryEntry, 'line' | 'deleted'>>(
  meta: HistoryFileMeta,
  entries: Iterable<E>,
  others: Iterable<{ line: string }> = [],
): Generator<string> {
  const recordLines = [...others].map((r) => r.line);
  const ordered = inFileOrder(entries);
  const firstDead = ordered.findIndex((entry) => entry.deleted);
  const live = (firstDead < 0 ? ordered : ordered.slice(0, firstDead)).map((entry) => entry.line);
  const dead = (firstDead < 0 ? [] : ordered.slice(firstDead)).map((entry) => entry.line);
  const extra = Object.entries(meta.extra)
    .filter(([key]) => !KNOWN_KEYS.has(key))
    .map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},\n`)
    .join('');
  yield '{\n  "jobs": ';
  yield* block(live);
  yield ',\n' +
    `  "lastJobId": ${meta.lastJobId},\n` +
    `  "savedAt": ${JSON.stringify(meta.savedAt)},\n` +
    `  "version": ${JSON.stringify(HISTORY_FILE_VERSION)},\n` +
    `  "serverId": ${JSON.stringify(meta.serverId)},\n` +
    `  "seq": ${meta.seq},\n` +
    extra +
    '  "tombstones": ';
  yield* block(dead);
  // Written only once there are records, so a history without them keeps the file as before.
  if (recordLines.length > 0) {
    yield ',\n  "records": ';
    yield* block(recordLines);
  }
  yield '\n}\n';
}

/** The order of the file's job lines: live jobs, then tombstones, each in the order given (seq order). */
export function inFileOrder<E extends Pick<HistoryEntry, 'deleted'>>(entries: Iterable<E>): E[] {
  const live: E[] = [];
  const dead: E[] = [];
  for (const entry of entries) (entry.deleted ? dead : live).push(entry);
  return live.concat(dead);
}

function* block(lines: string[]): Generator<string> {
  if (lines.length === 0) {
    yield '[]';
    return;
  }
  yield '[\n    ';
  for (let i = 0; i < lines.length; i += LINES_PER_CHUNK) {
    yield (i > 0 ? ',\n    ' : '') + lines.slice(i, i + LINES_PER_CHUNK).join(',\n    ');
  }
  yield '\n  ]';
}

export function serializeHistoryFile<E extends Pick<HistoryEntry, 'line' | 'deleted'>>(
  meta: HistoryFileMeta,
  entries: Iterable<E>,
  others: Iterable<{ line: string }> = [],
): string {
  return [...historyFileChunks(meta, entries, others)].join('');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses file bytes into JSON; throws BadHistoryFileError for anything that is not a JSON object. */
export function parseJsonFile(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) throw new BadHistoryFileError('is empty');
  if (bytes.includes(0)) throw new BadHistoryFileError('contains NUL bytes (an unfinished write?)');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadHistoryFileError('is not valid UTF-8 text');
  }
  let json: unknown;
  const source = text.replace(/^\uFEFF/, '');
  try {
    json = JSON.parse(source);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const truncated =
      /end of (JSON )?input|Unterminated/i.test(message) ||
      (position !== null && Number(position[1]) >= source.trimEnd().length);
    throw new BadHistoryFileError(`is not valid JSON (${truncated ? 'it ends early: truncated?' : message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new BadHistoryFileError('fails the schema: it is not a JSON object');
  }
  return json as Record<string, unknown>;
}

/**
 * Reads either format; throws BadHistoryFileError when the file as a whole cannot be used. Records that fail
 * the schema one by one (a width of 8192 typed by hand) are set aside with their reason, and the rest loads.
 */
/** "3", "2.1", "2.0.1": later than the version this companion writes, compared part by part. */
function isNewerVersion(version: unknown): boolean {
  if (typeof version !== 'string' || !/^\d+(\.\d+)*$/.test(version)) return false;
  const ours = HISTORY_FILE_VERSION.split('.').map(Number);
  const theirs = version.split('.').map(Number);
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    const a = theirs[i] ?? 0;
    const b = ours[i] ?? 0;
    if (a !== b) return a > b;
  }
  return false;
}

export function parseHistoryFile(
  bytes: Uint8Array,
  options: { trusted?: boolean; index?: StartIndex | null } = {},
): ParsedHistoryFile {
  if (options.trusted) {
    const fast = parseTrustedFile(bytes, options.index ?? null);
    if (fast) return fast;
  }
  const json = parseJsonFile(bytes);
  const version = json.version;
  const extraOf = (known: Set<string>) => Object.fromEntries(Object.entries(json).filter(([key]) => !known.has(key)));

  if (version === undefined || (typeof version === 'string' && /^1(\.\d+)*$/.test(version))) {
    const result = seedFileSchema.safeParse(json);
    if (!result.success) throw new BadHistoryFileError(`fails the schema: ${describeIssues(result.error)}`);
    return { format: 'seed', file: result.data, extra: extraOf(SEED_KEYS) };
  }
  if (version !== HISTORY_FILE_VERSION) {
    // A later 2.x may carry fields this companion would drop when it rewrites the file: refused untouched
    // like a later major, not moved aside as damaged (it was, and the older backup loaded in its place).
    if (isNewerVersion(version)) {
      throw new StoreError(
        `The history file has version ${String(version)}, newer than this companion reads (${HISTORY_FILE_VERSION}); update the companion`,
        'NEWER_HISTORY_FILE',
      );
    }
    throw new BadHistoryFileError(`fails the schema: unknown version ${JSON.stringify(version)}`);
  }
  const result = historyFileSchema.safeParse(json);
  if (!result.success) throw new BadHistoryFileError(`fails the schema: ${describeIssues(result.error)}`);
  const file = result.data;
  const records: SyncedJob[] = [];
  const setAside: SetAside[] = [];
  const take = (list: unknown[], where: string, deleted: boolean) =>
    list.forEach((record, i) => {
      const parsed = storedJobSchema.safeParse(record);
      const tooLarge = parsed.success ? recordTooLarge(parsed.data) : null;
      if (parsed.success && !tooLarge) records.push(deleted ? { ...parsed.data, deleted: true } : parsed.data);
      else {
        const reason = parsed.success ? `the record ${tooLarge}` : describeIssues(parsed.error);
        setAside.push({ where: `${where}[${i}]`, reason, record });
      }
    });
  take(file.jobs, 'jobs', false);
  take(file.tombstones, 'tombstones', true);
  const taken = takeRecords(file.records);
  const others = taken.others;
  setAside.push(...taken.setAside);
  return {
    format: 'v2',
    records,
    entries: [],
    others,
    setAside,
    lastJobId: Number.isSafeInteger(file.lastJobId) ? file.lastJobId : 0,
    savedAt: file.savedAt,
    serverId: file.serverId ?? null,
    seq: file.seq,
    extra: extraOf(KNOWN_KEYS),
  };
}

/** The records that are not jobs, each checked on its own (there are few: boards, the queue). */
function takeRecords(list: readonly unknown[]): { others: SyncedRecord[]; setAside: SetAside[] } {
  const others: SyncedRecord[] = [];
  const setAside: SetAside[] = [];
  list.forEach((record, i) => {
    const parsed = storedRecordSchema.safeParse(record);
    if (parsed.success) others.push(parsed.data as SyncedRecord);
    else setAside.push({ where: `records[${i}]`, reason: describeIssues(parsed.error), record });
  });
  return { others, setAside };
}

/** A file this companion wrote and nobody changed since, read by its lines; null for any other shape. */
function parseTrustedFile(bytes: Uint8Array, index: StartIndex | null): ParsedHistoryFile | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  // An index that does not agree with the lines is only a lost shortcut: the lines are read themselves.
  const layout = (index && readTrustedLayout(text, index)) || readTrustedLayout(text);
  const frame = layout && historyFileSchema.safeParse(layout.frame);
  if (!layout || !frame?.success) return null;
  const file = frame.data;
  const { others, setAside } = takeRecords(layout.records);
  return {
    format: 'v2',
    records: [],
    entries: layout.entries,
    others,
    setAside,
    lastJobId: Number.isSafeInteger(file.lastJobId) ? file.lastJobId : 0,
    savedAt: file.savedAt,
    serverId: file.serverId ?? null,
    seq: file.seq,
    extra: Object.fromEntries(Object.entries(layout.frame).filter(([key]) => !KNOWN_KEYS.has(key))),
  };
}

/**
 * Converts a seed file's jobs in file order, numbering them 1..N. Jobs the seed left queued or running can
 * never finish now, so they become errors; clashing ids get a `.dupN` suffix so every job loads; a job that
 * cannot be converted is set aside with its reason.
 */
export function convertSeedFile(
  file: SeedFile,
  putImage: PutImage,
): { records: SyncedJob[]; setAside: SetAside[]; lastJobId: number } {
  // Deterministic, so loading the same file twice gives the same versions.
  const savedAt = file.savedAt ? Date.parse(file.savedAt) : Number.NaN;
  const now = Number.isNaN(savedAt) || savedAt < 0 ? 0 : savedAt;
  const used = new Set<string>();
  const records: SyncedJob[] = [];
  const setAside: SetAside[] = [];
  file.jobs.forEach((raw, index) => {
    let job: Job;
    try {
      job = fromSeedJob(raw, putImage, now);
    } catch (error) {
      const reason = error instanceof z.ZodError ? describeIssues(error) : String(error);
      setAside.push({ where: `jobs[${index}]`, reason, record: raw });
      return;
    }
    job = { ...job, id: uniqueId(job.id, used) };
    used.add(job.id);
    if (job.status === 'running') job = { ...job, status: 'error', error: INTERRUPTED_WHILE_RUNNING };
    else if (job.status === 'queued') job = { ...job, status: 'error', error: INTERRUPTED_BEFORE_RUNNING };
    records.push({ ...job, seq: records.length + 1 });
  });
  const lastJobId = file.lastJobId ?? 0;
  return { records, setAside, lastJobId: Number.isSafeInteger(lastJobId) ? lastJobId : 0 };
}

/** `id`, or `id.dupN` with the first N that is free: two jobs that share an id are both kept. */
export function uniqueId(id: string, taken: { has(id: string): boolean }): string {
  if (!taken.has(id)) return id;
  let n = 2;
  while (taken.has(`${id.slice(0, 118)}.dup${n}`)) n++;
  return `${id.slice(0, 118)}.dup${n}`;
}
