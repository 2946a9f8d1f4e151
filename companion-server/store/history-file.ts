import { z } from 'zod';
import {
  fromSeedJob,
  type Job,
  type PutImage,
  type SeedFile,
  type SyncedJob,
  seedFileSchema,
  syncedJobSchema,
} from '../../utils/domain';
import { describeIssues, type HistoryEntry, MAX_SEQ } from './history-state';
import { StoreError } from './store-error';

/** The format of job_history.json (README.md in this folder). Pure: bytes in, records out. */
export const HISTORY_FILE_VERSION = '2.0';

export const INTERRUPTED_WHILE_RUNNING = 'Interrupted: the companion stopped while this job was running';
export const INTERRUPTED_BEFORE_RUNNING = 'Interrupted: the companion stopped before this job ran';

const TOO_BIG_SEQ = `is above ${MAX_SEQ} (2^52), the largest sequence number the companion hands out`;

/** A stored record: its seq is bounded, so the next number after any loaded one is still exact. */
const storedJobSchema = syncedJobSchema.extend({ seq: z.number().int().positive().max(MAX_SEQ, TOO_BIG_SEQ) });

export const historyFileSchema = z.looseObject({
  jobs: z.array(storedJobSchema),
  lastJobId: z.number().int().nonnegative().default(0),
  savedAt: z.string().nullable().default(null),
  version: z.literal(HISTORY_FILE_VERSION),
  /** Optional so a hand-made file loads; one is derived from the content until the first write. */
  serverId: z.string().min(1).max(200).optional(),
  seq: z.number().int().nonnegative().max(MAX_SEQ, TOO_BIG_SEQ).default(0),
  tombstones: z.array(storedJobSchema).default([]),
});

const KNOWN_KEYS = new Set(['jobs', 'lastJobId', 'savedAt', 'version', 'serverId', 'seq', 'tombstones']);

export interface HistoryFileMeta {
  lastJobId: number;
  savedAt: string;
  serverId: string;
  seq: number;
  /** Top-level fields this version does not know, kept as found. */
  extra: Record<string, unknown>;
}

export type ParsedHistoryFile =
  | {
      format: 'v2';
      records: SyncedJob[];
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

/**
 * One compact job per line, live jobs under `jobs` and deletes under `tombstones`, both in seq order.
 * Lines come from the entries' cache, so a change to one job costs one job's serialization plus a join.
 */
export function serializeHistoryFile(meta: HistoryFileMeta, entries: Iterable<HistoryEntry>): string {
  const live: string[] = [];
  const dead: string[] = [];
  for (const { job, line } of entries) (job.deleted ? dead : live).push(line);
  const extra = Object.entries(meta.extra)
    .filter(([key]) => !KNOWN_KEYS.has(key))
    .map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},\n`)
    .join('');
  return (
    '{\n' +
    `  "jobs": ${block(live)},\n` +
    `  "lastJobId": ${meta.lastJobId},\n` +
    `  "savedAt": ${JSON.stringify(meta.savedAt)},\n` +
    `  "version": ${JSON.stringify(HISTORY_FILE_VERSION)},\n` +
    `  "serverId": ${JSON.stringify(meta.serverId)},\n` +
    `  "seq": ${meta.seq},\n` +
    extra +
    `  "tombstones": ${block(dead)}\n` +
    '}\n'
  );
}

function block(lines: string[]): string {
  return lines.length === 0 ? '[]' : `[\n    ${lines.join(',\n    ')}\n  ]`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads either format; throws BadHistoryFileError for anything that is not a usable file. */
export function parseHistoryFile(bytes: Uint8Array): ParsedHistoryFile {
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
  const version = (json as { version?: unknown }).version;
  const extraOf = (known: Set<string>) =>
    Object.fromEntries(Object.entries(json as object).filter(([key]) => !known.has(key)));

  if (version === undefined || (typeof version === 'string' && /^1(\.\d+)*$/.test(version))) {
    const result = seedFileSchema.safeParse(json);
    if (!result.success) throw new BadHistoryFileError(`fails the schema: ${describeIssues(result.error)}`);
    return { format: 'seed', file: result.data, extra: extraOf(SEED_KEYS) };
  }
  if (version !== HISTORY_FILE_VERSION) {
    const major = typeof version === 'string' ? Number.parseInt(version, 10) : Number.NaN;
    if (major > 2) {
      throw new StoreError(
        `The history file has version ${version}, newer than this companion reads (${HISTORY_FILE_VERSION}); update the companion`,
        'NEWER_HISTORY_FILE',
      );
    }
    throw new BadHistoryFileError(`fails the schema: unknown version ${JSON.stringify(version)}`);
  }
  const result = historyFileSchema.safeParse(json);
  if (!result.success) throw new BadHistoryFileError(`fails the schema: ${describeIssues(result.error)}`);
  const file = result.data;
  return {
    format: 'v2',
    records: [...file.jobs, ...file.tombstones.map((job) => ({ ...job, deleted: true }))],
    lastJobId: file.lastJobId,
    savedAt: file.savedAt,
    serverId: file.serverId ?? null,
    seq: file.seq,
    extra: extraOf(KNOWN_KEYS),
  };
}

const SEED_KEYS = new Set(['jobs', 'lastJobId', 'savedAt', 'version']);

/**
 * Converts a seed file's jobs in file order, numbering them 1..N. Jobs the seed left queued or
 * running can never finish now, so they become errors; clashing ids get a `.dupN` suffix so
 * every job loads.
 */
export function convertSeedFile(file: SeedFile, putImage: PutImage): { records: SyncedJob[]; lastJobId: number } {
  // Deterministic, so loading the same file twice gives the same versions.
  const savedAt = file.savedAt ? Date.parse(file.savedAt) : Number.NaN;
  const now = Number.isNaN(savedAt) || savedAt < 0 ? 0 : savedAt;
  const used = new Set<string>();
  const records: SyncedJob[] = [];
  file.jobs.forEach((raw, index) => {
    let job: Job;
    try {
      job = fromSeedJob(raw, putImage, now);
    } catch (error) {
      const detail = error instanceof z.ZodError ? describeIssues(error) : String(error);
      throw new BadHistoryFileError(`fails the schema: jobs[${index}] cannot be converted (${detail})`);
    }
    if (used.has(job.id)) {
      let n = 2;
      while (used.has(`${job.id.slice(0, 118)}.dup${n}`)) n++;
      job = { ...job, id: `${job.id.slice(0, 118)}.dup${n}` };
    }
    used.add(job.id);
    if (job.status === 'running') job = { ...job, status: 'error', error: INTERRUPTED_WHILE_RUNNING };
    else if (job.status === 'queued') job = { ...job, status: 'error', error: INTERRUPTED_BEFORE_RUNNING };
    records.push({ ...job, seq: records.length + 1 });
  });
  return { records, lastJobId: file.lastJobId ?? 0 };
}
