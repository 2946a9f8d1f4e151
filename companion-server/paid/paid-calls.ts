import { randomUUID } from 'node:crypto';
import type { CostRow } from '../../utils/domain';
import type { CostLedger } from '../store/cost-ledger';
import type { ResultSpool, SpoolSlot } from '../store/result-spool';
import { createSpendingGuard, type PaidCallInfo, type SpendingGuard } from './spending-guard';

/**
 * Every paid PixelLab call passes here before it is made: the spending guard's limits, and a recovery-spool slot
 * for its result (no room: no call, so a paid result always has somewhere to land). After PixelLab answers, its
 * cost goes to the guard and to the ledger.
 */
export interface PaidCalls {
  /** Admits one call or throws PaidCallRefused; the ticket must be paid or cancelled. */
  admit(call: PaidCallInfo): PaidTicket;
  /** A cost row the recovery spool kept: written to the ledger and counted by the guard, unless the ledger has it. */
  restore(row: CostRow): Promise<void>;
  readonly guard: SpendingGuard;
  readonly spool: ResultSpool | null;
}

export interface PaidTicket {
  /** Where the result goes if the store refuses it; null without a spool (tests). */
  readonly slot: SpoolSlot | null;
  /**
   * PixelLab answered: records the cost (its estimate when PixelLab named none) and returns its ledger row, which
   * goes into the recovery spool with the result. Never rejects.
   */
  paid(usd: number | null): Promise<CostRow>;
  /** Nothing was charged: frees the estimate and the slot. */
  cancel(): void;
}

/** A paid call the companion did not make; `message` is fit to show as it is. */
export class PaidCallRefused extends Error {
  override readonly name = 'PaidCallRefused';
  constructor(
    readonly reason: 'usd_per_day' | 'calls_per_minute' | 'no_room',
    message: string,
    /** When a call may be admitted again (ms), when that is known. */
    readonly resetsAt: number | null,
  ) {
    super(message);
  }
}

export interface PaidCallsOptions {
  /** Default: no limits. */
  guard?: SpendingGuard;
  ledger?: CostLedger | null;
  spool?: ResultSpool | null;
  now?: () => number;
}

export function createPaidCalls(options: PaidCallsOptions = {}): PaidCalls {
  const guard = options.guard ?? createSpendingGuard({ limits: { maxUsdPerDay: null, maxCallsPerMinute: null } });
  const ledger = options.ledger ?? null;
  const spool = options.spool ?? null;
  const now = options.now ?? Date.now;

  return {
    guard,
    spool,
    async restore(row) {
      if (!ledger || !row.id) return;
      const near = await ledger.read(row.at, row.at + 1).catch(() => []);
      if (near.some((known) => known.id === row.id)) return;
      guard.record(row);
      await ledger.append(row);
    },
    admit(call) {
      const slot = spool ? spool.reserve() : null;
      if (spool && !slot) {
        throw new PaidCallRefused(
          'no_room',
          spool.capacity === 0
            ? 'The companion cannot set aside room on disk to keep a paid result (is the disk full?), so it makes no paid call. Free some space and try again. Nothing was charged.'
            : `The companion already holds ${spool.capacity - spool.free} paid result(s) it cannot save yet (is the disk full?), so it makes no more paid calls. Free some space and try again. Nothing was charged.`,
          null,
        );
      }
      const admission = guard.admit(call);
      if (!admission.ok) {
        void slot?.release();
        throw new PaidCallRefused(admission.refusal.reason, admission.refusal.message, admission.refusal.resetsAt);
      }
      const { ticket } = admission;
      let settled = false;
      return {
        slot,
        async paid(usd) {
          const at = now();
          const row: CostRow = {
            id: randomUUID(),
            at,
            jobId: call.jobId,
            kind: call.kind,
            width: call.width,
            height: call.height,
            usd: settled ? 0 : ticket.settle(usd, at),
            ...(usd === null ? { estimated: true } : {}),
          };
          if (settled) return row;
          settled = true;
          await ledger?.append(row);
          return row;
        },
        cancel() {
          if (settled) return;
          settled = true;
          ticket.cancel();
          void slot?.release();
        },
      };
    },
  };
}
