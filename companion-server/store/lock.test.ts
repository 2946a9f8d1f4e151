import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileOps } from './file-ops';
import { createFileStore } from './file-store';
import { nodeFs } from './fs-seam';
import { LOCK_FILE_NAME, lockDataDir } from './lock';
import { makeJob, makeTempDir } from './test-support';

let dir: string;
let cleanup: () => Promise<void>;
let logs: string[];
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  logs = [];
});
afterEach(() => cleanup());

const io = () => new FileOps(nodeFs, (line) => logs.push(line));
const lockFile = () => join(dir, LOCK_FILE_NAME);

describe('one companion per data dir', () => {
  it('refuses a second companion while the first one runs, naming it', async () => {
    await lockDataDir(io(), dir, { pid: 4242, host: 'this-host', isAlive: () => true });
    await expect(lockDataDir(io(), dir, { pid: 5151, host: 'this-host', isAlive: () => true })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringMatching(/Another companion \(pid 4242, started .*\) is already using the data dir/),
    });
  });

  it('takes over the lock of a companion that is gone (a crash, a reboot), with a log line', async () => {
    await lockDataDir(io(), dir, { pid: 4242, host: 'this-host', isAlive: () => true });
    const lock = await lockDataDir(io(), dir, {
      pid: 5151,
      host: 'this-host',
      isAlive: (pid) => pid !== 4242,
      log: (line) => logs.push(line),
    });
    expect(logs).toEqual([expect.stringMatching(/Took over companion\.lock left by pid 4242/)]);
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: 5151, host: 'this-host' });
    expect(await lock.stillHeld()).toBe(true);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a lock held by another machine (a data dir in a synced folder), saying what to do', async () => {
    await lockDataDir(io(), dir, { pid: 1, host: 'laptop' });
    await expect(lockDataDir(io(), dir, { pid: 2, host: 'desktop', isAlive: () => false })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringMatching(/another machine \("laptop".*delete .*companion\.lock/),
    });
  });

  it('replaces an unreadable lock file', async () => {
    await writeFile(lockFile(), 'garbage');
    const lock = await lockDataDir(io(), dir, { pid: 7, host: 'h', log: (line) => logs.push(line) });
    expect(logs).toEqual([expect.stringMatching(/Replaced an unreadable companion\.lock/)]);
    expect(await lock.stillHeld()).toBe(true);
  });

  it('a store whose data dir another one took over stops writing, and closes without a write', async () => {
    const first = await createFileStore({ dataDir: dir, log: (line) => logs.push(line) });
    await first.put(makeJob({ id: 'job-1' }));
    await first.compact();
    // The same process opens the dir again (what a crash and restart look like in one process).
    const second = await createFileStore({ dataDir: dir, log: (line) => logs.push(line) });
    await second.put(makeJob({ id: 'job-2' }));
    await second.compact();
    const file = await readFile(join(dir, 'job_history.json'), 'utf8');
    await first.compact();
    expect(await readFile(join(dir, 'job_history.json'), 'utf8')).toBe(file);
    expect(logs).toContain('Another companion took over this data dir; this one stops writing to it');
    await expect(first.put(makeJob({ id: 'job-3' }))).rejects.toMatchObject({ code: 'DATA_DIR_TAKEN_OVER' });
    await first.close();
    expect(await readFile(join(dir, 'job_history.json'), 'utf8')).toBe(file);
    await second.close();
  });
});
