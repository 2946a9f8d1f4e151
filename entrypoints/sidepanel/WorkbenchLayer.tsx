import { ConfirmDialog } from '@/components/ConfirmDialog';
import { CompareSlot } from '@/components/compare/CompareSlot';
import { DetailSlot } from '@/components/detail/DetailSlot';
import type { DetailActions } from '@/components/detail/types';
import { ExportLayer } from '@/components/export/ExportLayer';
import { ShortcutsSheet } from '@/components/triage/ShortcutsSheet';
import { TagPrompt } from '@/components/triage/TagPrompt';
import type { useWorkbench } from '@/entrypoints/sidepanel/use-workbench';
import type { PanelData } from '@/utils/panel/data';
import type { IndexEntry } from '@/utils/storage/layout';

export interface WorkbenchLayerProps {
  wb: ReturnType<typeof useWorkbench>;
  rows: readonly IndexEntry[];
  entries: readonly IndexEntry[];
  data: PanelData;
  actions: DetailActions;
  nameOf(id: string): string;
  onAddTags(id: string, tags: string[]): void;
  /** A detail view's swatch was clicked: filter the history by that colour. */
  onFindColour?(hex: string): void;
}

/** What opens over the panel: the detail view, compare, export, the tag prompt, the shortcuts, "Replace the form?". */
export function WorkbenchLayer({
  wb,
  rows,
  entries,
  data,
  actions,
  nameOf,
  onAddTags,
  onFindColour,
}: WorkbenchLayerProps) {
  const { state, patch } = wb;
  return (
    <>
      {state.detailId !== null && (
        <DetailSlot
          id={state.detailId}
          rows={rows}
          entries={entries}
          data={data}
          actions={actions}
          onOpen={wb.open}
          onClose={() => patch({ detailId: null })}
          onCompare={wb.compare}
          onExport={(ids) => patch({ exportIds: ids })}
          onFindColour={
            onFindColour &&
            ((hex) => {
              patch({ detailId: null });
              onFindColour(hex);
            })
          }
        />
      )}
      {state.exportIds !== null && (
        <ExportLayer ids={state.exportIds} data={data} onClose={() => patch({ exportIds: null })} />
      )}
      {state.compareIds !== null && (
        <CompareSlot ids={state.compareIds} entries={entries} data={data} onClose={() => patch({ compareIds: null })} />
      )}
      {state.tagFor !== null && (
        <TagPrompt
          name={nameOf(state.tagFor)}
          onAdd={(tags) => state.tagFor && onAddTags(state.tagFor, tags)}
          onClose={() => patch({ tagFor: null })}
        />
      )}
      {state.shortcuts && <ShortcutsSheet onClose={() => patch({ shortcuts: false })} />}
      <ConfirmDialog
        open={state.confirmReuse !== null}
        title="Replace the form?"
        confirmLabel="Replace"
        onConfirm={() => state.confirmReuse && wb.applyReuse(state.confirmReuse)}
        onCancel={() => patch({ confirmReuse: null })}
      >
        <p>The form holds a prompt you typed. Reusing this job's settings replaces it.</p>
      </ConfirmDialog>
    </>
  );
}
