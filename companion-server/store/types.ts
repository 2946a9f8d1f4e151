import type { Clock, Job, SyncedJob, SyncedRecord, SyncRecord } from '../../utils/domain';
import type { DatedSnapshots } from './dated-snapshots';
import type { HistoryView } from './history-state';
import type { Plan } from './plans';

/** Outcome of merging one incoming version (see utils/domain/merge.ts for the rule). */
export interface MergeResult {
  id: string;
  /** applied: the companion's version changed (in its job-wide fields, its organising fields, or both). */
  outcome: 'applied' | 'ignored';
  /** The incoming job-wide fields won (a new status to act on); false when only organising fields changed. */
  baseApplied: boolean;
  /** The companion's version after the merge. */
  job: SyncedJob;
}

/** Outcome of merging one incoming record that is not a job. */
export interface RecordMergeResult {
  kind: string;
  id: string;
  outcome: 'applied' | 'ignored';
  record: SyncedRecord;
}

/** What a plan may read: current versions, and which jobs are live. */
export interface PlanView extends HistoryView {
  liveIds(): string[];
  /** The current version of a record that is not a job. */
  record(kind: string, id: string): SyncedRecord | undefined;
}

/**
 * The one owner of the data dir. Every change is one durable step: its versions are written to the journal
 * (fsync'd) and only then applied in memory and answered. A refused change (disk full, permission denied, an
 * invalid job) applies nothing, in memory or on disk.
 */
export interface JobStore {
  /** Random id minted with the data; changes when the history file is replaced or started fresh. */
  readonly serverId: string;
  /** Highest sequence number handed out. */
  readonly lastSeq: number;
  /** The seed's counter, kept for seed clients. */
  readonly lastJobId: number;
  /** ISO time of the last durable change, or null before the first. */
  readonly savedAt: string | null;
  /** Absolute path of job_history.json. */
  readonly filePath: string;
  /** Live jobs held. */
  readonly liveCount: number;
  /** This companion's clock: every version made here (runner, routes, store) is stamped with it. */
  readonly clock: Clock;
  /** Dated copies of the history (dated-snapshots.ts); null for a store kept in memory. */
  readonly snapshots: DatedSnapshots | null;
  /** This data dir's device-sync id (device-sync-state.ts), or null: jobs naming another device are not run here. */
  readonly device?: string | null;

  get(id: string): SyncedJob | undefined;
  /** Live jobs (no tombstones), oldest first as the seed kept them. Parses every job: for rare callers. */
  list(): SyncedJob[];
  /**
   * Live job ids with their status (and whether they are in the trash) and the images they point at, oldest
   * first, without parsing them; only those in one of `statuses`, when given (the runner's few at a start).
   */
  liveIndex(statuses?: readonly Job['status'][]): {
    id: string;
    seq: number;
    createdAt: number;
    status: Job['status'];
    trashed: boolean;
    images: readonly string[];
  }[];
  /** Everything changed after `since`, tombstones included, in sequence order (`limit` counts jobs and records). */
  changesSince(
    since: number,
    limit: number,
  ): { changes: SyncedJob[]; records: SyncedRecord[]; lastSeq: number; hasMore: boolean };
  /**
   * The same as JSON lines, ready to send, in the shapes of sync version `v` (default the current one; version 1
   * clients get jobs without organising fields, `cancelled` as an error, and no records).
   */
  changeLines(
    since: number,
    limit: number,
    v?: number,
  ): { lines: string[]; records: string[]; lastSeq: number; hasMore: boolean };
  /** The current version of a record that is not a job (a board, the queue). */
  getRecord(kind: string, id: string): SyncedRecord | undefined;
  /** Every record of this kind, deleted ones too. */
  listRecords(kind: string): SyncedRecord[];

  /** Writes this version (the runner's and routes' own updates), stamped to win; a stale copy is refused. */
  put(job: Job): Promise<SyncedJob>;
  /** Merge of versions from a client (merge.ts mergeJobs); only versions that change something get a new seq. */
  merge(jobs: Job[]): Promise<MergeResult[]>;
  /** The same for records that are not jobs (records.ts mergeRecords). */
  mergeRecords(records: SyncRecord[]): Promise<RecordMergeResult[]>;
  /** Seed `/save-jobs`: the given list becomes the history; jobs not in it become tombstones. */
  replaceAll(jobs: Job[], lastJobId: number): Promise<{ fileSize: number }>;
  /** Tombstones every live job (the file's backup keeps the history as it was). */
  clear(): Promise<number>;
  /** Purges these jobs from the trash (those not in it are left alone); returns the ids purged. */
  purge(ids: readonly string[]): Promise<string[]>;
  /** Purges every job that went to the trash before `time` (the 30-day rule); returns the ids purged. */
  purgeTrashedBefore(time: number): Promise<string[]>;
  /** Any change as one durable step: `plan` reads the current versions and says what to write. */
  commit<T>(plan: (view: PlanView) => Plan<T>): Promise<T>;

  /** Stores PNG bytes under their sha-256 (atomic, durable); returns the hash. */
  putImage(bytes: Uint8Array): Promise<string>;
  hasImage(hash: string): boolean;
  /** The bytes, checked against their hash; null when missing or damaged. */
  readImage(hash: string): Promise<Uint8Array | null>;
  /** Images found missing or damaged when asked for, which a client holding them should upload again. */
  lostImages(limit: number): string[];
  /**
   * Keeps `hash` from being freed until the returned function is called: for a caller holding an image that a
   * job it has yet to write points at (a paid result waiting for the disk).
   */
  pinImage(hash: string): () => void;
  /**
   * Frees the files of images that only jobs purged from the trash pointed at (image-gc.ts); returns their hashes.
   * It also runs by itself a while after such a purge.
   */
  collectImages(): Promise<string[]>;

  /** Size in bytes of job_history.json as last written. */
  fileSize(): number;
  /** Resolves when every change asked for so far is settled (durable, or refused). */
  flush(): Promise<void>;
  /** Folds the journal into job_history.json now (it happens by itself a few seconds after changes). */
  compact(): Promise<void>;
  /** Settles pending changes, writes job_history.json, then refuses further changes. */
  close(): Promise<void>;
}
