import { z } from 'zod';
import type { Bucket, Cell, InsightsMain, InsightsMonth } from '@/utils/insights/aggregate';

/** The stored aggregates (`insights`, `insights:<YYYY-MM>`), checked when read: a bad value means a rebuild. */

const count = z.number().int().nonnegative();
const cellSchema = z.object({
  n: count,
  micros: z.number().int(),
  paid: count,
  timed: count,
  ms: z.number().int(),
  hist: z.record(z.string(), count).optional(),
}) satisfies z.ZodType<Cell>;

const bucketSchema = cellSchema.extend({
  by: z.record(z.string(), z.record(z.string(), cellSchema)),
}) satisfies z.ZodType<Bucket>;

export const insightsMainSchema = z.object({
  version: z.literal(1),
  tz: z.string(),
  total: bucketSchema,
  days: z.record(
    z.string(),
    z.object({ status: z.record(z.string(), count), spend: z.record(z.string(), z.number()) }),
  ),
  prices: z.record(z.string(), z.object({ usd: z.number().nonnegative(), at: z.number() })),
}) satisfies z.ZodType<InsightsMain>;

export const insightsMonthSchema = z.object({
  days: z.record(z.string(), bucketSchema),
}) satisfies z.ZodType<InsightsMonth>;

const daySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');

/** A range as the console API takes it: '7d', '30d', 'all', or `{ from, to }` days (inclusive). */
export const insightsRangeSchema = z.union([
  z.enum(['7d', '30d', 'all']),
  z.object({ from: daySchema, to: daySchema }).refine((r) => r.from <= r.to, 'from is after to'),
]);
