import type { z } from 'zod';
import {
  hasOrganising,
  type Job,
  jobSchema,
  recordKey,
  recordTooLarge,
  type SyncedJob,
  type SyncedRecord,
  type SyncRecord,
  syncedJobSchema,
  syncRecordSchema,
} from '../../utils/domain';
import type { HistoryEntry, RecordEntry } from './history-state';
import { StoreError } from './store-error';

/** The lines the history holds: each record validated once, serialized once, with what the index needs of it. */

/**
 * What the index keeps of a job besides its line (also read from a trusted file's lines: trusted-layout.ts);
 * only what differs from a plain job, so a plain job's entry is as it was before these.
 */
export function indexFieldsOf(job: Partial<Job>): Pick<HistoryEntry, 'images' | 'trashed' | 'modern'> {
  const out: { images?: string[]; trashed?: true; modern?: true } = {};
  // Exactly sized (filter reserves room for 16): 100,000 of these are held for the life of the companion.
  const image = typeof job.image === 'string' && job.image !== '' ? job.image : null;
  const source = job.rotate?.sourceImage;
  const sourceImage = typeof source === 'string' && source !== '' ? source : null;
  if (image && sourceImage) out.images = [image, sourceImage];
  else if (image || sourceImage) out.images = [(image ?? sourceImage)!];
  if (job.trashedAt !== undefined && job.trashedAt !== null) out.trashed = true;
  if (job.status === 'cancelled' || hasOrganising(job)) out.modern = true;
  return out;
}

export function toEntry(job: Job, seq: number): HistoryEntry {
  return {
    id: job.id,
    seq,
    line: JSON.stringify(withSeq(job, seq)),
    deleted: job.deleted,
    status: job.status,
    createdAt: job.createdAt,
    ...indexFieldsOf(job),
  };
}

export function toRecordEntry(record: SyncRecord, seq: number): RecordEntry {
  const { seq: _seq, ...fields } = record as SyncedRecord;
  return {
    key: recordKey(record),
    kind: record.kind,
    id: record.id,
    seq,
    line: JSON.stringify({ ...fields, seq }),
    deleted: record.deleted,
  };
}

/** Validates a record that is not a job; one that fails would make the file fail on the next start. */
export function parseRecord(input: unknown): SyncRecord {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new StoreError('Invalid record: expected an object', 'INVALID_JOB');
  }
  const { seq: _seq, ...fields } = input as Record<string, unknown>;
  const result = syncRecordSchema.safeParse(fields);
  if (result.success) return result.data;
  throw new StoreError(
    `Invalid ${String(fields.kind ?? 'record')} record: ${describeIssues(result.error)}`,
    'INVALID_JOB',
    {
      cause: result.error,
    },
  );
}

const SCHEMA_KEYS = Object.keys(syncedJobSchema.shape);

/** The record with `seq`, keys in the schema's order then unknown ones: what a reload produces, so lines stay stable. */
function withSeq(job: Job, seq: number): SyncedJob {
  const source: Record<string, unknown> = { ...job, seq };
  const out: Record<string, unknown> = Object.create(null); // so a "__proto__" field stays a field
  for (const key of SCHEMA_KEYS) if (key in source && source[key] !== undefined) out[key] = source[key];
  for (const key of Object.keys(source)) if (!(key in out) && source[key] !== undefined) out[key] = source[key];
  return out as SyncedJob;
}

/** Validates a job handed to the store; a record that fails here would make the file fail on the next start. */
export function parseJob(input: unknown): Job {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new StoreError('Invalid job: expected an object', 'INVALID_JOB');
  }
  const { seq: _seq, ...fields } = input as Record<string, unknown>;
  const result = jobSchema.safeParse(fields);
  if (result.success) {
    const tooLarge = recordTooLarge(result.data);
    if (!tooLarge) return result.data;
    throw new StoreError(`Invalid job "${result.data.id}": it ${tooLarge}`, 'INVALID_JOB');
  }
  const id = typeof fields.id === 'string' ? ` "${fields.id.slice(0, 128)}"` : '';
  throw new StoreError(`Invalid job${id}: ${describeIssues(result.error)}`, 'INVALID_JOB', { cause: result.error });
}

/** "width: Too big: expected number to be <=4096 (and 2 more)". */
export function describeIssues(error: z.ZodError): string {
  const [first] = error.issues;
  if (!first) return 'invalid';
  const path = first.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${path ? `${path}: ` : ''}${first.message}${more}`;
}
