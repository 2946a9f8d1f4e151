// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrashView, type TrashViewProps } from '@/components/TrashView';
import type { IndexEntry } from '@/utils/storage/layout';

afterEach(cleanup);

const NOW = 1_700_000_000_000;
const entry = (id: string, prompt: string, trashedAt: number): IndexEntry => ({
  id,
  createdAt: 1,
  status: 'success',
  prompt,
  trashedAt,
});

function show(overrides: Partial<TrashViewProps> = {}) {
  const props: TrashViewProps = {
    entries: [entry('a', 'knight', NOW - 60_000), entry('b', 'mage', NOW - 7_200_000)],
    count: 2,
    getJob: () => undefined,
    getImage: () => undefined,
    onVisibleIds: vi.fn(),
    now: NOW,
    onRestore: vi.fn(),
    onDelete: vi.fn(),
    onClose: vi.fn(),
    ...overrides,
  };
  render(<TrashView {...props} />);
  return props;
}

describe('TrashView', () => {
  it('lists the trashed jobs with when they were deleted, and asks for their rows', () => {
    const props = show();
    expect(screen.getByRole('heading', { name: 'Trash' })).toBeTruthy();
    expect(screen.getByText('2 jobs')).toBeTruthy();
    expect(screen.getByText('Deleted 1 min ago')).toBeTruthy();
    expect(props.onVisibleIds).toHaveBeenCalledWith(['a', 'b']);
  });

  it('Restore sends that job; Delete forever asks first, then purges only it', () => {
    const props = show();
    fireEvent.click(screen.getByRole('button', { name: 'Restore “knight”' }));
    expect(props.onRestore).toHaveBeenCalledWith(['a']);
    fireEvent.click(screen.getByRole('button', { name: 'Delete forever “mage”' }));
    expect(props.onDelete).not.toHaveBeenCalled();
    expect(screen.getByRole('alertdialog', { name: 'Delete “mage” forever?' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete forever' }));
    expect(props.onDelete).toHaveBeenCalledWith(['b']);
  });

  it('Empty trash asks first; Cancel changes nothing, Yes purges every trashed job', () => {
    const props = show();
    fireEvent.click(screen.getByRole('button', { name: 'Empty trash' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(props.onDelete).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Empty trash' }));
    expect(screen.getByRole('alertdialog', { name: 'Delete all 2 jobs in the trash forever?' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, empty the trash' }));
    expect(props.onDelete).toHaveBeenCalledWith(undefined);
  });

  it('an empty trash says how long jobs wait there, and cannot be emptied', () => {
    show({ entries: [], count: 0 });
    expect(screen.getByText(/wait here for 30 days/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Empty trash' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
