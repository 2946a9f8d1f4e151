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
