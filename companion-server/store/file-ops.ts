import { basename, dirname, join } from 'node:path';
import pLimit from 'p-limit';
import type { FileStat, FsSeam } from './fs-seam';
import { describeFsError, errorCode, fsFailure } from './store-error';

/**
 * Files open at once for reading. An unbounded Promise.all over 1,500 images ran into the usual limit of 1,024
 * open files (EMFILE; macOS allows 256); a pool of 16 reads as fast on an SSD.
 */
export const READS_AT_ONCE = 16;

const TEMP_MARK = '.tmp-';
let tempCounter = 0;
/** A temp name never used before by this process: nothing left under an old one is ever in the way. */
export const tempName = (path: string) => `${path}${TEMP_MARK}${process.pid}-${++tempCounter}`;
export const isTempName = (name: string, of: string) => name.startsWith(`${of}${TEMP_MARK}`);

/** The fs seam plus the few compound steps the store builds on it. */
export class FileOps {
  private readonly readPool = pLimit(READS_AT_ONCE);

  constructor(
    readonly fs: FsSeam,
    private readonly log: (line: string) => void,
  ) {}

  /** Bytes of a file, or null when it does not exist. Reads share one bounded pool. */
  read(path: string, what: string): Promise<Uint8Array | null> {
    return this.readPool(async () => {
      try {
        return await this.fs.readFile(path);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return null;
        throw fsFailure(what, error);
      }
    });
  }

  async stat(path: string): Promise<FileStat | null> {
    try {
      return await this.fs.stat(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw fsFailure(`Could not check ${basename(path)}`, error);
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await this.fs.readdir(dir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw fsFailure(`Could not list ${dir}`, error);
    }
  }

  /** Write, fsync, close: the bytes (or chunks, written in order) are on disk when this resolves. */
  async writeDurably(path: string, data: Uint8Array | Iterable<Uint8Array>): Promise<void> {
    const handle = await this.fs.open(path, 'w');
    try {
      if (data instanceof Uint8Array) await this.fs.write(handle, data);
      else for (const chunk of data) await this.fs.write(handle, chunk);
      await this.fs.fsync(handle);
    } catch (error) {
      // The first error is the one worth reporting.
      await this.fs.close(handle).catch(() => undefined);
      throw error;
    }
    await this.fs.close(handle);
  }

  /** Atomic replace: temp file in the same dir, fsync, rename over `path`, fsync the dir. */
  async replaceDurably(path: string, data: Uint8Array | Iterable<Uint8Array>): Promise<void> {
    const tmp = tempName(path);
    try {
      await this.writeDurably(tmp, data);
      await this.fs.rename(tmp, path);
    } catch (error) {
      await this.remove(tmp);
      throw error;
    }
    await this.fs.fsyncDir(dirname(path));
  }

  /** Best-effort cleanup after a failure; a leftover is removed at the next start. */
  async remove(path: string): Promise<void> {
    try {
      await this.fs.unlink(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') this.log(`Could not remove ${basename(path)}: ${describeFsError(error)}`);
    }
  }

  /**
   * Removes leftover temp files. Only files: unlink never removes a directory, and whatever cannot be
   * removed (a directory under such a name, a file we may not delete) is left in place with a log line,
   * since writes always pick a new temp name and never need it gone.
   */
  async removeStrayTemps(dir: string, names: string[], isTemp: (name: string) => boolean): Promise<void> {
    let removed = 0;
    for (const name of names.filter(isTemp)) {
      try {
        await this.fs.unlink(join(dir, name));
        removed++;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        this.log(
          `Left ${name} in ${dir} as it is: it looks like a leftover temp file but could not be removed as a file (${describeFsError(error)})`,
        );
      }
    }
    if (removed) this.log(`Removed ${removed} leftover temp file(s) from an unfinished write in ${dir}`);
  }

  /** Renames to `<base>-<timestamp>` (never over an existing file) and returns the new path. */
  async moveAside(path: string, base: string, time: number): Promise<string> {
    const stamp = new Date(time).toISOString().replace(/[:.]/g, '-');
    let target = `${base}-${stamp}`;
    for (let n = 2; await this.exists(target); n++) target = `${base}-${stamp}-${n}`;
    try {
      await this.fs.rename(path, target);
      await this.fs.fsyncDir(dirname(path));
    } catch (error) {
      throw fsFailure(`Could not move ${basename(path)} aside`, error);
    }
    return target;
  }
}
