// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataTools } from '@/components/DataTools';

afterEach(cleanup);

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
