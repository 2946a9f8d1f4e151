import { describe, expect, it } from 'vitest';
import { directionSet, turnaroundOrder } from '@/utils/panel/direction-set';

const job = (id: string, createdAt: number, image: string | null = `img-${id}`) => ({
  id,
  createdAt,
  status: image ? ('success' as const) : ('queued' as const),
  image,
});

describe('directionSet', () => {
  it('one cell per direction, north first; the newest try of a direction wins; the source fills its own facing', () => {
    const cells = directionSet({ ...job('src', 1), facing: 'south' }, [
      { ...job('r-east-old', 2), direction: 'east' },
      { ...job('r-east-new', 5), direction: 'east' },
      { ...job('r-west', 3, null), direction: 'west' },
    ]);
    expect(cells.map((c) => c.direction)).toEqual([
      'north',
      'north-east',
      'east',
      'south-east',
      'south',
      'south-west',
      'west',
      'north-west',
    ]);
    const byDir = Object.fromEntries(cells.map((c) => [c.direction, c]));
    expect(byDir.east!.job?.id).toBe('r-east-new');
    expect(byDir.west!.job?.status).toBe('queued');
    expect(byDir.south).toMatchObject({ isSource: true, job: { id: 'src' } });
    expect(byDir.north!.job).toBeNull();
  });

  it('a rotation to the source facing replaces the source in its cell', () => {
    const cells = directionSet({ ...job('src', 1), facing: 'south' }, [{ ...job('r-south', 2), direction: 'south' }]);
    expect(cells.find((c) => c.direction === 'south')).toMatchObject({ isSource: false, job: { id: 'r-south' } });
  });

  it('the turnaround runs clockwise from south over the cells that have an image', () => {
    const cells = directionSet({ ...job('src', 1), facing: 'south' }, [
      { ...job('n', 2), direction: 'north' },
      { ...job('w', 2), direction: 'west' },
      { ...job('e', 2, null), direction: 'east' },
      { ...job('sw', 2), direction: 'south-west' },
    ]);
    expect(turnaroundOrder(cells).map((c) => c.direction)).toEqual(['south', 'south-west', 'west', 'north']);
  });
});
