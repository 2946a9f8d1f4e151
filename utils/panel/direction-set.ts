import { type Direction, directions, type Job } from '@/utils/domain';

/**
 * A direction set: a source sprite and the rotations made from it, one cell per direction as a compass shows
 * them. A direction rotated more than once shows its newest try (a re-run replaces the cell, the older try stays
 * in the history).
 */
export interface DirectionCell {
  direction: Direction;
  /** The newest rotation to this direction, or the source itself when it faces this way; null: none yet. */
  job: Pick<Job, 'id' | 'status' | 'image' | 'createdAt'> | null;
  /** The source's own cell: it is not re-run by a rotation. */
  isSource: boolean;
}

/** The eight cells in compass order (north first, clockwise), from the source and every job derived from it. */
export function directionSet(
  source: Pick<Job, 'id' | 'status' | 'image' | 'createdAt'> & { facing: Direction | null },
  derived: readonly (Pick<Job, 'id' | 'status' | 'image' | 'createdAt'> & { direction: Direction })[],
): DirectionCell[] {
  const newest = new Map<Direction, (typeof derived)[number]>();
  for (const job of derived) {
    const held = newest.get(job.direction);
    if (!held || job.createdAt > held.createdAt || (job.createdAt === held.createdAt && job.id > held.id))
      newest.set(job.direction, job);
  }
  return directions.map((direction) => {
    if (source.facing === direction && !newest.has(direction)) return { direction, job: source, isSource: true };
    return { direction, job: newest.get(direction) ?? null, isSource: false };
  });
}

/** The turnaround's frames: the cells with an image, clockwise from south (how game engines list directions). */
export function turnaroundOrder(cells: readonly DirectionCell[]): DirectionCell[] {
  const start = directions.indexOf('south');
  const clockwise = [...directions.slice(start), ...directions.slice(0, start)];
  return clockwise.flatMap((d) => cells.filter((c) => c.direction === d && c.job?.image));
}

/** The grid place of each direction in a 3x3 compass (the middle is the source's name). */
export const COMPASS_PLACE: Record<Direction, { row: number; column: number }> = {
  'north-west': { row: 1, column: 1 },
  north: { row: 1, column: 2 },
  'north-east': { row: 1, column: 3 },
  west: { row: 2, column: 1 },
  east: { row: 2, column: 3 },
  'south-west': { row: 3, column: 1 },
  south: { row: 3, column: 2 },
  'south-east': { row: 3, column: 3 },
};
