import type { JobStatus, SyncedJob, SyncedRecord } from '../../utils/domain';
import type { HistoryEntry, HistoryView, PreparedRecord, PreparedSyncRecord, RecordEntry } from './history-state';

/** What the history in memory (history-state.ts) answers and takes. */

export interface HistoryState extends HistoryView {
  /** Highest sequence number applied. */
  readonly lastSeq: number;
  readonly lastJobId: number;
  /** Records held, tombstones included. */
  readonly size: number;
  /** Live jobs held. */
  readonly liveCount: number;
  /** UTF-8 bytes of every record's line: what the file's records weigh. */
  readonly lineBytes: number;

  entry(id: string): HistoryEntry | undefined;
  /** Live jobs, oldest first (createdAt, then id in natural order). Parses every live job: for rare callers. */
  list(): SyncedJob[];
  /** Live entries (only those in one of `statuses`, when given), oldest first, without parsing them. */
  liveEntries(statuses?: readonly JobStatus[]): HistoryEntry[];
  /** Every record in seq order. */
  entries(): IterableIterator<HistoryEntry>;
  /** Everything changed after `since` (jobs, tombstones and other records; `limit` in all), in seq order. */
  changesSince(since: number, limit: number): ChangePage;

  /** The record of this kind and id (deleted ones too). */
  record(kind: string, id: string): SyncedRecord | undefined;
  /** Every record held (deleted ones too), in seq order. */
  recordEntries(): IterableIterator<RecordEntry>;
  /** Live jobs that point at this image. */
  imageRefs(hash: string): number;
  /** Images of jobs purged from the trash, which may now be unused: what image-gc.ts looks at. */
  purgedImages(): ReadonlySet<string>;
  /** Done with these: image-gc.ts freed them, or a live job uses them again. */
  forgetPurged(hashes: Iterable<string>): void;

  /** Validates `versions` and numbers them from lastSeq + 1 + `offset`; changes nothing. Throws StoreError. */
  prepare(versions: readonly unknown[], offset?: number): PreparedRecord[];
  /** The same for records that are not jobs. */
  prepareRecords(records: readonly unknown[], offset?: number): PreparedSyncRecord[];
  /** Stores prepared records (in seq order, above lastSeq) and raises lastJobId to at least `lastJobId`. */
  apply(records: readonly PreparedRecord[], lastJobId?: number, others?: readonly PreparedSyncRecord[]): void;
  /** Loads records written earlier with their own seqs (the journal), those above lastSeq, in seq order. */
  replay(records: readonly SyncedJob[], lastJobId?: number, others?: readonly SyncedRecord[]): void;
}

export interface ChangePage {
  entries: HistoryEntry[];
  records: RecordEntry[];
  lastSeq: number;
  hasMore: boolean;
}
