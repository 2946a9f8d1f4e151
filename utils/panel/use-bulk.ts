import { useRef, useState } from 'preact/hooks';
import { errorMessage } from '@/utils/domain/error-message';
import type { OrganiseEdit } from '@/utils/intents/protocol';
import { type BulkOutcome, organiseMany, retryMany, type SendBulk } from '@/utils/panel/bulk';
import type { IndexEntry } from '@/utils/storage/layout';

export type SelectionExportKind = 'zip' | 'json' | 'csv';

/** A selection made into a file; main.tsx reads storage for it (utils/panel/bulk-export.ts), tests fake it. */
export type ExportSelection = (
  kind: SelectionExportKind,
  ids: readonly string[],
  options: { scale: number; boardName(id: string): string },
) => Promise<{ blob: Blob; files?: number; without?: number }>;

export interface BulkDeps {
  send: SendBulk;
  exportSelection?: ExportSelection;
  downloadBlob(blob: Blob, filename: string): void;
  addError(message: string): void;
  showToast(message: string): void;
  boardName(id: string): string;
  /** Called after an edit that may take rows out of the list (trash). */
  onTrashed?(ids: readonly string[]): void;
}

/** What a bulk action is doing now (its button says so), or null. */
export type BulkTask = 'organise' | 'retry' | 'trash' | SelectionExportKind | null;

const plural = (n: number, one: string) => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;

/** `pixellab-selection-12-2026-01-31T10-00-00.zip` */
export function selectionFilename(kind: SelectionExportKind, count: number, now = new Date()): string {
  return `pixellab-selection-${count}-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.${kind}`;
}

/** The bulk bar's actions: each sends the contract's intents (the panel never writes storage), one at a time. */
export function useBulkActions(deps: BulkDeps) {
  const [task, setTask] = useState<BulkTask>(null);
  /** The last trash, for Undo: the ids it moved and when. */
  const [trashed, setTrashed] = useState<readonly string[] | null>(null);
  const latest = useRef(deps);
  latest.current = deps;

  async function running(kind: Exclude<BulkTask, null>, work: () => Promise<void>) {
    setTask(kind);
    try {
      await work();
    } catch (error) {
      latest.current.addError(errorMessage(error));
    } finally {
      setTask(null);
    }
  }

  const report = (outcome: BulkOutcome, done: string) => {
    if (outcome.error) latest.current.addError(outcome.error);
    else latest.current.showToast(done);
  };

  const organise = (ids: readonly string[], edit: OrganiseEdit, done: string) =>
    running('organise', async () => report(await organiseMany(latest.current.send, ids, edit), done));

  return {
    task,
    trashed,
    organise,
    /** A new board named `name`, with the jobs added to it: the board intent, then organise with its id. */
    newBoard: (ids: readonly string[], name: string) =>
      running('organise', async () => {
        const made = await latest.current.send({ type: 'board', action: 'create', name });
        if (!made.ok) return latest.current.addError(made.error);
        const boardId = made.ids?.[0];
        if (!boardId) return latest.current.addError('The board was not made: no id came back');
        report(
          await organiseMany(latest.current.send, ids, { op: 'addToBoard', boardId }),
          `Added ${plural(ids.length, 'job')} to the new board “${name}”`,
        );
      }),
    retry: (entries: readonly IndexEntry[]) =>
      running('retry', async () => {
        const outcome = await retryMany(latest.current.send, entries);
        report(outcome, `Retrying ${plural(outcome.changed.length, 'failed job')}`);
      }),
    trash: (ids: readonly string[]) =>
      running('trash', async () => {
        const outcome = await organiseMany(latest.current.send, ids, { op: 'trash' });
        if (outcome.error) return latest.current.addError(outcome.error);
        setTrashed(ids);
        latest.current.onTrashed?.(ids);
      }),
    undoTrash: () =>
      running('organise', async () => {
        if (!trashed) return;
        const ids = trashed;
        setTrashed(null);
        report(
          await organiseMany(latest.current.send, ids, { op: 'restore' }),
          `Restored ${plural(ids.length, 'job')}`,
        );
      }),
    dismissUndo: () => setTrashed(null),
    exportAs: (kind: SelectionExportKind, ids: readonly string[], scale = 1) =>
      running(kind, async () => {
        const { exportSelection, downloadBlob, showToast, boardName } = latest.current;
        if (!exportSelection) throw new Error('Exporting a selection is not available here.');
        const made = await exportSelection(kind, ids, { scale, boardName });
        if (kind === 'zip' && made.files === 0)
          throw new Error('None of the selected jobs has an image in this browser yet: nothing to put in a ZIP.');
        downloadBlob(made.blob, selectionFilename(kind, ids.length));
        const skipped = made.without ? `; ${plural(made.without, 'job')} without an image left out` : '';
        showToast(
          kind === 'zip'
            ? `Downloaded ${plural(made.files ?? 0, 'PNG')} as ZIP${skipped}`
            : `Exported ${plural(ids.length, 'job')} as ${kind.toUpperCase()}`,
        );
      }),
  };
}

export type BulkActions = ReturnType<typeof useBulkActions>;
