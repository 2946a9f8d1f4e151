// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataTools } from '@/components/DataTools';
import { MenuHost } from '@/components/OverflowMenu';

afterEach(cleanup);

describe('DataTools', () => {
  it('folds export, import and clear into one named menu', () => {
    const props = { onExportJson: vi.fn(), onExportCsv: vi.fn(), onImport: vi.fn(), onClearHistory: vi.fn() };
    render(
      <>
        <DataTools {...props} />
        <MenuHost />
      </>,
    );
    const open = () => {
      fireEvent.click(screen.getByRole('button', { name: 'History data' }));
      return within(screen.getByRole('menu', { name: 'History data' }));
    };
    fireEvent.click(open().getByRole('menuitem', { name: 'Export JSON' }));
    fireEvent.click(open().getByRole('menuitem', { name: 'Export CSV' }));
    fireEvent.click(open().getByRole('menuitem', { name: 'Clear history' }));
    expect(props.onExportJson).toHaveBeenCalled();
    expect(props.onExportCsv).toHaveBeenCalled();
    expect(props.onClearHistory).toHaveBeenCalled();
    const input = screen.getByLabelText('Import') as HTMLInputElement;
    expect(input.type).toBe('file');
    expect(input.accept).toContain('.json');
    const picked = vi.fn();
    input.addEventListener('click', picked);
    fireEvent.click(open().getByRole('menuitem', { name: 'Import a history file' }));
    expect(picked).toHaveBeenCalledTimes(1);
    const file = new File(['{"jobs":[]}'], 'h.json', { type: 'application/json' });
    fireEvent.change(input, { target: { files: [file] } });
    expect(props.onImport).toHaveBeenCalledWith(file);
  });

  it('says which task runs, and does not start it twice', () => {
    render(
      <DataTools
        onExportJson={vi.fn()}
        onExportCsv={vi.fn()}
        onImport={vi.fn()}
        onClearHistory={vi.fn()}
        busy="json"
      />,
    );
    render(<MenuHost />);
    fireEvent.click(screen.getByRole('button', { name: 'History data' }));
    const item = screen.getByRole('menuitem', { name: 'Export JSON' }) as HTMLButtonElement;
    expect(item.textContent).toBe('Exporting JSON…');
    expect(item.disabled).toBe(true);
  });
});
