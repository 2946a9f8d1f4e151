export type DataTask = 'json' | 'csv' | 'import' | null;

export interface DataToolsProps {
  onExportJson(): void;
  onExportCsv(): void;
  onImport(file: File): void;
  onClearHistory(): void;
  /** The export or import in progress, if any. */
  busy?: DataTask;
}

/** Export, import and clear: the history as a whole. */
export function DataTools({ onExportJson, onExportCsv, onImport, onClearHistory, busy = null }: DataToolsProps) {
  return (
    <div class="data-tools" role="group" aria-label="History file">
      <button
        type="button"
        class="btn small"
        onClick={onExportJson}
        disabled={busy === 'json'}
        aria-busy={busy === 'json' ? 'true' : undefined}
      >
        Export JSON
      </button>
      <button
        type="button"
        class="btn small"
        onClick={onExportCsv}
        disabled={busy === 'csv'}
        aria-busy={busy === 'csv' ? 'true' : undefined}
      >
        Export CSV
      </button>
      <span class="file-btn">
        <input
          id="import-file"
          class="visually-hidden"
          type="file"
          accept=".json,application/json"
          disabled={busy === 'import'}
          onChange={(e) => {
            const input = e.currentTarget;
            const file = input.files?.[0];
            // Cleared so choosing the same file again fires change again.
            input.value = '';
            if (file) onImport(file);
          }}
        />
        <label for="import-file" class="btn small" aria-busy={busy === 'import' ? 'true' : undefined}>
          Import
        </label>
      </span>
      <button type="button" class="btn small danger" onClick={onClearHistory}>
        Clear history
      </button>
    </div>
  );
}
