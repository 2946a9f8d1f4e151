import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { type SyncedJob, type SyncedRecord, syncedJobSchema } from '../../utils/domain';
import type { FileOps } from './file-ops';
import type { FileHandle } from './fs-seam';
import { storedRecordSchema } from './history-file';
import type { PreparedRecord, PreparedSyncRecord } from './history-state';
import { type RetryOptions, withRetries } from './retries';
import { fsFailure } from './store-error';

/**
 * The write path of the history (DESIGN.md "At 100k jobs"): every accepted change is appended to a journal
 * beside job_history.json as one fsync'd line, and acknowledged only after that, so a change costs its own
 * bytes whatever the size of the history. The compactor folds the journal into job_history.json.
 *
 * Files: `job_history.json.journal.<n>` segments, appended in order. One line per batch of changes:
 *   {"v":1,"dev":"<clock node>","from":12,"to":14,"lastJobId":7,"jobs":[<job line>,...],"records":[...],"sum":"<crc32>"}
 * The records are the job lines of the file, with their seq: the same records a sync target will hold.
 * `records` (boards, the queue: records.ts) is there only when the batch changed some.
 * `sum` is the crc32 of the line without it, so a torn or damaged line is known and skipped.
 */
export const JOURNAL_PREFIX = 'job_history.json.journal.';
const SEGMENT = /^job_history\.json\.journal\.(\d{6,})$/;
const SUM_MARK = ',"sum":"';

export const journalBatchSchema = z.object({
  v: z.literal(1),
  dev: z.string().max(64),
  from: z.number().int().positive(),
  to: z.number().int().positive(),
  lastJobId: z.number().int().nonnegative().optional(),
  jobs: z.array(syncedJobSchema),
  records: z.array(storedRecordSchema).optional(),
});
export type JournalBatch = z.infer<typeof journalBatchSchema>;

export interface Journal {
  /** Appends one batch; durable when it resolves. A failed append leaves nothing of itself behind. */
  append(records: readonly PreparedRecord[], lastJobId?: number, others?: readonly PreparedSyncRecord[]): Promise<void>;
  /** Later appends go to a new segment; returns every segment written so far (a snapshot now covers them). */
  rotate(): Promise<string[]>;
  /** Removes segments a durable snapshot covers. */
  drop(segments: readonly string[]): Promise<void>;
  /** Bytes appended since the last rotate. */
  readonly pendingBytes: number;
  close(): Promise<void>;
}

export function formatBatch(
  dev: string,
  records: readonly PreparedRecord[],
  lastJobId?: number,
  others: readonly PreparedSyncRecord[] = [],
): string {
  const seqs = [...records, ...others].map((r) => r.seq);
  const head = `{"v":1,"dev":${JSON.stringify(dev)},"from":${Math.min(...seqs)},"to":${Math.max(...seqs)}`;
  const counter = lastJobId === undefined ? '' : `,"lastJobId":${lastJobId}`;
  const more = others.length > 0 ? `,"records":[${others.map((r) => r.line).join(',')}]` : '';
  const body = `${head}${counter},"jobs":[${records.map((r) => r.line).join(',')}]${more}`;
  return `${body}${SUM_MARK}${checksum(`${body}}`)}"}\n`;
}

function checksum(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}

/** A journal line back to its batch, or the reason it cannot be used. */
export function parseBatch(line: string): JournalBatch | string {
  const at = line.lastIndexOf(SUM_MARK);
  if (at < 0 || !line.endsWith('"}')) return 'it is incomplete (an interrupted write)';
  const body = `${line.slice(0, at)}}`;
  if (checksum(body) !== line.slice(at + SUM_MARK.length, -2)) return 'its checksum does not match (damaged)';
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'it is not valid JSON';
  }
  const parsed = journalBatchSchema.safeParse(json);
  if (!parsed.success) return `it fails the schema (${parsed.error.issues[0]?.message ?? 'invalid'})`;
  const { from, to, jobs } = parsed.data;
  const seqs = [...jobs, ...(parsed.data.records ?? [])].map((r) => r.seq);
  if (seqs.length === 0 || Math.min(...seqs) !== from || Math.max(...seqs) !== to)
    return 'its seq range does not match';
  return parsed.data;
}

export interface JournalReplay {
  /** Records of every usable batch with a seq above `after`, in seq order. */
  records: SyncedJob[];
  /** The same for records that are not jobs. */
  others: SyncedRecord[];
  lastJobId: number;
  /** Segment files found, oldest first. */
  segments: string[];
  /** Highest segment number found (the next one is above it). */
  lastSegment: number;
  /** Segments holding a damaged line that is not an interrupted last write: kept aside, never dropped. */
  damaged: string[];
}

/**
 * Reads every segment. A batch whose seq range starts at or below the end of the one before it was refused
 * (its append failed and could not be cut off) and is superseded by the later one that reused its numbers.
 */
export async function readJournal(io: FileOps, dir: string, after: number, log: (line: string) => void) {
  const names = (await io.list(dir))
    .map((name) => ({ name, n: Number(SEGMENT.exec(name)?.[1] ?? Number.NaN) }))
    .filter((s) => Number.isSafeInteger(s.n))
    .sort((a, b) => a.n - b.n);
  const chain: JournalBatch[] = [];
  const damaged: string[] = [];
  let lastJobId = 0;
  for (const [index, { name }] of names.entries()) {
    const bytes = await io.read(join(dir, name), `Could not read ${name}`);
    if (!bytes) continue;
    const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split('\n');
    const lastLine = lines.length - 1 - (lines.at(-1) === '' ? 1 : 0);
    lines.forEach((line, i) => {
      if (line === '') return;
      const batch = parseBatch(line);
      if (typeof batch === 'string') {
        const torn = index === names.length - 1 && i === lastLine;
        if (!torn) damaged.push(name);
        log(`${name} line ${i + 1} is skipped: ${batch}${torn ? '' : '; the segment is kept for inspection'}`);
        return;
      }
      while (chain.length > 0 && batch.from <= chain.at(-1)!.to) chain.pop();
      chain.push(batch);
    });
  }
  const records: SyncedJob[] = [];
  const others: SyncedRecord[] = [];
  for (const batch of chain) {
    if (batch.lastJobId !== undefined) lastJobId = Math.max(lastJobId, batch.lastJobId);
    for (const job of batch.jobs) if (job.seq > after) records.push(job);
    for (const record of batch.records ?? []) if (record.seq > after) others.push(record as SyncedRecord);
  }
  const replay: JournalReplay = {
    records,
    others,
    lastJobId,
    segments: names.map((s) => s.name),
    lastSegment: names.at(-1)?.n ?? 0,
    damaged: [...new Set(damaged)],
  };
  return replay;
}

export function createJournal(options: {
  io: FileOps;
  dir: string;
  dev: string;
  /** Segments already on disk (from readJournal), written before this process. */
  existing: readonly string[];
  lastSegment: number;
  retry?: RetryOptions;
}): Journal {
  const { io, dir } = options;
  let segmentNumber = options.lastSegment;
  let current: { name: string; handle: FileHandle; size: number } | null = null;
  const written = [...options.existing];
  let pendingBytes = 0;

  async function openSegment() {
    segmentNumber++;
    const name = `${JOURNAL_PREFIX}${String(segmentNumber).padStart(6, '0')}`;
    const handle = await io.fs.open(join(dir, name), 'a');
    try {
      // The new name must survive a crash before any record in it counts.
      await io.fs.fsyncDir(dir);
    } catch (error) {
      await io.fs.close(handle).catch(() => undefined);
      throw error;
    }
    written.push(name);
    current = { name, handle, size: 0 };
    return current;
  }

  async function closeCurrent() {
    const closing = current;
    current = null;
    if (closing) await io.fs.close(closing.handle).catch(() => undefined);
  }

  async function appendOnce(bytes: Uint8Array): Promise<void> {
    const segment = current ?? (await openSegment());
    try {
      await io.fs.write(segment.handle, bytes);
      await io.fs.fsync(segment.handle);
      segment.size += bytes.length;
    } catch (error) {
      // Cut the partial line off, so a refused change never comes back at the next start. If even that
      // fails, the segment is left for a new one; a later batch reusing these numbers supersedes it.
      try {
        await io.fs.truncate(segment.handle, segment.size);
        await io.fs.fsync(segment.handle);
      } catch {
        await closeCurrent();
      }
      throw error;
    }
  }

  return {
    async append(records, lastJobId, others = []) {
      if (records.length === 0 && others.length === 0) return;
      const bytes = Buffer.from(formatBatch(options.dev, records, lastJobId, others), 'utf8');
      try {
        await withRetries(() => appendOnce(bytes), options.retry);
      } catch (error) {
        throw fsFailure('Could not save the change to the journal', error);
      }
      pendingBytes += bytes.length;
    },
    async rotate() {
      await closeCurrent();
      pendingBytes = 0;
      return [...written];
    },
    async drop(segments) {
      for (const name of segments) {
        await io.remove(join(dir, name));
        const i = written.indexOf(name);
        if (i >= 0) written.splice(i, 1);
      }
    },
    get pendingBytes() {
      return pendingBytes;
    },
    close: closeCurrent,
  };
}
