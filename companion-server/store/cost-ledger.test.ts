import { appendFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fullDiskFs } from '../../tests/helpers/full-disk-fs';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import type { CostRow } from '../../utils/domain';
import { type CostLedger, monthOf, openCostLedger } from './cost-ledger';

const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
const ledgers: CostLedger[] = [];
afterEach(async () => {
  for (const ledger of ledgers.splice(0)) await ledger.close();
  for (const t of temps.splice(0)) await t.remove();
});

async function open(options: Partial<Parameters<typeof openCostLedger>[0]> = {}) {
  const t = await makeTempDir();
  temps.push(t);
  const logs: string[] = [];
  const ledger = await openCostLedger({ dataDir: t.dir, log: (l) => void logs.push(l), ...options });
  ledgers.push(ledger);
  return { ledger, dir: t.dir, logs };
}

const row = (at: number, usd = 0.008, jobId: string | null = null): CostRow => ({
  at,
  jobId,
  kind: 'generate',
  width: 64,
  height: 64,
  usd,
});
const oct31 = Date.UTC(2025, 9, 31, 23, 59);
const nov1 = Date.UTC(2025, 10, 1, 0, 1);
const dec15 = Date.UTC(2025, 11, 15);

describe('the cost ledger', () => {
  it('appends one JSON line per row, in one file per UTC month, and reads a range from the months it covers', async () => {
    const { ledger, dir } = await open();
    expect(await ledger.append(row(oct31, 0.01, 'job-a'))).toBe(true);
    expect(await ledger.append(row(nov1, 0.02))).toBe(true);
    expect(await ledger.append(row(dec15, 0.03))).toBe(true);
    expect((await readdir(path.join(dir, 'costs'))).sort()).toEqual([
      '2025-10.jsonl',
      '2025-11.jsonl',
      '2025-12.jsonl',
    ]);
    const october = await readFile(path.join(dir, 'costs', '2025-10.jsonl'), 'utf8');
    expect(october).toBe(`${JSON.stringify(row(oct31, 0.01, 'job-a'))}\n`);

    expect((await ledger.read(oct31, dec15)).map((r) => r.usd)).toEqual([0.01, 0.02]);
    expect((await ledger.read(nov1, dec15 + 1)).map((r) => r.usd)).toEqual([0.02, 0.03]);
    expect(await ledger.read(Date.UTC(2024, 0, 1), Date.UTC(2024, 5, 1))).toEqual([]);
    expect(monthOf(nov1)).toBe('2025-11');
    // The whole ledger (decades of months) opens only the month files there are.
    expect((await ledger.read(0, Date.UTC(2100, 0, 1))).map((r) => r.usd)).toEqual([0.01, 0.02, 0.03]);
  });

  it('a torn last line (a crash mid-append) is skipped, and the next row starts on its own line', async () => {
    const { ledger, dir, logs } = await open();
    await ledger.append(row(nov1, 0.01));
    await appendFile(path.join(dir, 'costs', '2025-11.jsonl'), '{"at":17619');
    const again = await openCostLedger({ dataDir: dir, log: (l) => void logs.push(l) });
    ledgers.push(again);
    await again.append(row(nov1 + 1, 0.02));
    expect((await again.read(nov1, nov1 + 10)).map((r) => r.usd)).toEqual([0.01, 0.02]);
    expect(logs.some((l) => /skipped 1 line/.test(l))).toBe(true);
  });

  it('a row the disk refuses is kept, counted by read(), and written once the disk takes it', async () => {
    const disk = fullDiskFs();
    const { ledger, dir, logs } = await open({ fs: disk.fs, retry: { firstMs: 10, maxMs: 20 } });
    await ledger.append(row(nov1, 0.01));
    disk.fill();
    expect(await ledger.append(row(nov1 + 1, 0.02))).toBe(false);
    expect(ledger.pending).toBe(1);
    expect((await ledger.read(nov1, nov1 + 10)).map((r) => r.usd)).toEqual([0.01, 0.02]);
    expect(logs.some((l) => l.includes('ENOSPC'))).toBe(true);
    disk.free();
    // The retry timer writes it without another append.
    await vi.waitFor(() => expect(ledger.pending).toBe(0), { timeout: 20_000, interval: 10 });
    const lines = (await readFile(path.join(dir, 'costs', '2025-11.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).usd)).toEqual([0.01, 0.02]);
  });

  it('refuses a row that is not one, without throwing', async () => {
    const { ledger, logs } = await open();
    expect(await ledger.append({ ...row(nov1), usd: -1 })).toBe(false);
    expect(ledger.pending).toBe(0);
    expect(logs.some((l) => l.includes('not a cost row'))).toBe(true);
  });
});
