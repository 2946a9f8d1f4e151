// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UNDO_MS, UndoToast } from '@/components/UndoToast';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('UndoToast', () => {
  it('offers Undo in a live region; Undo restores and closes', () => {
    const onUndo = vi.fn();
    const onDismiss = vi.fn();
    render(<UndoToast notice={{ key: 1, message: 'Moved “knight” to the trash', onUndo }} onDismiss={onDismiss} />);
    expect(screen.getByRole('status').textContent).toContain('Moved “knight” to the trash');
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(onUndo).toHaveBeenCalledTimes(1);
    expect(onDismiss).toHaveBeenCalled();
  });

  it('closes by itself after UNDO_MS, and the region stays (empty) for the next notice', () => {
    vi.useFakeTimers();
    const onDismiss = vi.fn();
    const { rerender } = render(
      <UndoToast notice={{ key: 1, message: 'gone', onUndo: () => undefined }} onDismiss={onDismiss} />,
    );
    act(() => {
      vi.advanceTimersByTime(UNDO_MS - 1);
    });
    expect(onDismiss).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(1);
    });
    expect(onDismiss).toHaveBeenCalledTimes(1);
    rerender(<UndoToast notice={null} onDismiss={onDismiss} />);
    expect(screen.getByRole('status').textContent).toBe('');
  });
});
