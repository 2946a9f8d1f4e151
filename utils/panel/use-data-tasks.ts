import { useState } from 'preact/hooks';
import { errorMessage } from '@/utils/domain/error-message';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import { exportFilename } from '@/utils/panel/download';
import { importParts } from '@/utils/panel/import-parts';

/** What is running now, shown on its button; `ledger` is Insights' CSV download. */
export type DataTaskKind = 'json' | 'csv' | 'import' | 'ledger' | null;

export interface DataTaskDeps {
  send(intent: IntentInput): Promise<IntentReply>;
  exportJson(): Promise<string[]>;
  exportCsv(): Promise<string>;
  downloadBlob(blob: Blob, filename: string): void;
  addError(message: string): void;
  showToast(message: string): void;
}

/** The panel's file tasks: export (JSON, CSV), import, and the cost ledger's CSV; one at a time. */
export function useDataTasks(deps: DataTaskDeps) {
  const [task, setTask] = useState<DataTaskKind>(null);
  const { send, addError, showToast } = deps;

  const exportAs = async (kind: 'json' | 'csv') => {
    setTask(kind);
    try {
      const blob =
        kind === 'json'
          ? new Blob(await deps.exportJson(), { type: 'application/json' })
          : new Blob([await deps.exportCsv()], { type: 'text/csv;charset=utf-8' });
      deps.downloadBlob(blob, exportFilename(kind));
      showToast(`Exported ${kind.toUpperCase()}`);
    } catch (error) {
      addError(`Export failed: ${errorMessage(error)}`);
    } finally {
      setTask(null);
    }
  };

  const importFile = async (file: File) => {
    setTask('import');
    try {
      // In parts, so a large history with its images inline stays under the browser's message limit.
      const parts = importParts(await file.text());
      let imported = 0;
      let skipped = 0;
      for (const [i, text] of parts.entries()) {
        const reply = await send({ type: 'import', text });
        if (!reply.ok) {
          addError(
            parts.length === 1
              ? reply.error
              : `${reply.error} (part ${i + 1} of ${parts.length}; ${imported} imported before it)`,
          );
          return;
        }
        imported += reply.imported ?? 0;
        skipped += reply.skipped ?? 0;
      }
      showToast(`Imported ${imported}, skipped ${skipped}`);
    } catch (error) {
      addError(`Could not read ${file.name}: ${errorMessage(error)}`);
    } finally {
      setTask(null);
    }
  };

  /** The companion's cost ledger of [from, to) as a CSV download. */
  const exportLedger = async (range: { from?: number; to: number }) => {
    setTask('ledger');
    try {
      const reply = await send({ type: 'exportLedger', ...range });
      if (!reply.ok) return addError(reply.error);
      if (reply.text === undefined) return addError('The background sent no ledger: is the extension up to date?');
      deps.downloadBlob(new Blob([reply.text], { type: 'text/csv;charset=utf-8' }), exportFilename('csv', 'ledger'));
      showToast(`Downloaded the ledger: ${reply.message ?? 'CSV'}`);
    } catch (error) {
      addError(`Ledger download failed: ${errorMessage(error)}`);
    } finally {
      setTask(null);
    }
  };

  return { task, exportAs, importFile, exportLedger };
}
