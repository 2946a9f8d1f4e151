import type { Job } from './job';
import { type Direction, directionSchema } from './primitives';

/** The way a job's image faces: a rotation's target, or the `direction` option it was made with; null: unknown. */
export function facingOf(job: Pick<Job, 'rotate' | 'options'>): Direction | null {
  if (job.rotate) return job.rotate.toDirection;
  const parsed = directionSchema.safeParse((job.options as { direction?: unknown } | null | undefined)?.direction);
  return parsed.success ? parsed.data : null;
}
