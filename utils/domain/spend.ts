import { z } from 'zod';
import { timeSchema } from './clock';
import { imageHashSchema, jobIdSchema, jobKindSchema, jobSchema } from './job';

/** Widest side a stored record may name (as jobSchema's stored sizes). */
const sideSchema = z.number().int().min(1).max(4096);
const usdSchema = z.number().finite().nonnegative().max(1_000_000);

/**
 * One paid PixelLab call, as the companion's cost ledger keeps it (one JSON line each, in
 * `<dataDir>/costs/<YYYY-MM>.jsonl`, by UTC month of `at`). Loose, so a newer companion's fields survive.
 */
export const costRowSchema = z.looseObject({
  /** The call's id, so a row restored from the recovery spool is written once. */
  id: z.string().max(64).optional(),
  /** When PixelLab answered, ms since 1970. */
  at: timeSchema,
  /** The job it was for, or null for a call of the old API (`/generate-character`, `/rotate-character`). */
  jobId: jobIdSchema.nullable(),
  kind: jobKindSchema,
  width: sideSchema,
  height: sideSchema,
  /** What PixelLab charged (its answer's `usage.usd`). */
  usd: usdSchema,
  /** True when PixelLab's answer named no cost and `usd` is the companion's estimate. */
  estimated: z.boolean().optional(),
});
export type CostRow = z.infer<typeof costRowSchema>;

/** The spending guard's limits; null means off. Set per device (flags or environment), never synced. */
export const spendLimitsSchema = z.object({
  maxUsdPerDay: usdSchema.nullable(),
  maxCallsPerMinute: z.number().int().positive().nullable(),
});
export type SpendLimits = z.infer<typeof spendLimitsSchema>;

/** `GET /api/v1/spend`: what this companion spent today (its local day) and what it may still spend. */
export const spendResponseSchema = z.object({
  /** Charged by PixelLab today, as the ledger has it. */
  todayUsd: usdSchema,
  /** Estimated cost of the calls waiting on PixelLab right now (counted against the daily limit). */
  inFlightUsd: usdSchema,
  /** Paid calls started in the last 60 s. */
  callsLastMinute: z.number().int().nonnegative(),
  limits: spendLimitsSchema,
  /** Local midnight that started today, and the next one, when the daily limit resets (ms). */
  dayStartedAt: timeSchema,
  resetsAt: timeSchema,
});
export type SpendResponse = z.infer<typeof spendResponseSchema>;

/**
 * A paid result the companion could not store yet, as its recovery spool keeps it until the disk takes it.
 * `job` is null for a call of the old API (only the image is kept then).
 */
export const spooledResultSchema = z.object({
  version: z.literal(1),
  /** When PixelLab answered. */
  at: timeSchema,
  /** The PNG, base64. */
  png: z.string().min(1),
  job: z
    .object({
      /** The version the runner wrote when it started the job. */
      running: jobSchema,
      image: imageHashSchema,
      seed: z.number().int().nonnegative().nullable(),
      usd: usdSchema.nullable(),
      endTime: timeSchema,
    })
    .nullable(),
  /** The call's cost row, written to the ledger at recovery if the ledger does not hold it yet. */
  cost: costRowSchema.nullable().default(null),
});
export type SpooledResult = z.infer<typeof spooledResultSchema>;

/** `GET /api/v1/ledger?from&to`: ms since 1970, `from` inclusive, `to` exclusive; both optional (all of it). */
export const ledgerQuerySchema = z
  .object({
    from: z.coerce.number().int().nonnegative().max(8.64e15).optional(),
    to: z.coerce.number().int().nonnegative().max(8.64e15).optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: 'must not be after `to`',
    path: ['from'],
  });
export type LedgerQuery = z.infer<typeof ledgerQuerySchema>;

/** The ledger's rows of a range, oldest first. */
export const ledgerResponseSchema = z.object({ rows: z.array(costRowSchema) });
export type LedgerResponse = z.infer<typeof ledgerResponseSchema>;

/** The columns of the ledger as CSV: one row per paid call. */
export const LEDGER_CSV_HEADER = ['date', 'job', 'kind', 'size', 'usd', 'estimated'] as const;

/** A cell a spreadsheet will not run as a formula, quoted when it must be. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** USD without float noise or exponents: up to 6 decimals, trailing zeros dropped. */
export function formatLedgerUsd(usd: number): string {
  return usd.toFixed(6).replace(/\.?0+$/, '') || '0';
}

/** The ledger as CSV (date in UTC ISO 8601; the job is empty for a call of the old API). */
export function ledgerCsv(rows: readonly CostRow[]): string {
  const lines = [LEDGER_CSV_HEADER.join(',')];
  for (const row of rows) {
    lines.push(
      [
        new Date(row.at).toISOString(),
        row.jobId ?? '',
        row.kind,
        `${row.width}x${row.height}`,
        formatLedgerUsd(row.usd),
        row.estimated ? 'true' : 'false',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** What a first call is assumed to cost before any price was seen: about a small pixflux sprite. */
export const FIRST_CALL_ESTIMATE_USD = 0.01;

/** The newest price seen for a kind and size (`generate:64x64`). */
export interface SeenPrice {
  usd: number;
  at: number;
}

/**
 * What one call will likely cost, by the spending guard's rule: the newest price of the same kind and size; else
 * the newest of the same kind scaled by area; else FIRST_CALL_ESTIMATE_USD.
 */
export function estimateCallUsd(
  prices: Readonly<Record<string, SeenPrice>>,
  call: { kind: string; width: number; height: number },
): { usd: number; basis: 'same size' | 'scaled' | 'default' } {
  const exact = prices[`${call.kind}:${call.width}x${call.height}`];
  if (exact) return { usd: exact.usd, basis: 'same size' };
  let newest: { usd: number; area: number; at: number } | null = null;
  for (const [key, price] of Object.entries(prices)) {
    const m = /^([^:]+):(\d+)x(\d+)$/.exec(key);
    if (!m || m[1] !== call.kind || (newest && newest.at >= price.at)) continue;
    newest = { usd: price.usd, area: Number(m[2]) * Number(m[3]), at: price.at };
  }
  if (newest && newest.area > 0) return { usd: (newest.usd * call.width * call.height) / newest.area, basis: 'scaled' };
  return { usd: FIRST_CALL_ESTIMATE_USD, basis: 'default' };
}
