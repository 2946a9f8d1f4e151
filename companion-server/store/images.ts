import { join } from 'node:path';
import { isPng } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { type FileOps, tempName } from './file-ops';
import { type RetryOptions, withRetries } from './retries';
import { fsFailure, StoreError } from './store-error';

export const IMAGE_NAME = /^([0-9a-f]{64})\.png$/;

/** Content-addressed PNG storage. */
export interface ImageBank {
  /** Stores the bytes under their sha-256 (durable when it resolves); refuses what is not a PNG. */
  put(bytes: Uint8Array): Promise<string>;
  /** Held and not known to be damaged. */
  has(hash: string): boolean;
  /** The bytes, checked against their hash; null when missing or damaged (a damaged file is moved aside). */
  read(hash: string): Promise<Uint8Array | null>;
  /** Hashes known to be missing since they were asked for (damaged or deleted by hand), at most `limit`. */
  lost(limit: number): string[];
  /** A put of this hash is under way. */
  busy(hash: string): boolean;
  /**
   * Frees the image (image-gc.ts decided no job uses it): from the moment it is called `has` is false, and a put
   * of the same bytes made meanwhile waits for the removal and writes the file anew. Resolves once it is gone.
   */
  free(hash: string): Promise<void>;
}

export interface FileImages extends ImageBank {
  /** Writes many at once with a single directory fsync (a seed file's images at start). */
  putMany(images: Map<string, Uint8Array>): Promise<void>;
  /** Reads every held image once and moves damaged ones aside; runs in the background after start. */
  verifyAll(): Promise<number>;
}

/**
 * images/<sha256>.png, written atomically (temp, fsync, rename, dir fsync) once per hash. Every read checks
 * the bytes against the name: a truncated or edited file is never served (it was served forever with
 * `immutable` caching, and sent to PixelLab as an empty image to rotate). It counts as missing, so a client
 * that holds the image uploads it again; when the good bytes arrive, the damaged file is moved aside as
 * `<hash>.png.damaged-<time>` (never deleted) and the image written anew.
 */
export function createImageFiles(
  io: FileOps,
  dir: string,
  names: readonly string[],
  options: { now: () => number; log: (line: string) => void; retry?: RetryOptions },
): FileImages {
  let listed: readonly string[] | null = names;
  const knownSet = new Set<string>();
  /** The images held, made from the listing when first asked for: 100,000 names are not a start's work. */
  const known = (): Set<string> => {
    // test, not exec: no match array per name.
    if (listed) for (const name of listed) if (IMAGE_NAME.test(name)) knownSet.add(name.slice(0, 64));
    listed = null;
    return knownSet;
  };
  /** Checked since start: written here, or read and found whole. */
  const verified = new Set<string>();
  /** Asked for and found missing or damaged: what the companion would like a client to upload again. */
  const lost = new Set<string>();
  /** Found damaged on disk: moved aside when a good copy replaces them. */
  const damaged = new Set<string>();
  const inFlight = new Map<string, Promise<string>>();
  /** Removals under way (image-gc.ts): a put of the same hash waits for its removal. */
  const removing = new Map<string, Promise<void>>();
  const pathOf = (hash: string) => join(dir, `${hash}.png`);

  async function writeImage(hash: string, bytes: Uint8Array): Promise<void> {
    const tmp = tempName(pathOf(hash));
    try {
      await io.writeDurably(tmp, bytes);
      await io.fs.rename(tmp, pathOf(hash));
    } catch (error) {
      await io.remove(tmp);
      throw error;
    }
  }

  function markDamaged(hash: string, why: string): void {
    known().delete(hash);
    verified.delete(hash);
    lost.add(hash);
    if (!damaged.has(hash)) options.log(`images/${hash}.png ${why}; it counts as missing until a good copy arrives`);
    damaged.add(hash);
  }

  async function read(hash: string): Promise<Uint8Array | null> {
    if (!IMAGE_NAME.test(`${hash}.png`)) return null;
    const bytes = await io.read(pathOf(hash), `Could not read image ${hash}.png`);
    if (!bytes) {
      if (known().delete(hash)) lost.add(hash);
      return null;
    }
    if (!verified.has(hash)) {
      if (!isPng(bytes) || sha256Hex(bytes) !== hash) {
        markDamaged(hash, `does not match its name (${bytes.length} bytes: damaged or edited)`);
        return null;
      }
      verified.add(hash);
      known().add(hash);
      lost.delete(hash);
    }
    return bytes;
  }

  return {
    put(input) {
      if (!isPng(input)) {
        return Promise.reject(new StoreError('Not a PNG image: the bytes lack the PNG signature', 'NOT_PNG'));
      }
      const hash = sha256Hex(input);
      if (verified.has(hash)) return Promise.resolve(hash);
      let pending = inFlight.get(hash);
      if (!pending) {
        const bytes = Uint8Array.from(input); // the caller may reuse its buffer
        const removal = removing.get(hash);
        pending = (async () => {
          // Freed a moment ago: the same bytes come back as a new file once the old one is gone.
          if (removal) await removal;
          // Held but never checked: keep it if whole, replace it if damaged.
          if (known().has(hash) && (await read(hash))) return hash;
          await withRetries(async () => {
            if (damaged.has(hash)) {
              const to = await io.moveAside(pathOf(hash), `${pathOf(hash)}.damaged`, options.now());
              options.log(
                `Moved the damaged images/${hash}.png to ${to.slice(dir.length + 1)}; a good copy replaces it`,
              );
              damaged.delete(hash);
            }
            await writeImage(hash, bytes);
            await io.fs.fsyncDir(dir);
          }, options.retry).catch((error: unknown) => {
            throw fsFailure(`Could not save image ${hash}.png`, error);
          });
          known().add(hash);
          verified.add(hash);
          lost.delete(hash);
          return hash;
        })().finally(() => inFlight.delete(hash));
        inFlight.set(hash, pending);
      }
      return pending;
    },

    has: (hash) => known().has(hash),
    read,
    lost: (limit) => [...lost].slice(0, limit),
    busy: (hash) => inFlight.has(hash),

    free(hash) {
      if (!IMAGE_NAME.test(`${hash}.png`)) return Promise.resolve();
      known().delete(hash);
      verified.delete(hash);
      lost.delete(hash);
      const before = removing.get(hash) ?? Promise.resolve();
      const removal = before
        .then(async () => {
          await io.remove(pathOf(hash));
          await io.fs.fsyncDir(dir).catch(() => undefined);
        })
        .finally(() => {
          if (removing.get(hash) === removal) removing.delete(hash);
        });
      removing.set(hash, removal);
      return removal;
    },

    async putMany(images) {
      let wrote = false;
      try {
        for (const [hash, bytes] of images) {
          if (known().has(hash)) continue;
          await writeImage(hash, bytes);
          wrote = true;
        }
        if (wrote) await io.fs.fsyncDir(dir);
      } catch (error) {
        throw fsFailure('Could not save the images of job_history.json', error);
      }
      for (const hash of images.keys()) {
        known().add(hash);
        verified.add(hash);
      }
    },

    async verifyAll() {
      // At most a fifth of the time, so a start at 100,000 images (450 MB) does not compete with the first
      // requests; a read checks its image anyway, this only finds damage before a client asks.
      let since = performance.now();
      for (const hash of [...known()]) {
        if (!verified.has(hash)) await read(hash).catch(() => null);
        const busy = performance.now() - since;
        if (busy > 10) {
          await new Promise((resolve) => setTimeout(resolve, busy * 4));
          since = performance.now();
        }
      }
      return damaged.size;
    },
  };
}
