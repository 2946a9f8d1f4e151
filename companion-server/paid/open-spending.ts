import type { SpendLimits } from '../../utils/domain';
import { type CostLedger, openCostLedger } from '../store/cost-ledger';
import type { FsSeam } from '../store/fs-seam';
import { openResultSpool } from '../store/result-spool';
import { createPaidCalls, type PaidCalls } from './paid-calls';
import { createSpendingGuard, localStartOfDay, type SpendingGuard } from './spending-guard';

/**
 * What every paid call passes, opened from the data dir: the cost ledger (today's rows set the guard's day, so a
 * restart does not reset it), the recovery spool (its reserve made now, while the disk has room), and the guard.
 */
export async function openSpending(options: {
  dataDir: string;
  limits: SpendLimits;
  log: (line: string) => void;
  now?: () => number;
  /** The file-system seam (tests inject faults through it). */
  fs?: FsSeam;
}): Promise<{ paid: PaidCalls; guard: SpendingGuard; ledger: CostLedger; close(): Promise<void> }> {
  const now = options.now ?? Date.now;
  const ledger = await openCostLedger({ dataDir: options.dataDir, log: options.log, fs: options.fs });
  const spool = await openResultSpool({ dataDir: options.dataDir, log: options.log, now, fs: options.fs });
  const t = now();
  // Today, and the last minute when it began before midnight.
  const rows = await ledger.read(Math.min(localStartOfDay(t), t - 60_000), t + 1);
  const guard = createSpendingGuard({ limits: options.limits, rows, now });
  if (spool.recovered.length > 0)
    options.log(`Recovery spool: ${spool.recovered.length} paid result(s) from the last run wait to be stored`);
  return {
    guard,
    ledger,
    paid: createPaidCalls({ guard, ledger, spool, now }),
    async close() {
      await ledger.close();
      await spool.close();
    },
  };
}
