// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorBanner, Toast } from '@/components/Banner';

afterEach(cleanup);

describe('ErrorBanner', () => {
  it('shows every error in an alert with a dismiss button each', () => {
    const onDismiss = vi.fn();
    render(
      <ErrorBanner
        errors={[
          { id: 'a', message: 'Storage problem: quota' },
          { id: 'b', message: 'offline' },
        ]}
        onDismiss={onDismiss}
      />,
    );
    expect(screen.getByRole('alert').textContent).toContain('Storage problem: quota');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss: offline' }));
    expect(onDismiss).toHaveBeenCalledWith('b');
  });

  it('is absent with no errors; the toast region stays', () => {
    render(
      <>
        <ErrorBanner errors={[]} onDismiss={() => {}} />
        <Toast message={null} />
      </>,
    );
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('');
  });
});
