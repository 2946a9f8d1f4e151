// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Compass } from '@/components/export/Compass';
import { directionSet } from '@/utils/panel/direction-set';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const job = (id: string, status: 'success' | 'queued' | 'error' = 'success') => ({
  id,
  createdAt: 1,
  status,
  image: status === 'success' ? `hash-${id}` : null,
});
const cells = directionSet({ ...job('src'), facing: 'south' }, [
  { ...job('east'), direction: 'east' },
  { ...job('west'), direction: 'west' },
  { ...job('north', 'queued'), direction: 'north' },
  { ...job('ne', 'error'), direction: 'north-east' },
]);

function setup() {
  const onRerun = vi.fn();
  const onOpen = vi.fn();
  const onExport = vi.fn();
  render(
    <Compass
      prompt="Knight"
      cells={cells}
      width={16}
      height={24}
      zoom={3}
      imageOf={(c) => `blob:${c.job?.id}`}
      onRerun={onRerun}
      onOpen={onOpen}
      onExport={onExport}
    />,
  );
  return { onRerun, onOpen, onExport };
}

describe('Compass', () => {
  it('shows each direction at integer zoom, what is running or failed, and re-runs any cell but the source', () => {
    const { onRerun, onOpen } = setup();
    expect(screen.getByRole('region', { name: 'Directions of Knight: 3 of 8' })).toBeTruthy();
    const east = screen.getByRole('button', { name: 'Open east' }).querySelector('img')!;
    expect([east.getAttribute('width'), east.getAttribute('height')]).toEqual(['48', '72']);
    expect(screen.getByRole('button', { name: 'Open south (the source)' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /to south$/ })).toBeNull();
    expect(screen.getByText('Working…')).toBeTruthy();
    expect(screen.getByText('Failed')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Run again to north' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Run again to north-east' }));
    fireEvent.click(screen.getByRole('button', { name: 'Rotate to south-west' }));
    expect(onRerun.mock.calls).toEqual([['north-east'], ['south-west']]);
    fireEvent.click(screen.getByRole('button', { name: 'Open west' }));
    expect(onOpen).toHaveBeenCalledWith('west');
  });

  it('plays the turnaround clockwise from south, and exports the set in that order', () => {
    vi.useFakeTimers();
    const { onExport } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Play turnaround' }));
    const seen = [screen.getByTestId('turnaround').getAttribute('alt')];
    for (let i = 0; i < 3; i++) {
      act(() => {
        vi.advanceTimersByTime(180);
      });
      seen.push(screen.getByTestId('turnaround').getAttribute('alt'));
    }
    expect(seen).toEqual(['Facing south', 'Facing west', 'Facing east', 'Facing south']);
    fireEvent.click(screen.getByRole('button', { name: 'Stop turnaround' }));
    expect(screen.queryByTestId('turnaround')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Export set…' }));
    expect(onExport.mock.calls[0]![0].map((c: { direction: string }) => c.direction)).toEqual([
      'south',
      'west',
      'east',
    ]);
  });
});
