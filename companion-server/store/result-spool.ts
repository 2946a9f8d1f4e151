import { createHash } from 'node:crypto';
import path from 'node:path';
import { type SpooledResult, spooledResultSchema } from '../../utils/domain';
import type { FileHandle, FsSeam } from './fs-seam';
import { nodeFs } from './fs-seam';
import { describeFsError, errorCode, StoreError } from './store-error';

/**
 * The recovery spool: where a paid result waits when the history or images/ refuse it (disk full, permissions),
 * until the disk takes it, across restarts.
 *
 * A file that must grow cannot be written on a full disk, so the spool is a reserve made at start:
 * `paid-results.spool`, SLOTS slots of SLOT_BYTES, filled with zeros (real blocks, not a sparse file) and written
 * in place. A slot is taken before a paid call starts (no free slot: the call is not made), so every result the
 * companion pays for has room to land. A slot holds a header (magic, length, sha-256) and the JSON record; a
 * torn slot fails its checksum and reads as empty. On copy-on-write file systems (btrfs, ZFS) an in-place write
 * still needs new blocks, so there the reserve helps less (README, Limits).
 */
export interface ResultSpool {
  /** Takes a free slot, or null when all are taken or no reserve could be made (the disk is full). */
  reserve(): SpoolSlot | null;
  /** Results found at start, each in the slot it occupies; release the slot once the result is stored. */
  readonly recovered: readonly { result: SpooledResult; slot: SpoolSlot }[];
  readonly capacity: number;
  readonly free: number;
  close(): Promise<void>;
}

export interface SpoolSlot {
  /** Writes the record into the slot and fsyncs it; rejects when it does not fit or the disk refuses. */
  write(result: SpooledResult): Promise<void>;
  /** Empties the slot (on disk when it was written) and frees it. Never rejects; a failure is logged. */
  release(): Promise<void>;
}

export interface ResultSpoolOptions {
  dataDir: string;
  fs?: FsSeam;
  log?: (line: string) => void;
  now?: () => number;
}

export const SPOOL_FILE = 'paid-results.spool';
/** Room for a 400x400 RGBA PNG that does not compress at all (about 640 KB, 853 KB in base64) and its job. */
export const SLOT_BYTES = 1024 * 1024;
/** More than the largest parallel limit (10): results can wait here while the disk is full and calls go on. */
export const SLOTS = 16;
const MAGIC = new Uint8Array([0x50, 0x4c, 0x53, 0x31]); // "PLS1"
const HEADER_BYTES = 4 + 4 + 32;
/** After a failed attempt to make the reserve, the next one waits this long (a full disk stays full a while). */
const REMAKE_AFTER_MS = 10_000;

export async function openResultSpool(options: ResultSpoolOptions): Promise<ResultSpool> {
  const fs = options.fs ?? nodeFs;
  const log = options.log ?? ((line: string) => console.error(line));
  const now = options.now ?? Date.now;
  const file = path.join(options.dataDir, SPOOL_FILE);

  let handle: FileHandle | null = null;
  let capacity = 0;
  const taken = new Set<number>();
  const recovered: { result: SpooledResult; slot: SpoolSlot }[] = [];
  let failedAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  /** Reads an existing reserve: its slot count, and the records in it. */
  async function load(): Promise<boolean> {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return false;
      throw err;
    }
    capacity = Math.floor(bytes.length / SLOT_BYTES);
    handle = await fs.open(file, 'r+');
    let torn = 0;
    for (let i = 0; i < capacity; i++) {
      const record = readSlot(bytes.subarray(i * SLOT_BYTES, (i + 1) * SLOT_BYTES));
      if (record === 'empty') continue;
      if (record === 'torn') {
        torn += 1;
        continue;
      }
      taken.add(i);
      recovered.push({ result: record, slot: slotAt(i, true) });
    }
    if (torn > 0) log(`Recovery spool: ${torn} slot(s) held a torn write and count as empty`);
    recovered.sort((a, b) => a.result.at - b.result.at);
    return true;
  }

  /** Makes the reserve: a temp file of zeros, fsynced, then renamed into place. */
  async function make(): Promise<void> {
    const temp = `${file}.tmp-${process.pid}-${now()}`;
    const zeros = new Uint8Array(SLOT_BYTES);
    try {
      const h = await fs.open(temp, 'w');
      try {
        for (let i = 0; i < SLOTS; i++) await fs.write(h, zeros);
        await fs.fsync(h);
      } finally {
        await fs.close(h);
      }
      await fs.rename(temp, file);
      await fs.fsyncDir(options.dataDir);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
    capacity = SLOTS;
    handle = await fs.open(file, 'r+');
  }

  async function ensure(): Promise<boolean> {
    if (handle) return true;
    try {
      if (!(await load())) await make();
      return true;
    } catch (err) {
      failedAt = now();
      log(
        `Recovery spool: could not set aside ${(SLOTS * SLOT_BYTES) / 2 ** 20} MiB for paid results (${describeFsError(err)}); paid calls wait until it can`,
      );
      return false;
    }
  }

  function slotAt(index: number, written: boolean): SpoolSlot {
    let onDisk = written;
    let released = false;
    return {
      async write(result) {
        if (released || !handle) throw new StoreError('This spool slot was released', 'SPOOL_RELEASED');
        const bytes = encodeSlot(spooledResultSchema.parse(result));
        if (bytes.length > SLOT_BYTES) {
          throw new StoreError(
            `The result is ${bytes.length} bytes, more than a spool slot holds (${SLOT_BYTES})`,
            'SPOOL_TOO_BIG',
          );
        }
        onDisk = true;
        await fs.writeAt(handle, bytes, index * SLOT_BYTES);
        await fs.fsync(handle);
      },
      async release() {
        if (released) return;
        released = true;
        try {
          if (onDisk && handle) {
            await fs.writeAt(handle, new Uint8Array(HEADER_BYTES), index * SLOT_BYTES);
            await fs.fsync(handle);
          }
        } catch (err) {
          // The result is stored by now; a stale slot is stored again at the next start (same hash, same version).
          log(`Recovery spool: could not empty slot ${index}: ${describeFsError(err)}`);
        } finally {
          taken.delete(index);
        }
      },
    };
  }

  await removeStrayTemps(fs, options.dataDir, log);
  await ensure();

  return {
    reserve() {
      if (closed) return null;
      if (!handle) {
        if (now() - failedAt >= REMAKE_AFTER_MS) void ensure();
        return null;
      }
      for (let i = 0; i < capacity; i++) {
        if (taken.has(i)) continue;
        taken.add(i);
        return slotAt(i, false);
      }
      return null;
    },
    recovered,
    get capacity() {
      return capacity;
    },
    get free() {
      return handle ? capacity - taken.size : 0;
    },
    async close() {
      closed = true;
      const h = handle;
      handle = null;
      if (h) await fs.close(h);
    },
  };
}

/** A reserve whose making was cut short (a crash, a full disk) is never used: remove it. */
async function removeStrayTemps(fs: FsSeam, dir: string, log: (line: string) => void): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.startsWith(`${SPOOL_FILE}.tmp-`))) {
    await fs.unlink(path.join(dir, name)).catch((err: unknown) => {
      log(`Recovery spool: could not remove the unfinished reserve ${name}: ${describeFsError(err)}`);
    });
  }
}

function encodeSlot(result: SpooledResult): Uint8Array {
  const payload = new TextEncoder().encode(JSON.stringify(result));
  const bytes = new Uint8Array(HEADER_BYTES + payload.length);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(4, payload.length);
  bytes.set(createHash('sha256').update(payload).digest(), 8);
  bytes.set(payload, HEADER_BYTES);
  return bytes;
}

function readSlot(slot: Uint8Array): SpooledResult | 'empty' | 'torn' {
  if (slot.subarray(0, 4).every((b) => b === 0)) return 'empty';
  if (!MAGIC.every((b, i) => slot[i] === b)) return 'torn';
  const length = new DataView(slot.buffer, slot.byteOffset, slot.byteLength).getUint32(4);
  if (length > slot.length - HEADER_BYTES) return 'torn';
  const payload = slot.subarray(HEADER_BYTES, HEADER_BYTES + length);
  const sum = createHash('sha256').update(payload).digest();
  if (!sum.equals(Buffer.from(slot.subarray(8, HEADER_BYTES)))) return 'torn';
  try {
    const parsed = spooledResultSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    return parsed.success ? parsed.data : 'torn';
  } catch {
    return 'torn';
  }
}
