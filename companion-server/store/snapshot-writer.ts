import { basename } from 'node:path';
import { type FileOps, tempName } from './file-ops';
import type { FileStat } from './fs-seam';
import type { StartIndex } from './start-index';
import { errorCode, fsFailure } from './store-error';
import { recordWritten } from './trusted-file';

export interface SnapshotPaths {
  dir: string;
  main: string;
  backup: string;
}

export interface SnapshotWriter {
  /**
   * Replaces job_history.json with these bytes (the previous file becomes the backup) and records it as written
   * by this companion, with the start index of its lines when given (trusted-file.ts); answers its stat.
   */
  write(chunks: Iterable<Uint8Array>, index?: StartIndex | null): Promise<FileStat>;
  /** The backup on disk holds history that was not loaded: move it aside, not over, on the next write. */
  keepBackupAs(path: string | null): void;
}

/**
 * The write protocol of job_history.json (steno's Writer, plus what it lacks): temp file in the same dir,
 * fsync, the current file becomes the backup (hard link renamed over the old backup; a copy where hard links
 * fail), the temp file renamed over the main file, directory fsync. At every instant job_history.json is a
 * complete file and the backup the one before it.
 */
export function createSnapshotWriter(options: {
  io: FileOps;
  paths: SnapshotPaths;
  now: () => number;
  log: (line: string) => void;
}): SnapshotWriter {
  const { io, paths } = options;
  let keepBackup: string | null = null;

  async function rotateBackup(): Promise<void> {
    const backupTmp = tempName(paths.backup);
    try {
      await io.fs.link(paths.main, backupTmp);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return; // no main file yet: nothing to keep
      // No hard links on this file system: copy instead.
      try {
        const previous = await io.read(paths.main, 'Could not copy job_history.json to the backup');
        if (!previous) return;
        await io.writeDurably(backupTmp, previous);
      } catch (copyError) {
        await io.remove(backupTmp);
        throw copyError;
      }
    }
    try {
      if (keepBackup && (await io.exists(paths.backup))) {
        const keptAs = await io.moveAside(paths.backup, keepBackup, options.now());
        options.log(`Kept the previous ${basename(paths.backup)} as ${basename(keptAs)}`);
      }
      keepBackup = null;
      await io.fs.rename(backupTmp, paths.backup);
    } catch (error) {
      await io.remove(backupTmp);
      throw error;
    }
    // When the backup already is main (a retry after a failed rename), POSIX rename of one hard link
    // over another is a no-op that leaves the source name behind.
    await io.remove(backupTmp);
  }

  return {
    async write(chunks, index = null) {
      const tmp = tempName(paths.main);
      try {
        await io.writeDurably(tmp, chunks);
        await rotateBackup();
        await io.fs.rename(tmp, paths.main);
        await io.fs.fsyncDir(paths.dir);
      } catch (error) {
        await io.remove(tmp);
        throw fsFailure(`Could not save ${basename(paths.main)}`, error);
      }
      const stat = await io.stat(paths.main);
      if (!stat) return { size: 0, mtimeMs: 0, ctimeMs: 0, ino: '' };
      await recordWritten(io, paths.main, stat, index);
      return stat;
    },
    keepBackupAs(path) {
      keepBackup = path;
    },
  };
}
