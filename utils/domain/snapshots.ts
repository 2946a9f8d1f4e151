import { z } from 'zod';

/** One dated copy of the companion's history (its `snapshots/` folder). */
export const snapshotInfoSchema = z.object({
  /** The file name: what a restore asks for. */
  id: z.string().min(1),
  takenAt: z.string(),
  /** Live jobs it holds. */
  jobs: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type SnapshotInfo = z.infer<typeof snapshotInfoSchema>;

export const snapshotListSchema = z.object({ snapshots: z.array(snapshotInfoSchema) });

/** What a restore did: the jobs it brought back, and how many it left as they are. */
export const restoreResultSchema = z.object({
  restored: z.number().int().nonnegative(),
  ids: z.array(z.string()),
  kept: z.number().int().nonnegative(),
  from: snapshotInfoSchema.shape.takenAt,
});
export type RestoreResult = z.infer<typeof restoreResultSchema>;
