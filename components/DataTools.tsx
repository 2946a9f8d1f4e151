import { useRef } from 'preact/hooks';
import { OverflowMenu } from '@/components/OverflowMenu';

export type DataTask = 'json' | 'csv' | 'import' | null;

export interface DataToolsProps {
  onExportJson(): void;
  onExportCsv(): void;
  onImport(file: File): void;
  onClearHistory(): void;
  /** The export or import in progress, if any. */
  busy?: DataTask;
}

/**
 * Export, import and clear: the history as a whole, folded into one "Data" menu so the top of the panel stays
 * small. The file input stays in the page (labelled "Import"); the menu's Import… opens its file picker.
 */
export function DataTools({ onExportJson, onExportCsv, onImport, onClearHistory, busy = null }: DataToolsProps) {
  const file = useRef<HTMLInputElement>(null);
  return (
    <div class="data-tools" role="group" aria-label="History file">
      <input
        ref={file}
        id="import-file"
        class="visually-hidden"
        type="file"
        accept=".json,application/json"
        aria-label="Import"
        tabIndex={-1}
        disabled={busy === 'import'}
        onChange={(e) => {
          const input = e.currentTarget;
          const chosen = input.files?.[0];
          // Cleared so choosing the same file again fires change again.
          input.value = '';
          if (chosen) onImport(chosen);
        }}
      />
      <OverflowMenu
        label="History data"
        class="btn small data-btn"
        items={[
          {
            label: busy === 'json' ? 'Exporting JSON…' : 'Export JSON',
            name: 'Export JSON',
            onSelect: onExportJson,
            disabled: busy === 'json',
          },
          {
            label: busy === 'csv' ? 'Exporting CSV…' : 'Export CSV',
            name: 'Export CSV',
            onSelect: onExportCsv,
            disabled: busy === 'csv',
          },
          {
            label: busy === 'import' ? 'Importing…' : 'Import…',
            name: 'Import a history file',
            onSelect: () => file.current?.click(),
            disabled: busy === 'import',
          },
          { label: 'Clear history', onSelect: onClearHistory, danger: true },
        ]}
      >
        <span aria-hidden="true">{busy ? 'Data…' : 'Data'}</span>
      </OverflowMenu>
    </div>
  );
}
