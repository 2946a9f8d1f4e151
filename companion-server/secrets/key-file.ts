import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { apiKeySchema } from '../../utils/domain';
import { errorCode, fsFailure } from '../store/store-error';

/** The PixelLab key saved from the panel: one small file, readable by its owner only. */
export const KEY_FILE_NAME = 'pixellab-key.json';
const keyFileSchema = z.object({ version: z.literal(1), apiKey: apiKeySchema });

/** Where a key set from the panel is kept; the real one is a 0600 file, tests may use the memory one. */
export interface KeyFile {
  readonly path: string;
  /** The saved key, or null when there is none (a damaged file counts as none, and is reported through `log`). */
  read(): Promise<string | null>;
  /** Replaces the saved key atomically (temp file, fsync, rename, folder fsync), mode 0600 in a 0700 folder. */
  write(key: string): Promise<void>;
  /** Forgets the saved key; false when there was none. */
  remove(): Promise<boolean>;
}

/** The key file in `configDir` (secrets/config-dir.ts); the folder is made only when a key is first saved. */
export function createKeyFile(configDir: string, log: (line: string) => void = console.error): KeyFile {
  const path = join(configDir, KEY_FILE_NAME);
  return {
    path,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return null;
        throw fsFailure(`Could not read the PixelLab key file ${path}`, error);
      }
      // Never the parse error's words: they could quote the file, which holds the key.
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      const parsed = keyFileSchema.safeParse(json);
      if (!parsed.success) {
        log(`The PixelLab key file ${path} is damaged; it is ignored. Set the key again from the side panel.`);
        return null;
      }
      await keepPrivate(path, log);
      return parsed.data.apiKey;
    },
    async write(key) {
      const dir = dirname(path);
      const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        // Created 0600 ('wx' never follows a planted file), so the key is never readable by others, even briefly.
        const handle = await open(tmp, 'wx', 0o600);
        try {
          await handle.writeFile(`${JSON.stringify({ version: 1, apiKey: key })}\n`, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, path);
        await syncDir(dir);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw fsFailure(`Could not save the PixelLab key in ${dir}`, error);
      }
    },
    async remove() {
      try {
        await unlink(path);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return false;
        throw fsFailure(`Could not remove the PixelLab key file ${path}`, error);
      }
      await syncDir(dirname(path));
      return true;
    },
  };
}

/** A key file that was made readable by others (a copy, a restore) goes back to 0600, and says so. */
async function keepPrivate(path: string, log: (line: string) => void): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(path);
  if ((mode & 0o077) === 0) return;
  await chmod(path, 0o600);
  log(`The PixelLab key file ${path} was readable by others; it is now readable by you only (0600).`);
}

async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a folder to fsync it; the rename is as durable as that platform makes it.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The same contract in memory: for route tests and companions built without a config folder. */
export function createMemoryKeyFile(initial: string | null = null): KeyFile {
  let saved = initial;
  return {
    path: '(memory)',
    read: async () => saved,
    write: async (key) => {
      saved = key;
    },
    remove: async () => {
      const had = saved !== null;
      saved = null;
      return had;
    },
  };
}
