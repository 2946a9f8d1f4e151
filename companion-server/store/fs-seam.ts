import { readFile } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { promisify } from 'node:util';

export type FileHandle = fsp.FileHandle;

const readFileCallback = promisify(readFile);

/**
 * The file-system calls the store makes, and nothing more. Tests wrap it to inject faults:
 * `{ ...nodeFs, write: async () => { throw Object.assign(new Error('full'), { code: 'ENOSPC' }) } }`.
 * Methods never use `this`, so spreading and overriding one of them is enough.
 */
export interface FsSeam {
  /**
   * Opens for writing ('w': create or truncate), appending ('a': create, every write at the end), creating only
   * ('wx': fails with EEXIST when it exists), writing in place ('r+': must exist, nothing truncated) or reading ('r').
   */
  open(path: string, flags: 'w' | 'a' | 'wx' | 'r+' | 'r'): Promise<FileHandle>;
  /** Writes all of `data` at the handle's position. */
  write(handle: FileHandle, data: Uint8Array): Promise<void>;
  fsync(handle: FileHandle): Promise<void>;
  /** Cuts the file to `length` bytes (a failed append leaves no partial record behind). */
  truncate(handle: FileHandle, length: number): Promise<void>;
  close(handle: FileHandle): Promise<void>;
  /** Replaces `to` atomically when it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Hard link; fails with EEXIST when `newPath` exists. */
  link(existingPath: string, newPath: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and its parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
  stat(path: string): Promise<FileStat>;
  unlink(path: string): Promise<void>;
  /** Makes renames and new names in the directory durable. */
  fsyncDir(path: string): Promise<void>;
  /** Writes all of `data` at byte `position`, over what is there (the recovery spool's pre-allocated slots). */
  writeAt(handle: FileHandle, data: Uint8Array, position: number): Promise<void>;
}

/**
 * What tells a file's version apart without reading it. `ctimeMs` and `ino` change with every write or
 * replacement, and no tool can set them back (`touch -d` and `cp -p` restore only the mtime).
 */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: string;
}

export const nodeFs: FsSeam = {
  open: (path, flags) => fsp.open(path, flags),
  write: (handle, data) => handle.writeFile(data),
  fsync: (handle) => handle.sync(),
  truncate: (handle, length) => handle.truncate(length),
  close: (handle) => handle.close(),
  rename: (from, to) => fsp.rename(from, to),
  link: (existingPath, newPath) => fsp.link(existingPath, newPath),
  readFile: async (path) => {
    // The callback form: fs/promises' readFile (a FileHandle and a promise per step) was slower, and a load of
    // 100,000 images left its in-flight objects to the old generation.
    const buffer = await readFileCallback(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  readdir: (path) => fsp.readdir(path),
  mkdir: async (path) => {
    await fsp.mkdir(path, { recursive: true });
  },
  stat: async (path) => {
    // bigint, so an inode number past 2^53 (some file systems) is exact.
    const s = await fsp.stat(path, { bigint: true });
    return {
      size: Number(s.size),
      mtimeMs: Number(s.mtimeNs) / 1e6,
      ctimeMs: Number(s.ctimeNs) / 1e6,
      ino: String(s.ino),
    };
  },
  unlink: (path) => fsp.unlink(path),
  fsyncDir: async (path) => {
    // Windows cannot open a directory to fsync it; NTFS makes renames durable on its own.
    if (process.platform === 'win32') return;
    const handle = await fsp.open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  writeAt: async (handle, data, position) => {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  },
};
