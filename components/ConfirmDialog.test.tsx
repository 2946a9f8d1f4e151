// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from '@/components/ConfirmDialog';

afterEach(cleanup);

describe('ConfirmDialog', () => {
  it('is a modal alert dialog that starts on Cancel and closes on Escape', () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    render(
      <ConfirmDialog
        open
        title="Clear history?"
        confirmLabel="Yes, clear history"
        onConfirm={onConfirm}
        onCancel={onCancel}
      >
        <p>The companion keeps job_history.json.backup.</p>
      </ConfirmDialog>,
    );
    const dialog = screen.getByRole('alertdialog', { name: 'Clear history?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-describedby')!)?.textContent).toContain(
      'job_history.json.backup',
    );
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));

    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Yes, clear history' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });

  it('keeps Tab inside', () => {
    render(
      <ConfirmDialog open title="T" confirmLabel="OK" onConfirm={() => {}} onCancel={() => {}}>
        body
      </ConfirmDialog>,
    );
    const ok = screen.getByRole('button', { name: 'OK' });
    ok.focus();
    fireEvent.keyDown(ok, { key: 'Tab' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
  });

  it('renders nothing when closed', () => {
    render(
      <ConfirmDialog open={false} title="T" confirmLabel="OK" onConfirm={() => {}} onCancel={() => {}}>
        body
      </ConfirmDialog>,
    );
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});
