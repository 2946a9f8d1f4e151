import { describe, expect, it } from 'vitest';
import type { CostRow } from '../../utils/domain';
import {
  createSpendingGuard,
  FIRST_CALL_ESTIMATE_USD,
  localNextDay,
  localStartOfDay,
  type PaidCallInfo,
} from './spending-guard';

const DAY = 86_400_000;
/** A fixed day in UTC, so the tests do not depend on the machine's time zone. */
const dayStart = Date.UTC(2025, 10, 1);
const days = {
  startOfDay: (t: number) => t - ((t - dayStart) % DAY),
  nextDay: (t: number) => t - ((t - dayStart) % DAY) + DAY,
};
const gen = (width = 64, height = 64) => ({ kind: 'generate' as const, width, height, jobId: null });
const row = (at: number, usd: number, fields: Partial<CostRow> = {}): CostRow => ({
  at,
  jobId: null,
  kind: 'generate',
  width: 64,
  height: 64,
  usd,
  ...fields,
});

function guardAt(
  start: number,
  limits: { maxUsdPerDay: number | null; maxCallsPerMinute: number | null },
  rows: CostRow[] = [],
) {
  const clock = { t: start };
  const guard = createSpendingGuard({ limits, rows, now: () => clock.t, ...days });
  return { guard, clock };
}

describe('the daily limit', () => {
  it('admits while spent + in flight + this estimate fit, then refuses with the limit, the spend and the reset', () => {
    const { guard, clock } = guardAt(dayStart + 10 * 3_600_000, { maxUsdPerDay: 0.05, maxCallsPerMinute: null });
    const first = guard.admit(gen());
    if (!first.ok) throw new Error('refused');
    expect(first.ticket.estimateUsd).toBe(FIRST_CALL_ESTIMATE_USD);
    expect(first.ticket.settle(0.02, clock.t)).toBe(0.02);
    // Calls of this size are now estimated at $0.02: one more fits (0.02 + 0.02), a second would not (0.06 > 0.05).
    const second = guard.admit(gen());
    expect(second.ok).toBe(true);
    const third = guard.admit(gen());
    expect(third.ok).toBe(false);
    if (third.ok) return;
    expect(third.refusal.reason).toBe('usd_per_day');
    expect(third.refusal.resetsAt).toBe(dayStart + DAY);
    expect(third.refusal.message).toMatch(/at most \$0\.05 a day/);
    expect(third.refusal.message).toMatch(/\$0\.02 was spent today and \$0\.02 is held for calls still running/);
    expect(third.refusal.message).toMatch(/would cost about \$0\.02/);
    expect(third.refusal.message).toMatch(/--max-usd-per-day/);
    expect(third.refusal.message).toMatch(/Nothing was charged/);
    expect(guard.snapshot()).toMatchObject({ todayUsd: 0.02, inFlightUsd: 0.02, callsLastMinute: 2 });
  });

  it('a cancelled call frees its estimate; PixelLab naming no cost counts the estimate', () => {
    const { guard, clock } = guardAt(dayStart + 1000, { maxUsdPerDay: 0.02, maxCallsPerMinute: null });
    const a = guard.admit(gen());
    const b = guard.admit(gen());
    expect(b.ok).toBe(true);
    expect(guard.admit(gen()).ok).toBe(false);
    if (!a.ok || !b.ok) return;
    a.ticket.cancel();
    expect(guard.snapshot().inFlightUsd).toBe(0.01);
    expect(b.ticket.settle(null, clock.t)).toBe(FIRST_CALL_ESTIMATE_USD);
    expect(guard.snapshot()).toMatchObject({ todayUsd: 0.01, inFlightUsd: 0 });
  });

  it('estimates from the last cost of the same size, else the same kind scaled by area', () => {
    const { guard } = guardAt(dayStart + 1000, { maxUsdPerDay: 100, maxCallsPerMinute: null }, [
      row(dayStart + 10, 0.008, { width: 64, height: 64 }),
      row(dayStart + 20, 0.03, { kind: 'rotate', width: 128, height: 128 }),
    ]);
    const estimate = (call: PaidCallInfo) => {
      const a = guard.admit(call);
      if (!a.ok) throw new Error('refused');
      a.ticket.cancel();
      return a.ticket.estimateUsd;
    };
    expect(estimate(gen(64, 64))).toBe(0.008);
    expect(estimate(gen(128, 128))).toBeCloseTo(0.032);
    expect(estimate({ kind: 'rotate', width: 64, height: 64, jobId: 'job-1' })).toBeCloseTo(0.0075);
  });

  it("starts the day from the ledger's rows, and resets at the next midnight", () => {
    const { guard, clock } = guardAt(dayStart + 23 * 3_600_000, { maxUsdPerDay: 1, maxCallsPerMinute: null }, [
      row(dayStart - 1000, 5), // yesterday: not counted
      row(dayStart + 1000, 0.995),
    ]);
    expect(guard.snapshot()).toMatchObject({ todayUsd: 0.995, dayStartedAt: dayStart, resetsAt: dayStart + DAY });
    expect(guard.admit(gen()).ok).toBe(false);
    clock.t = dayStart + DAY + 1;
    expect(guard.snapshot().todayUsd).toBe(0);
    expect(guard.admit(gen()).ok).toBe(true);
  });
});

describe('the per-minute limit', () => {
  it('counts every admitted call in a sliding minute and says when the oldest leaves it', () => {
    const { guard, clock } = guardAt(dayStart + 5_000, { maxUsdPerDay: null, maxCallsPerMinute: 2 });
    const a = guard.admit(gen());
    clock.t += 10_000;
    const b = guard.admit(gen());
    if (!a.ok || !b.ok) throw new Error('refused');
    a.ticket.cancel(); // a failed call still counts toward the minute
    const c = guard.admit(gen());
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.refusal.reason).toBe('calls_per_minute');
    expect(c.refusal.resetsAt).toBe(dayStart + 65_000);
    expect(c.refusal.message).toMatch(/at most 2 PixelLab calls a minute \(--max-calls-per-minute\), and 2 started/);
    expect(c.refusal.message).toMatch(/resets in 50 s/);
    clock.t = dayStart + 65_000;
    expect(guard.admit(gen()).ok).toBe(true);
    expect(guard.snapshot().callsLastMinute).toBe(2);
  });

  it('no limits: everything is admitted', () => {
    const { guard } = guardAt(dayStart, { maxUsdPerDay: null, maxCallsPerMinute: null });
    for (let i = 0; i < 1000; i++) expect(guard.admit(gen(400, 400)).ok).toBe(true);
  });
});

describe('local days', () => {
  it('start at local midnight and last until the next one, across DST changes', () => {
    const t = Date.UTC(2025, 2, 30, 12);
    const start = localStartOfDay(t);
    const next = localNextDay(t);
    expect(new Date(start).getHours()).toBe(0);
    expect(new Date(next).getHours()).toBe(0);
    expect(next).toBeGreaterThan(t);
    expect(start).toBeLessThanOrEqual(t);
    expect(next - start).toBeGreaterThanOrEqual(23 * 3_600_000);
    expect(next - start).toBeLessThanOrEqual(25 * 3_600_000);
  });
});
