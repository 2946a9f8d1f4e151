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
  const lines = text.split('\n');
  if (lines[0] !== '{' || lines.at(-1) !== '' || lines.at(-2) !== '}') return null;
  let i = 1;
  const entries: HistoryEntry[] = [];

  /** The block opened on line i (`  "<key>": [` or `  "<key>": []` plus `suffix`); false when it is not one. */
  const block = (key: string, suffix: string, take: (json: string) => boolean): boolean => {
    const open = `  "${key}": [`;
    if (lines[i] === `${open}]${suffix}`) {
      i++;
      return true;
    }
    if (lines[i] !== open) return false;
    i++;
    for (;;) {
      const line = lines[i];
      if (line === undefined) return false;
      if (line === `  ]${suffix}`) {
        i++;
        return true;
      }
      if (!line.startsWith(JOB_INDENT)) return false;
      const next = lines[i + 1];
      const last = next === `  ]${suffix}`;
      const json = last ? line.slice(JOB_INDENT.length) : line.endsWith(',') ? line.slice(JOB_INDENT.length, -1) : null;
      if (json === null || !take(json)) return false;
      i++;
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
  while (i < lines.length && !lines[i]!.startsWith('  "tombstones": ')) meta.push(lines[i++]!);
  // A history with boards or a queue ends with its `records` block (history-file.ts `historyFileChunks`).
  const withRecords = lines.lastIndexOf('  "records": [') > i;
  const ended = withRecords
    ? block('tombstones', ',', job(true)) && block('records', '', record)
    : block('tombstones', '', job(true));
  if (!ended || i !== lines.length - 2 || (reader && !reader.complete(entries.length))) return null;
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
