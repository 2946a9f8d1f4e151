/**
 * Where devices meet (issue 22): a folder a sync client keeps in step, a WebDAV server, or an S3 bucket. Object
 * stores cannot append and WebDAV replaces whole files, so every file is written whole: a publish pass is a new
 * immutable object `devices/<id>/log-<n:9>.jsonl` (n: its first line), `head.json` is replaced whole, and images
 * are content-addressed and written once. A device writes and deletes only its own files, plus new images.
 * Encryption, when on, sits between the publisher/reader and the target: a target only ever sees the bytes it is
 * given. The target is untrusted storage: every read is bounded, and callers check what they read.
 */
export interface TargetFile {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface TargetImage {
  hash: string;
  size: number;
  mtimeMs: number;
}

/** A read: the bytes, null when the file is gone, 'too big' past the bound (never read whole). */
export type Bounded = Uint8Array | null | 'too big';

/** Files of the whole target, written once by whichever device comes first. */
export type SharedName = 'sync.json';
export const SHARED_NAMES: readonly SharedName[] = ['sync.json'];

/**
 * Opening a target writes nothing (a read-only device, or one waiting for its passphrase, leaves no trace): the
 * folders a device writes are made at its first write.
 */
export interface SyncTarget {
  /** The target for status and logs: never with a credential. */
  describe(): string;
  /** Creates or replaces one of this device's files atomically: a reader sees the old bytes or the new, whole. */
  writeOwn(name: string, bytes: Uint8Array): Promise<void>;
  /** Removes one of this device's files (compaction); one already gone is no error. Never another device's. */
  deleteOwn(name: string): Promise<void>;
  /** The other devices with files on the target: only names that are device ids. */
  devices(): Promise<string[]>;
  /** A device's files (this one's too), temp files left out, sorted by name. */
  list(device: string): Promise<TargetFile[]>;
  read(device: string, name: string, max: number): Promise<Bounded>;
  /**
   * Every device's files (this one's too; a device folder without files as an empty list) in as few requests as
   * the target allows: one recursive listing. Remote targets only (a request costs there); null when the server
   * cannot list a whole tree this time (then `devices` and `list` are asked one by one).
   */
  listEverything?(): Promise<Map<string, TargetFile[]> | null>;
  /**
   * Whether the image is on the target; given its size (the bytes `putImage` would write), one of another size is
   * an upload cut short and counts as absent (remote targets: some stores keep half a PUT).
   */
  hasImage(hash: string, size?: number): Promise<boolean>;
  /**
   * Writes an image once: an image already there whole (from any device) is left as it is, never overwritten; on a
   * remote target one of another size (an upload cut short) is replaced, since every whole copy is these bytes.
   */
  putImage(hash: string, bytes: Uint8Array): Promise<void>;
  readImage(hash: string, max: number): Promise<Bounded>;
  /** Removes an image (the garbage collector, once every known device has seen the purge); gone is no error. */
  deleteImage(hash: string): Promise<void>;
  listImages(): Promise<TargetImage[]>;
  /** A file of the whole target, at its root (`sync.json`: the encryption's parameters), or null when none. */
  readShared(name: SharedName, max: number): Promise<Bounded>;
  /**
   * Writes a file of the whole target once: false when one was already there (it is left as it is). On an S3 store
   * that ignores If-None-Match, two devices racing within a moment could both see true: read it back later.
   */
  putSharedOnce(name: SharedName, bytes: Uint8Array): Promise<boolean>;
  /** A hint that something may have changed (a folder watcher); returns the stop function. Remote targets poll. */
  watch?(changed: () => void): () => void;
}

/** A device's log objects, conflict copies a sync client made included (`log-… (… conflicted copy …).jsonl`). */
export const LOG_FILE = /^log-\d{9}[^/\\]*\.jsonl$/;
export const IMAGE_HASH = /^[0-9a-f]{64}$/;
/** A name this device may write: plain, no folder, not hidden (temp files start with a dot). */
export const OWN_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** The object name of a pass whose first line is `n`: names sort in the order they were written. */
export const logObjectName = (n: number) => `log-${String(n).padStart(9, '0')}.jsonl`;

export function checkOwnName(name: string): void {
  if (!OWN_FILE.test(name)) throw new Error(`not a file name of this device: ${JSON.stringify(name.slice(0, 80))}`);
}

export function checkSharedName(name: string): void {
  if (!SHARED_NAMES.includes(name as SharedName))
    throw new Error(`not a shared file: ${JSON.stringify(name.slice(0, 80))}`);
}

export function checkImageHash(hash: string): void {
  if (!IMAGE_HASH.test(hash)) throw new Error(`not an image hash: ${JSON.stringify(hash.slice(0, 80))}`);
}

export const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
