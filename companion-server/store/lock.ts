import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { FileOps } from './file-ops';
import { errorCode, fsFailure, StoreError } from './store-error';

export const LOCK_FILE_NAME = 'companion.lock';

const lockSchema = z.looseObject({
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.string(),
  token: z.string().optional(),
});
type LockInfo = z.infer<typeof lockSchema>;

export interface DataDirLock {
  release(): Promise<void>;
  /** False once another companion took the data dir over (or the lock file is gone): stop writing. */
  stillHeld(): Promise<boolean>;
}

export interface LockOptions {
  pid?: number;
  host?: string;
  now?: () => number;
  /** Whether a process with this pid runs on this machine. */
  isAlive?: (pid: number) => boolean;
  log?: (line: string) => void;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return errorCode(error) === 'EPERM';
  }
}

/**
 * One companion owns a data dir. Two on one dir both answered every save with 200 while one's jobs vanished at
 * the other's next write, so a second one refuses to start. The lock is a file naming its owner (pid, host);
 * a lock left by a process that is gone (a crash, a reboot) is taken over. Released at shutdown.
 */
export async function lockDataDir(io: FileOps, dir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE_NAME);
  const me: LockInfo = {
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    startedAt: new Date((options.now ?? Date.now)()).toISOString(),
    // Tells this store's lock from a later one of the same process.
    token: randomUUID(),
  };
  const bytes = Buffer.from(`${JSON.stringify({ ...me, app: 'pixellab-companion' })}\n`, 'utf8');
  const stillHeld = async () => (await readLock(io, path))?.token === me.token;
  const release = async () => {
    if (await stillHeld()) await io.remove(path);
  };

  try {
    const handle = await io.fs.open(path, 'wx');
    try {
      await io.fs.write(handle, bytes);
      await io.fs.fsync(handle);
    } finally {
      await io.fs.close(handle);
    }
    return { release, stillHeld };
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw fsFailure(`Could not create ${LOCK_FILE_NAME} in ${dir}`, error);
  }

  const held = await readLock(io, path);
  const isAlive = options.isAlive ?? processIsAlive;
  if (held && held.host !== me.host) {
    throw new StoreError(
      `The data dir ${dir} is in use by a companion on another machine ("${held.host}", pid ${held.pid}, since ${held.startedAt}). ` +
        `Stop that one first; if it is not running any more, delete ${path} and start again.`,
      'DATA_DIR_LOCKED',
    );
  }
  // The same process reopening its own dir has abandoned its earlier store (tests simulate a crash that way).
  if (held && held.pid !== me.pid && isAlive(held.pid)) {
    throw new StoreError(
      `Another companion (pid ${held.pid}, started ${held.startedAt}) is already using the data dir ${dir}. ` +
        'Stop it first, or start this one with another --data-dir.',
      'DATA_DIR_LOCKED',
    );
  }
  options.log?.(
    held
      ? `Took over ${LOCK_FILE_NAME} left by pid ${held.pid} (${held.startedAt}), which is no longer running`
      : `Replaced an unreadable ${LOCK_FILE_NAME}`,
  );
  await io.replaceDurably(path, bytes);
  return { release, stillHeld };
}

async function readLock(io: FileOps, path: string): Promise<LockInfo | null> {
  const bytes = await io.read(path, `Could not read ${LOCK_FILE_NAME}`).catch(() => null);
  if (!bytes) return null;
  try {
    return lockSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch {
    return null;
  }
}
