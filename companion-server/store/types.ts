import type { Clock, Job, SyncedJob } from '../../utils/domain';

/** Outcome of merging one incoming version (see utils/domain/merge.ts for the rule). */
export interface MergeResult {
  id: string;
  outcome: 'applied' | 'ignored';
  /** The companion's version after the merge. */
  job: SyncedJob;
}

/**
 * The one owner of the data dir. Every mutating method resolves only once the change is
 * durable on disk (file fsynced and renamed, directory fsynced), so callers may acknowledge it.
 */
export interface JobStore {
  /** Random id minted with the data; changes when the history file is replaced or started fresh. */
  readonly serverId: string;
  /** Highest sequence number handed out. */
  readonly lastSeq: number;
  /** The seed's counter, kept for seed clients. */
  readonly lastJobId: number;
  /** ISO time of the last durable save, or null before the first. */
  readonly savedAt: string | null;
  /** Absolute path of job_history.json. */
  readonly filePath: string;
  /** This companion's clock: every version made here (runner, routes, store) is stamped with it. */
  readonly clock: Clock;

  get(id: string): SyncedJob | undefined;
  /** Live jobs (no tombstones), oldest first as the seed kept them. */
  list(): SyncedJob[];
  /** Everything changed after `since`, tombstones included, in sequence order. */
  changesSince(since: number, limit: number): { changes: SyncedJob[]; lastSeq: number; hasMore: boolean };

  /** Writes this version unconditionally (the runner's own updates); assigns the next seq. */
  put(job: Job): Promise<SyncedJob>;
  /** Last-writer-wins merge of versions from a client; only winners get a new seq. */
  merge(jobs: Job[]): Promise<MergeResult[]>;
  /** Seed `/save-jobs`: the given list becomes the history; jobs not in it become tombstones. */
  replaceAll(jobs: Job[], lastJobId: number): Promise<{ fileSize: number }>;
  /** Tombstones every live job (the previous file stays as the backup). */
  clear(): Promise<number>;

  /** Stores PNG bytes under their sha-256 (atomic, durable); returns the hash. */
  putImage(bytes: Uint8Array): Promise<string>;
  hasImage(hash: string): boolean;
  readImage(hash: string): Promise<Uint8Array | null>;

  /** Size in bytes of job_history.json as last written. */
  fileSize(): number;
  /** Resolves when every pending write is on disk. */
  flush(): Promise<void>;
  /** Flushes, then refuses further writes. */
  close(): Promise<void>;
}
