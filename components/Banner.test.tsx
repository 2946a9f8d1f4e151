// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorBanner, Toast } from './Banner';
import { DataTools } from './DataTools';

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

describe('DataTools', () => {
  it('has named export, import and clear controls', () => {
    const props = { onExportJson: vi.fn(), onExportCsv: vi.fn(), onImport: vi.fn(), onClearHistory: vi.fn() };
    render(<DataTools {...props} />);
    fireEvent.click(screen.getByRole('button', { name: 'Export JSON' }));
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    fireEvent.click(screen.getByRole('button', { name: 'Clear history' }));
    expect(props.onExportJson).toHaveBeenCalled();
    expect(props.onExportCsv).toHaveBeenCalled();
    expect(props.onClearHistory).toHaveBeenCalled();
    const input = screen.getByLabelText('Import') as HTMLInputElement;
    expect(input.type).toBe('file');
    expect(input.accept).toContain('.json');
    const file = new File(['{"jobs":[]}'], 'h.json', { type: 'application/json' });
    fireEvent.change(input, { target: { files: [file] } });
    expect(props.onImport).toHaveBeenCalledWith(file);
  });
});
