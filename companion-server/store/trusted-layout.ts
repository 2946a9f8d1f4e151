import { type JobStatus, jobStatusSchema } from '../../utils/domain';
import { type HistoryEntry, indexFieldsOf } from './history-state';
import { indexReader, type StartIndex } from './start-index';

/**
 * job_history.json as this companion writes it (history-file.ts `historyFileChunks`), read line by line:
 * each job's line is taken as it is, and parsed only for the fields the index needs. Used only for a file the
 * companion wrote itself and nobody changed since (trusted-file.ts): a start at 100,000 jobs then neither
 * validates nor serializes 100,000 records again, and never holds the whole file as one parsed tree.
 * Any other shape answers null, and the caller reads the file the careful way. With the start index written
 * beside the file (start-index.ts), the lines are not parsed at all: their fields come from the index.
 */
export interface TrustedLayout {
  entries: HistoryEntry[];
  /** The lines of the `records` block (boards, the queue: records.ts), parsed but not yet checked. */
  records: unknown[];
  /** The top-level fields besides `jobs` and `tombstones`, parsed (`lastJobId`, `seq`, unknown ones...). */
  frame: Record<string, unknown>;
}

const JOB_INDENT = '    ';

export function readTrustedLayout(text: string, index?: StartIndex | null): TrustedLayout | null {
  if (!text.startsWith('{\n') || !text.endsWith('\n}\n')) return null;
  // Read with a cursor, not split: 100,000 lines are sliced once each, with no array of them in between.
  let at = 2;
  const entries: HistoryEntry[] = [];
  /** Whether the line starting at `from` is exactly `line`. */
  const is = (from: number, line: string) => text.startsWith(line, from) && text.charCodeAt(from + line.length) === 10;
  const endOf = (from: number) => {
    const end = text.indexOf('\n', from);
    return end < 0 ? text.length : end;
  };

  /** The block opened on the current line (`  "<key>": [` or `  "<key>": []` plus `suffix`); false when it is not one. */
  const block = (key: string, suffix: string, take: (json: string) => boolean): boolean => {
    const open = `  "${key}": [`;
    const close = `  ]${suffix}`;
    if (is(at, `${open}]${suffix}`)) {
      at += open.length + suffix.length + 2;
      return true;
    }
    if (!is(at, open)) return false;
    at += open.length + 1;
    for (;;) {
      if (at >= text.length) return false;
      if (is(at, close)) {
        at += close.length + 1;
        return true;
      }
      if (!text.startsWith(JOB_INDENT, at)) return false;
      const end = endOf(at);
      const last = is(end + 1, close);
      if (!last && text.charCodeAt(end - 1) !== 44) return false;
      if (!take(text.slice(at + JOB_INDENT.length, last ? end : end - 1))) return false;
      at = end + 1;
    }
  };

  const reader = index ? indexReader(index) : null;
  const job = (deleted: boolean) => (json: string) => {
    const entry = reader ? reader.entryAt(entries.length, json, deleted) : entryOf(json, deleted);
    if (entry) entries.push(entry);
    return entry !== null;
  };
  const records: unknown[] = [];
  const record = (json: string) => {
    try {
      records.push(JSON.parse(json));
      return true;
    } catch {
      return false;
    }
  };

  if (!block('jobs', ',', job(false))) return null;
  const meta: string[] = [];
  while (at < text.length && !text.startsWith('  "tombstones": ', at)) {
    const end = endOf(at);
    meta.push(text.slice(at, end));
    at = end + 1;
  }
  // A history with boards or a queue ends with its `records` block (history-file.ts `historyFileChunks`).
  const withRecords = text.lastIndexOf('\n  "records": [\n') + 1 > at;
  const ended = withRecords
    ? block('tombstones', ',', job(true)) && block('records', '', record)
    : block('tombstones', '', job(true));
  if (!ended || at !== text.length - 2 || (reader && !reader.complete(entries.length))) return null;
  let frame: unknown;
  try {
    // Each meta line ends with a comma, as the writer puts it.
    frame = JSON.parse(`{${meta.join('\n')}"jobs":[],"tombstones":[]}`);
  } catch {
    return null;
  }
  if (!frame || typeof frame !== 'object' || Array.isArray(frame)) return null;
  return { entries, records, frame: frame as Record<string, unknown> };
}

function entryOf(line: string, deleted: boolean): HistoryEntry | null {
  if (!line.startsWith('{') || !line.endsWith('}')) return null;
  let job: Record<string, unknown>;
  try {
    // A C++ parse of the line and its short-lived tree: a field reader written in JS was slower (300 ms vs 110 ms).
    job = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { id, seq, status, createdAt } = job;
  if (typeof id !== 'string' || typeof seq !== 'number' || typeof status !== 'string') return null;
  if (typeof createdAt !== 'number' || (job.deleted === true) !== deleted) return null;
  return {
    id,
    seq,
    line,
    deleted,
    // One string per status for every entry, not a copy each.
    status: STATUSES.get(status) ?? (status as JobStatus),
    createdAt,
    ...indexFieldsOf(job),
  };
}

const STATUSES = new Map<string, JobStatus>(jobStatusSchema.options.map((status) => [status, status]));
