import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { fullDiskFs } from '../../tests/helpers/full-disk-fs';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import type { SpooledResult } from '../../utils/domain';
import { openResultSpool, type ResultSpool, SLOT_BYTES, SLOTS, SPOOL_FILE } from './result-spool';

const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
const spools: ResultSpool[] = [];
afterEach(async () => {
  for (const spool of spools.splice(0)) await spool.close();
  for (const t of temps.splice(0)) await t.remove();
});

async function open(dir?: string, options: Partial<Parameters<typeof openResultSpool>[0]> = {}) {
  if (!dir) {
    const t = await makeTempDir();
    temps.push(t);
    dir = t.dir;
  }
  const logs: string[] = [];
  const spool = await openResultSpool({ dataDir: dir, log: (l) => void logs.push(l), ...options });
  spools.push(spool);
  return { spool, dir, logs };
}

const record = (at: number, text = 'paid'): SpooledResult => ({
  version: 1,
  at,
  png: Buffer.from(makeSprite(32, 32, text)).toString('base64'),
  job: null,
  cost: null,
});

describe('the recovery spool', () => {
  it('sets aside a reserve of real zeros at start, and hands out each slot once', async () => {
    const { spool, dir } = await open();
    expect((await stat(path.join(dir, SPOOL_FILE))).size).toBe(SLOTS * SLOT_BYTES);
    expect((await readFile(path.join(dir, SPOOL_FILE))).every((b) => b === 0)).toBe(true);
    expect(spool.capacity).toBe(SLOTS);
    const slots = Array.from({ length: SLOTS }, () => spool.reserve());
    expect(slots.every(Boolean)).toBe(true);
    expect(spool.reserve()).toBeNull();
    expect(spool.free).toBe(0);
    await slots[3]!.release();
    expect(spool.free).toBe(1);
    expect(spool.reserve()).not.toBeNull();
  });

  it('keeps a written result across a restart, in place, and forgets it once released', async () => {
    const first = await open();
    const a = first.spool.reserve()!;
    const b = first.spool.reserve()!;
    await b.write(record(2, 'b'));
    await a.write(record(1, 'a'));
    const sizeBefore = (await stat(path.join(first.dir, SPOOL_FILE))).size;
    await first.spool.close();

    const second = await open(first.dir);
    expect((await stat(path.join(first.dir, SPOOL_FILE))).size).toBe(sizeBefore);
    expect(second.spool.recovered.map((r) => r.result)).toEqual([record(1, 'a'), record(2, 'b')]);
    expect(second.spool.free).toBe(SLOTS - 2);
    await second.spool.recovered[0]!.slot.release();
    await second.spool.close();

    const third = await open(first.dir);
    expect(third.spool.recovered.map((r) => r.result)).toEqual([record(2, 'b')]);
  });

  it('writes in place on a full disk, where a file that must grow cannot be written', async () => {
    const disk = fullDiskFs();
    const { spool, dir } = await open(undefined, { fs: disk.fs });
    disk.fill();
    const slot = spool.reserve()!;
    await slot.write(record(5));
    expect(disk.state.refused).toBe(0);
    await spool.close();
    disk.free();
    const again = await open(dir);
    expect(again.spool.recovered.map((r) => r.result)).toEqual([record(5)]);
  });

  it('a torn slot reads as empty; a record too big for a slot is refused', async () => {
    const first = await open();
    await first.spool.reserve()!.write(record(1));
    await expect(first.spool.reserve()!.write({ ...record(2), png: 'A'.repeat(SLOT_BYTES) })).rejects.toMatchObject({
      code: 'SPOOL_TOO_BIG',
    });
    await first.spool.close();
    const file = path.join(first.dir, SPOOL_FILE);
    const bytes = await readFile(file);
    bytes[60] = bytes[60]! ^ 0xff; // inside the first slot's record
    await writeFile(file, bytes);
    const second = await open(first.dir);
    expect(second.spool.recovered).toEqual([]);
    expect(second.spool.free).toBe(SLOTS);
    expect(second.logs.some((l) => /1 slot\(s\) held a torn write/.test(l))).toBe(true);
  });

  it('with no room for the reserve, hands out no slot and says so; it is made once the disk has room', async () => {
    const disk = fullDiskFs();
    disk.fill();
    const t = await makeTempDir();
    temps.push(t);
    let clock = 0;
    const { spool, logs } = await open(t.dir, { fs: disk.fs, now: () => clock });
    expect(spool.capacity).toBe(0);
    expect(spool.reserve()).toBeNull();
    expect(logs.some((l) => /could not set aside 16 MiB .*ENOSPC/.test(l))).toBe(true);
    expect((await readdir(t.dir)).filter((n) => n.startsWith(SPOOL_FILE))).toEqual([]);
    disk.free();
    clock = 60_000;
    expect(spool.reserve()).toBeNull(); // starts making it
    // Until the reserve is made (writing it takes a while on a busy disk), not a count of tries.
    await vi.waitFor(() => expect(spool.capacity).toBe(SLOTS), { timeout: 20_000, interval: 10 });
    expect(spool.reserve()).not.toBeNull();
  });

  it('removes an unfinished reserve left by a crash', async () => {
    const t = await makeTempDir();
    temps.push(t);
    await writeFile(path.join(t.dir, `${SPOOL_FILE}.tmp-1-2`), 'partial');
    await open(t.dir);
    expect((await readdir(t.dir)).sort()).toEqual([SPOOL_FILE]);
  });
});
