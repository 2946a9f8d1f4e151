// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueueRowActions, QueueToggle } from '@/components/QueueControls';

afterEach(cleanup);

describe('QueueToggle', () => {
  it('says Pause queue while running, and Resume queue with what waits while paused', () => {
    const onToggle = vi.fn();
    const { rerender } = render(<QueueToggle paused={false} waiting={3} onToggle={onToggle} />);
    fireEvent.click(screen.getByRole('button', { name: 'Pause queue' }));
    expect(onToggle).toHaveBeenCalledTimes(1);
    rerender(<QueueToggle paused waiting={3} onToggle={onToggle} />);
    const resume = screen.getByRole('button', { name: 'Resume queue' });
    expect(resume.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByText('Queue paused: 3 waiting. Nothing new starts.')).toBeTruthy();
  });
});

describe('QueueRowActions', () => {
  it('names the job on each button; the first cannot move up, the last cannot move down', () => {
    const calls = { up: vi.fn(), down: vi.fn(), cancel: vi.fn() };
    render(
      <QueueRowActions
        id="j"
        name="“knight”"
        place={{ first: true, last: false }}
        onMoveUp={calls.up}
        onMoveDown={calls.down}
        onCancel={calls.cancel}
      />,
    );
    expect((screen.getByRole('button', { name: 'Move up “knight”' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Move down “knight”' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel “knight”' }));
    expect(calls.down).toHaveBeenCalledWith('j');
    expect(calls.cancel).toHaveBeenCalledWith('j');
    expect(calls.up).not.toHaveBeenCalled();
  });
});
