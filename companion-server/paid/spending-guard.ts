import {
  type CostRow,
  FIRST_CALL_ESTIMATE_USD,
  type JobKind,
  type SpendLimits,
  type SpendResponse,
} from '../../utils/domain';

/**
 * The spending guard: the user's daily and per-minute limits on paid PixelLab calls, per device.
 *
 * Accounting, so a limit is never passed knowingly:
 * - A call is admitted only if today's spend + the estimates of the calls in flight + this call's estimate stay
 *   within the daily limit. Its estimate is held until PixelLab answers; then the real cost replaces it.
 * - The estimate is the last cost seen for the same kind and size; else the last cost of the same kind scaled by
 *   area; else FIRST_CALL_ESTIMATE_USD. A call can still cost more than estimated, so the day can end above the
 *   limit by at most that error on the calls in flight.
 * - Every admitted call counts toward the minute, whatever PixelLab answered (a loop of failing calls is capped too).
 * - A day is the companion machine's local calendar day; the daily limit resets at local midnight.
 */
export interface SpendingGuard {
  /** Admits one call or says why not; an admitted call must be settled or cancelled. */
  admit(call: PaidCallInfo): Admission;
  /** Counts a charge made before this guard knew of it (a row restored from the recovery spool). */
  record(row: CostRow): void;
  snapshot(): SpendResponse;
}

export interface PaidCallInfo {
  kind: JobKind;
  width: number;
  height: number;
  /** The job it is for, or null for a call of the old API. */
  jobId: string | null;
}

export type Admission = { ok: true; ticket: GuardTicket } | { ok: false; refusal: SpendingRefusal };

export interface GuardTicket {
  readonly estimateUsd: number;
  /** PixelLab answered: counts what it charged (its estimate when PixelLab named no cost); returns that amount. */
  settle(usd: number | null, at: number): number;
  /** No charge (PixelLab failed, or the call was not made). */
  cancel(): void;
}

export interface SpendingRefusal {
  reason: 'usd_per_day' | 'calls_per_minute';
  /** Plain words: the limit, what was spent, when it resets. */
  message: string;
  /** When a call would be admitted again (ms). */
  resetsAt: number;
}

export { FIRST_CALL_ESTIMATE_USD };

const MINUTE_MS = 60_000;

export interface SpendingGuardOptions {
  limits: SpendLimits;
  /** Ledger rows of today (and the last minute), so a restart does not reset the day. */
  rows?: readonly CostRow[];
  now?: () => number;
  /** Local midnight at or before `t` (injectable for tests across time zones). */
  startOfDay?: (t: number) => number;
  /** The next local midnight after `t`. */
  nextDay?: (t: number) => number;
}

export function localStartOfDay(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function localNextDay(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

export function createSpendingGuard(options: SpendingGuardOptions): SpendingGuard {
  const { limits } = options;
  const now = options.now ?? Date.now;
  const startOfDay = options.startOfDay ?? localStartOfDay;
  const nextDay = options.nextDay ?? localNextDay;

  /** Charges of the current day: [at, usd]. */
  let charges: [number, number][] = [];
  /** Start times of admitted calls in the last minute, oldest first. */
  let starts: number[] = [];
  const inFlight = new Set<{ estimate: number }>();
  /** Last cost per `${kind}:${width}x${height}`, and per kind (with its area). */
  const lastBySize = new Map<string, number>();
  const lastByKind = new Map<string, { usd: number; area: number }>();

  function learn(kind: JobKind, width: number, height: number, usd: number): void {
    lastBySize.set(`${kind}:${width}x${height}`, usd);
    lastByKind.set(kind, { usd, area: width * height });
  }

  function record(row: CostRow): void {
    charges.push([row.at, row.usd]);
    starts.push(row.at);
    if (!row.estimated) learn(row.kind, row.width, row.height, row.usd);
  }
  for (const row of [...(options.rows ?? [])].sort((a, b) => a.at - b.at)) record(row);

  function prune(t: number): void {
    const dayStart = startOfDay(t);
    if (charges.length > 0 && charges[0]![0] < dayStart) charges = charges.filter(([at]) => at >= dayStart);
    if (starts.length > 0 && starts[0]! <= t - MINUTE_MS) starts = starts.filter((at) => at > t - MINUTE_MS);
  }

  function estimate(call: PaidCallInfo): number {
    const exact = lastBySize.get(`${call.kind}:${call.width}x${call.height}`);
    if (exact !== undefined) return exact;
    const sameKind = lastByKind.get(call.kind);
    if (sameKind && sameKind.area > 0) return (sameKind.usd * call.width * call.height) / sameKind.area;
    return FIRST_CALL_ESTIMATE_USD;
  }

  const spentToday = () => charges.reduce((sum, [, usd]) => sum + usd, 0);
  const heldInFlight = () => [...inFlight].reduce((sum, held) => sum + held.estimate, 0);

  return {
    admit(call) {
      const t = now();
      prune(t);
      const cost = estimate(call);
      if (limits.maxCallsPerMinute !== null && starts.length >= limits.maxCallsPerMinute) {
        const resetsAt = starts[starts.length - limits.maxCallsPerMinute]! + MINUTE_MS;
        const seconds = Math.max(1, Math.ceil((resetsAt - t) / 1000));
        return {
          ok: false,
          refusal: {
            reason: 'calls_per_minute',
            resetsAt,
            message: `Paid-call limit reached: this companion makes at most ${limits.maxCallsPerMinute} PixelLab calls a minute (--max-calls-per-minute), and ${starts.length} started in the last minute. It resets in ${seconds} s, at ${clockTime(resetsAt)}. Nothing was charged for this one.`,
          },
        };
      }
      if (limits.maxUsdPerDay !== null) {
        const spent = spentToday();
        const held = heldInFlight();
        if (spent + held + cost > limits.maxUsdPerDay + 1e-9) {
          const resetsAt = nextDay(t);
          const running = held > 0 ? ` and ${usd(held)} is held for calls still running` : '';
          return {
            ok: false,
            refusal: {
              reason: 'usd_per_day',
              resetsAt,
              message: `Daily spending limit reached: this companion spends at most ${usd(limits.maxUsdPerDay)} a day on PixelLab (--max-usd-per-day). ${usd(spent)} was spent today${running}, and this call would cost about ${usd(cost)}. The limit resets at midnight, ${dayTime(resetsAt)} (local time). Nothing was charged for this one.`,
            },
          };
        }
      }
      starts.push(t);
      const held = { estimate: cost };
      inFlight.add(held);
      let done = false;
      return {
        ok: true,
        ticket: {
          estimateUsd: cost,
          settle(paid, at) {
            if (done) return 0;
            done = true;
            inFlight.delete(held);
            const charged = paid ?? cost;
            if (paid !== null) learn(call.kind, call.width, call.height, paid);
            prune(at);
            if (at >= startOfDay(now())) charges.push([at, charged]);
            return charged;
          },
          cancel() {
            done = true;
            inFlight.delete(held);
          },
        },
      };
    },
    record(row) {
      record(row);
      charges.sort((a, b) => a[0] - b[0]);
      starts.sort((a, b) => a - b);
      prune(now());
    },
    snapshot() {
      const t = now();
      prune(t);
      return {
        todayUsd: round(spentToday()),
        inFlightUsd: round(heldInFlight()),
        callsLastMinute: starts.length,
        limits: { ...limits },
        dayStartedAt: startOfDay(t),
        resetsAt: nextDay(t),
      };
    },
  };
}

/** Cents are too coarse for sprites that cost under one. */
function usd(amount: number): string {
  return `$${amount < 1 ? amount.toFixed(4).replace(/0{1,2}$/, '') : amount.toFixed(2)}`;
}

const round = (amount: number) => Math.round(amount * 1e6) / 1e6;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function clockTime(t: number): string {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function dayTime(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
