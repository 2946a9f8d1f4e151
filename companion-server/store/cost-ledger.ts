import path from 'node:path';
import { type CostRow, costRowSchema } from '../../utils/domain';
import { type FsSeam, nodeFs } from './fs-seam';
import { describeFsError, errorCode } from './store-error';

/**
 * The cost ledger: one JSON line per paid PixelLab call, appended and fsynced, in one file per UTC month
 * (`costs/2025-11.jsonl`), so reading a date range opens only the months it covers and a year is 12 small files.
 * Append-only: a row is never rewritten. A row the disk refuses is kept in memory and appended again with the
 * next row or by a timer, and the guard counts it meanwhile (a crash before then loses it; PixelLab's balance
 * stays the truth).
 */
export interface CostLedger {
  /** Appends the row durably; on a refused write keeps it for later and resolves false. Never rejects. */
  append(row: CostRow): Promise<boolean>;
  /** Rows with `from <= at < to`, oldest first; lines that do not parse (a torn last line) are skipped. */
  read(from: number, to: number): Promise<CostRow[]>;
  /** Rows refused by the disk so far and not yet written. */
  readonly pending: number;
  /** Tries the pending rows now; true when none is left. */
  flush(): Promise<boolean>;
  /** Stops the retry timer; pending rows are lost (logged). */
  close(): Promise<void>;
}

export interface CostLedgerOptions {
  dataDir: string;
  fs?: FsSeam;
  log?: (line: string) => void;
  /** Pause before retrying refused rows, doubling up to `maxMs` (defaults 1 s and 60 s). */
  retry?: { firstMs?: number; maxMs?: number };
}

export const COSTS_DIR = 'costs';

/** `2025-11` for a time in November 2025 (UTC). */
export function monthOf(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** The UTC months from `from` to `to` (exclusive), as file names' stems. */
function monthsBetween(from: number, to: number): string[] {
  const months: string[] = [];
  const d = new Date(from);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth();
  const last = monthOf(Math.max(from, to - 1));
  for (;;) {
    const stem = `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`;
    months.push(stem);
    if (stem >= last) return months;
    m += 1;
    if (m === 12) {
      m = 0;
      y += 1;
    }
  }
}

export async function openCostLedger(options: CostLedgerOptions): Promise<CostLedger> {
  const fs = options.fs ?? nodeFs;
  const log = options.log ?? ((line: string) => console.error(line));
  const dir = path.join(options.dataDir, COSTS_DIR);
  const firstMs = options.retry?.firstMs ?? 1_000;
  const maxMs = options.retry?.maxMs ?? 60_000;
  let dirReady = false;
  async function ensureDir(): Promise<void> {
    if (dirReady) return;
    await fs.mkdir(dir);
    dirReady = true;
  }
  // A full disk must not stop the companion from starting: the folder is made again with the first row.
  await ensureDir().catch((err: unknown) => log(`Cost ledger: could not make ${dir}: ${describeFsError(err)}`));

  const fileOf = (month: string) => path.join(dir, `${month}.jsonl`);
  async function listMonthFiles(): Promise<string[]> {
    try {
      return (await fs.readdir(dir)).filter((name) => /^\d{4}-\d{2}\.jsonl$/.test(name));
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return [];
      throw err;
    }
  }
  let pending: CostRow[] = [];
  /** Month files whose last byte is known to be a newline (or that are known to be empty). */
  const cleanTail = new Set<string>();
  let chain: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let wait = 0;
  let closed = false;

  /** Whether the month file exists, and whether its last line was torn (a crash mid-append) and needs a newline first. */
  async function tailOf(file: string): Promise<{ exists: boolean; torn: boolean }> {
    if (cleanTail.has(file)) return { exists: true, torn: false };
    try {
      const bytes = await fs.readFile(file);
      return { exists: true, torn: bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a };
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return { exists: false, torn: false };
      throw err;
    }
  }

  async function appendLines(month: string, rows: CostRow[]): Promise<void> {
    await ensureDir();
    const file = fileOf(month);
    const tail = await tailOf(file);
    cleanTail.delete(file);
    const text = (tail.torn ? '\n' : '') + rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    const handle = await fs.open(file, 'a');
    try {
      await fs.write(handle, new TextEncoder().encode(text));
      await fs.fsync(handle);
    } finally {
      await fs.close(handle);
    }
    if (!tail.exists) await fs.fsyncDir(dir);
    cleanTail.add(file);
  }

  /** Writes every pending row, month by month; a row leaves `pending` only once it is on disk. */
  async function writePending(): Promise<boolean> {
    const byMonth = new Map<string, CostRow[]>();
    for (const row of pending) {
      const month = monthOf(row.at);
      byMonth.set(month, [...(byMonth.get(month) ?? []), row]);
    }
    let ok = true;
    for (const [month, monthRows] of byMonth) {
      try {
        await appendLines(month, monthRows);
        const written = new Set(monthRows);
        pending = pending.filter((row) => !written.has(row));
      } catch (err) {
        ok = false;
        log(`Cost ledger: could not append ${monthRows.length} row(s) to ${month}: ${describeFsError(err)}`);
      }
    }
    if (ok) wait = 0;
    else scheduleRetry();
    return ok;
  }

  function scheduleRetry(): void {
    if (closed || timer) return;
    wait = wait === 0 ? firstMs : Math.min(wait * 2, maxMs);
    timer = setTimeout(() => {
      timer = null;
      void serialized(writePending);
    }, wait);
    timer.unref?.();
  }

  /** One append at a time, so lines never interleave and the torn-tail check holds. */
  function serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  }

  return {
    append(row) {
      const parsed = costRowSchema.safeParse(row);
      if (!parsed.success) {
        log(`Cost ledger: not a cost row, not written: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        return Promise.resolve(false);
      }
      pending.push(parsed.data);
      return serialized(writePending);
    },
    async read(from, to) {
      const rows: CostRow[] = [];
      let skipped = 0;
      let months = monthsBetween(from, to);
      // A wide range (the whole ledger) opens only the month files there are, not years of absent ones.
      if (months.length > 24) {
        const present = new Set((await listMonthFiles()).map((name) => name.slice(0, 7)));
        months = months.filter((month) => present.has(month));
      }
      for (const month of months) {
        let text: string;
        try {
          text = new TextDecoder().decode(await fs.readFile(fileOf(month)));
        } catch (err) {
          if (errorCode(err) === 'ENOENT') continue;
          throw err;
        }
        for (const line of text.split('\n')) {
          if (!line.trim()) continue;
          let parsed: ReturnType<typeof costRowSchema.safeParse>;
          try {
            parsed = costRowSchema.safeParse(JSON.parse(line));
          } catch {
            skipped += 1;
            continue;
          }
          if (!parsed.success) skipped += 1;
          else if (parsed.data.at >= from && parsed.data.at < to) rows.push(parsed.data);
        }
      }
      if (skipped > 0) log(`Cost ledger: skipped ${skipped} line(s) that are not cost rows (a torn write?)`);
      for (const row of pending) if (row.at >= from && row.at < to) rows.push(row);
      return rows.sort((a, b) => a.at - b.at);
    },
    get pending() {
      return pending.length;
    },
    flush: () => serialized(writePending),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await chain;
      if (pending.length > 0) log(`Cost ledger: ${pending.length} row(s) could not be written before stopping`);
    },
  };
}
