import type { Clock, Job, SyncedJob } from '../../utils/domain';
import type { DatedSnapshots } from './dated-snapshots';
import type { HistoryView } from './history-state';
import type { Plan } from './plans';

/** Outcome of merging one incoming version (see utils/domain/merge.ts for the rule). */
export interface MergeResult {
  id: string;
  outcome: 'applied' | 'ignored';
  /** The companion's version after the merge. */
  job: SyncedJob;
}

/** What a plan may read: current versions, and which jobs are live. */
export interface PlanView extends HistoryView {
  liveIds(): string[];
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

  get(id: string): SyncedJob | undefined;
  /** Live jobs (no tombstones), oldest first as the seed kept them. Parses every job: for rare callers. */
  list(): SyncedJob[];
  /** Live job ids with their status, oldest first, without parsing them. */
  liveIndex(): { id: string; status: Job['status'] }[];
  /** Everything changed after `since`, tombstones included, in sequence order. */
  changesSince(since: number, limit: number): { changes: SyncedJob[]; lastSeq: number; hasMore: boolean };
  /** The same as JSON lines, ready to send. */
  changeLines(since: number, limit: number): { lines: string[]; lastSeq: number; hasMore: boolean };

  /** Writes this version (the runner's and routes' own updates), stamped to win; a stale copy is refused. */
  put(job: Job): Promise<SyncedJob>;
  /** Merge of versions from a client by the order of merge.ts; only winners get a new seq. */
  merge(jobs: Job[]): Promise<MergeResult[]>;
  /** Seed `/save-jobs`: the given list becomes the history; jobs not in it become tombstones. */
  replaceAll(jobs: Job[], lastJobId: number): Promise<{ fileSize: number }>;
  /** Tombstones every live job (the file's backup keeps the history as it was). */
  clear(): Promise<number>;
  /** Any change as one durable step: `plan` reads the current versions and says what to write. */
  commit<T>(plan: (view: PlanView) => Plan<T>): Promise<T>;

  /** Stores PNG bytes under their sha-256 (atomic, durable); returns the hash. */
  putImage(bytes: Uint8Array): Promise<string>;
  hasImage(hash: string): boolean;
  /** The bytes, checked against their hash; null when missing or damaged. */
  readImage(hash: string): Promise<Uint8Array | null>;
  /** Images found missing or damaged when asked for, which a client holding them should upload again. */
  lostImages(limit: number): string[];

  /** Size in bytes of job_history.json as last written. */
  fileSize(): number;
  /** Resolves when every change asked for so far is settled (durable, or refused). */
  flush(): Promise<void>;
  /** Folds the journal into job_history.json now (it happens by itself a few seconds after changes). */
  compact(): Promise<void>;
  /** Settles pending changes, writes job_history.json, then refuses further changes. */
  close(): Promise<void>;
}
