import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deviceIdSchema } from '../../utils/domain/device';

/**
 * A folder that a sync client (Dropbox, Google Drive, Syncthing, ...) keeps in step between machines (issue 22).
 * The only code that touches it, and it is outside the data dir. Layout:
 *   devices/<deviceId>/log-<n>.jsonl   this device's accepted changes, append-only (line-format.ts)
 *   devices/<deviceId>/head.json       its name and last line, replaced atomically
 *   images/<sha256>.png                content-addressed, written once, never overwritten
 * A device writes only under its own folder, plus new images; it never writes or deletes another's file.
 */
export const LOG_FILE = /^log-\d{9}[^/\\]*\.jsonl$/;
const IMAGE_FILE = /^[0-9a-f]{64}$/;

export interface TargetFile {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface FolderTarget {
  readonly root: string;
  /** Appends to this device's segment and fsyncs; the file is made when missing. */
  append(segment: string, bytes: Uint8Array): Promise<void>;
  /** Replaces this device's head.json (temp file, fsync, rename). */
  writeHead(bytes: Uint8Array): Promise<void>;
  /** This device's own files. */
  ownFiles(): Promise<string[]>;
  /** Other devices with a folder: only names that are device ids. */
  devices(): Promise<string[]>;
  /** A device's log files (conflict copies included), with size and mtime. */
  logs(device: string): Promise<TargetFile[]>;
  /** A device's file, or null when it went away; 'too big' past `max` bytes (never read whole). */
  read(device: string, name: string, max: number): Promise<Uint8Array | null | 'too big'>;
  hasImage(hash: string): Promise<boolean>;
  /** Writes an image once: an image already there is left as it is. */
  putImage(hash: string, bytes: Uint8Array): Promise<void>;
  readImage(hash: string, max: number): Promise<Uint8Array | null | 'too big'>;
  /** Calls `changed` when something under the folder may have changed; returns the stop function. */
  watch(changed: () => void): () => void;
}

export async function openFolderTarget(dir: string, deviceId: string): Promise<FolderTarget> {
  const root = resolve(dir);
  const own = join(root, 'devices', deviceId);
  const imagesDir = join(root, 'images');
  await mkdir(own, { recursive: true });
  await mkdir(imagesDir, { recursive: true });
  // Temp files a crash left in this device's folder: their names are never reused, so they only take space.
  for (const name of await readdir(own).catch(() => [] as string[]))
    if (name.startsWith('.') && name.includes('.tmp-')) await unlink(join(own, name)).catch(() => undefined);
  const temp = (name: string) => join(own, `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);

  async function writeTemp(path: string, bytes: Uint8Array) {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function readBounded(path: string, max: number): Promise<Uint8Array | null | 'too big'> {
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      if (info.size > max) return 'too big';
      const bytes = await readFile(path);
      return bytes.length > max ? 'too big' : bytes;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  const list = (path: string) => readdir(path).catch(() => [] as string[]);

  return {
    root,
    async append(segment, bytes) {
      const handle = await open(join(own, segment), 'a');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async writeHead(bytes) {
      const tmp = temp('head.json');
      try {
        await writeTemp(tmp, bytes);
        await rename(tmp, join(own, 'head.json'));
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
    },
    ownFiles: () => list(own),
    async devices() {
      const names = await list(join(root, 'devices'));
      return names.filter((name) => name !== deviceId && deviceIdSchema.safeParse(name).success);
    },
    async logs(device) {
      const out: TargetFile[] = [];
      for (const name of await list(join(root, 'devices', device))) {
        if (!LOG_FILE.test(name)) continue;
        const info = await stat(join(root, 'devices', device, name)).catch(() => null);
        if (info?.isFile()) out.push({ name, size: info.size, mtimeMs: info.mtimeMs });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    read: (device, name, max) => readBounded(join(root, 'devices', device, name), max),
    async hasImage(hash) {
      return IMAGE_FILE.test(hash) && (await stat(join(imagesDir, `${hash}.png`)).catch(() => null)) !== null;
    },
    async putImage(hash, bytes) {
      if (!IMAGE_FILE.test(hash)) throw new Error(`not an image hash: ${hash.slice(0, 80)}`);
      const tmp = temp(`${hash}.png`);
      try {
        await writeTemp(tmp, bytes);
        // A hard link never replaces a file: an image already there (from any device) stays as it is.
        await link(tmp, join(imagesDir, `${hash}.png`)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    },
    readImage: (hash, max) =>
      IMAGE_FILE.test(hash) ? readBounded(join(imagesDir, `${hash}.png`), max) : Promise.resolve(null),
    watch(changed) {
      const watchers: FSWatcher[] = [];
      // Watching is a hint only: the poll catches whatever a watcher misses (or a folder that cannot be watched).
      const add = (path: string) => {
        try {
          const watcher = watch(path, { persistent: false }, () => changed());
          watcher.on('error', () => watcher.close());
          watchers.push(watcher);
        } catch {
          // not watchable: polling covers it
        }
      };
      add(join(root, 'devices'));
      void list(join(root, 'devices')).then((names) => {
        for (const name of names) if (name !== deviceId) add(join(root, 'devices', name));
      });
      return () => {
        for (const watcher of watchers.splice(0)) watcher.close();
      };
    },
  };
}
