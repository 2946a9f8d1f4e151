import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deviceIdSchema } from '../../../utils/domain/device';
import {
  type Bounded,
  byName,
  checkImageHash,
  checkOwnName,
  checkSharedName,
  IMAGE_HASH,
  SHARED_NAMES,
  type SyncTarget,
  type TargetFile,
  type TargetImage,
} from './types';

/**
 * A folder that a sync client (Dropbox, Google Drive, Syncthing, ...) keeps in step between machines (issue 22).
 * The only code that touches it, and it is outside the data dir. Layout:
 *   devices/<deviceId>/log-<n>.jsonl   one publish pass each, written whole (temp, fsync, rename)
 *   devices/<deviceId>/head.json       its name and last line, replaced atomically
 *   images/<sha256>.png                content-addressed, written once, never overwritten
 */
export interface FolderTarget extends SyncTarget {
  readonly root: string;
  watch(changed: () => void): () => void;
}

const isTemp = (name: string) => name.startsWith('.') && name.includes('.tmp-');

export async function openFolderTarget(dir: string, deviceId: string): Promise<FolderTarget> {
  const root = resolve(dir);
  const own = join(root, 'devices', deviceId);
  const imagesDir = join(root, 'images');
  const temp = (name: string) => join(own, `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  /** This device's folders, made at its first write (opening writes nothing); temp files a crash left go then. */
  let ready: Promise<void> | null = null;
  const ensure = () => {
    ready ??= (async () => {
      await mkdir(own, { recursive: true });
      await mkdir(imagesDir, { recursive: true });
      // Their names are never reused, so they only take space.
      for (const name of await list(own)) if (isTemp(name)) await unlink(join(own, name)).catch(() => undefined);
    })().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };

  /** Writes a file once through a temp file and a hard link, which never replaces one: false when one was there. */
  async function linkOnce(tmp: string, dest: string, bytes: Uint8Array): Promise<boolean> {
    try {
      await writeTemp(tmp, bytes);
      return await link(tmp, dest).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
          return false;
        },
      );
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async function writeTemp(path: string, bytes: Uint8Array) {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function files(dir: string): Promise<TargetFile[]> {
    const out: TargetFile[] = [];
    for (const name of await list(dir)) {
      if (isTemp(name)) continue;
      const info = await stat(join(dir, name)).catch(() => null);
      if (info?.isFile()) out.push({ name, size: info.size, mtimeMs: info.mtimeMs });
    }
    return out.sort(byName);
  }

  return {
    root,
    describe: () => root,
    async writeOwn(name, bytes) {
      checkOwnName(name);
      await ensure();
      const tmp = temp(name);
      try {
        await writeTemp(tmp, bytes);
        await rename(tmp, join(own, name));
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
    },
    async deleteOwn(name) {
      checkOwnName(name);
      await unlink(join(own, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
    async devices() {
      const names = await list(join(root, 'devices'));
      return names.filter((name) => name !== deviceId && deviceIdSchema.safeParse(name).success);
    },
    list: (device) =>
      deviceIdSchema.safeParse(device).success ? files(join(root, 'devices', device)) : Promise.resolve([]),
    read: (device, name, max) =>
      deviceIdSchema.safeParse(device).success && !name.includes('/') && !name.includes('\\') && !name.startsWith('.')
        ? readBounded(join(root, 'devices', device, name), max)
        : Promise.resolve(null),
    async hasImage(hash) {
      return IMAGE_HASH.test(hash) && (await stat(join(imagesDir, `${hash}.png`)).catch(() => null)) !== null;
    },
    async putImage(hash, bytes) {
      checkImageHash(hash);
      await ensure();
      // An image already there (from any device) stays as it is.
      await linkOnce(temp(`${hash}.png`), join(imagesDir, `${hash}.png`), bytes);
    },
    readImage: (hash, max) =>
      IMAGE_HASH.test(hash) ? readBounded(join(imagesDir, `${hash}.png`), max) : Promise.resolve(null),
    async deleteImage(hash) {
      checkImageHash(hash);
      await unlink(join(imagesDir, `${hash}.png`)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
    async listImages() {
      const out: TargetImage[] = [];
      for (const file of await files(imagesDir)) {
        const hash = file.name.slice(0, -'.png'.length);
        if (file.name.endsWith('.png') && IMAGE_HASH.test(hash))
          out.push({ hash, size: file.size, mtimeMs: file.mtimeMs });
      }
      return out;
    },
    readShared: (name, max) =>
      SHARED_NAMES.includes(name) ? readBounded(join(root, name), max) : Promise.resolve(null),
    async putSharedOnce(name, bytes) {
      checkSharedName(name);
      await ensure();
      return linkOnce(temp(name), join(root, name), bytes);
    },
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
      let closed = false;
      add(join(root, 'devices'));
      void list(join(root, 'devices')).then((names) => {
        if (closed) return;
        for (const name of names) if (name !== deviceId) add(join(root, 'devices', name));
        // A file that came between the caller's last read and these watchers fired none of them: one more look.
        changed();
      });
      return () => {
        closed = true;
        for (const watcher of watchers.splice(0)) watcher.close();
      };
    },
  };
}

const list = (path: string) => readdir(path).catch(() => [] as string[]);

async function readBounded(path: string, max: number): Promise<Bounded> {
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
