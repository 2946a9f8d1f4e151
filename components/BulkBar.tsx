import { useState } from 'preact/hooks';
import { MAX_EXPORT_FRAMES } from '@/components/export/limits';
import type { BoardOption } from '@/components/SearchBar';
import { TagInput } from '@/components/TagInput';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import { retryable, tagsOf } from '@/utils/panel/bulk';
import { type BulkActions, type ExportSelection, useBulkActions } from '@/utils/panel/use-bulk';
import type { FindState } from '@/utils/panel/use-find';
import type { IndexEntry } from '@/utils/storage/layout';

export interface BulkBarProps {
  /** The selected rows, in list order. */
  selected: readonly IndexEntry[];
  /** Rows the list shows now (what "Select all" takes). */
  matching: number;
  onSelectAll(): void;
  onClear(): void;
  actions: BulkActions;
  boards?: readonly BoardOption[];
  /** Tags of the history, most used first. */
  tagSuggestions(): readonly string[];
  /** The list shows the trash: Restore instead of Delete. */
  inTrash?: boolean;
  /** Opens the Export dialog (sheet, animation, palette) and Compare over the selected jobs. */
  onExport?(ids: string[]): void;
  onCompare?(ids: string[]): void;
}

const count = (n: number) => n.toLocaleString('en-US');
const jobs = (n: number) => `${count(n)} ${n === 1 ? 'job' : 'jobs'}`;
const ZIP_SCALES = [1, 2, 4, 8];

/** Acts on every selected job at once; shown while something is selected (or an Undo is on offer). */
export function BulkBar({
  selected,
  matching,
  onSelectAll,
  onClear,
  actions,
  boards = [],
  tagSuggestions,
  inTrash = false,
  onExport,
  onCompare,
}: BulkBarProps) {
  const [tagging, setTagging] = useState(false);
  const [naming, setNaming] = useState(false);
  const [boardName, setBoardName] = useState('');
  const [scale, setScale] = useState(1);
  const ids = selected.map((e) => e.id);
  const n = selected.length;
  const allStarred = n > 0 && selected.every((e) => e.starred);
  const failed = retryable(selected).length;
  const heldTags = tagsOf(selected);
  const busy = actions.task !== null;

  if (n === 0) {
    if (!actions.trashed) return null;
    return (
      <div class="bulk-bar bulk-undo" role="status">
        <span>Moved {jobs(actions.trashed.length)} to the trash.</span>
        <button type="button" class="btn small" onClick={() => void actions.undoTrash()} disabled={busy}>
          Undo
        </button>
        <button type="button" class="link-btn" onClick={actions.dismissUndo}>
          Dismiss
        </button>
      </div>
    );
  }

  return (
    <section class="bulk-bar" aria-label="Selection">
      <p class="bulk-count">
        <strong aria-live="polite">{count(n)} selected</strong>
        {matching > n && (
          <button type="button" class="link-btn" onClick={onSelectAll}>
            Select all {count(matching)}
          </button>
        )}
        <button type="button" class="link-btn" onClick={onClear}>
          Clear selection
        </button>
      </p>
      <div class="bulk-row">
        <div class="bulk-actions" role="toolbar" aria-label="Act on the selected jobs">
          <button
            type="button"
            class="btn small"
            disabled={busy}
            onClick={() =>
              void actions.organise(
                ids,
                { op: 'star', value: !allStarred },
                `${allStarred ? 'Unstarred' : 'Starred'} ${jobs(n)}`,
              )
            }
          >
            {allStarred ? 'Unstar' : 'Star'}
          </button>
          <select
            aria-label="Rate the selected jobs"
            value=""
            disabled={busy}
            onChange={(e) => {
              const v = e.currentTarget.value;
              e.currentTarget.value = '';
              if (v === '') return;
              const value = v === 'clear' ? null : (Number(v) as 1 | 2 | 3 | 4 | 5);
              void actions.organise(
                ids,
                { op: 'rate', value },
                value === null ? `Cleared the rating of ${jobs(n)}` : `Rated ${jobs(n)} ${value} of 5`,
              );
            }}
          >
            <option value="">Rate…</option>
            {[5, 4, 3, 2, 1].map((r) => (
              <option key={r} value={r}>
                {`${'★'.repeat(r)} ${r}`}
              </option>
            ))}
            <option value="clear">No rating</option>
          </select>
          <button
            type="button"
            class="btn small"
            aria-expanded={tagging ? 'true' : 'false'}
            aria-controls="bulk-tags"
            onClick={() => setTagging((t) => !t)}
          >
            Tag…
          </button>
          <select
            aria-label="Add the selected jobs to a board, or remove them"
            value=""
            disabled={busy}
            onChange={(e) => {
              const [op, boardId] = e.currentTarget.value.split(' ', 2) as [string, string];
              e.currentTarget.value = '';
              if (op === 'new') return setNaming(true);
              const name = boards.find((b) => b.id === boardId)?.name ?? 'the board';
              if (op === 'add')
                void actions.organise(ids, { op: 'addToBoard', boardId }, `Added ${jobs(n)} to ${name}`);
              if (op === 'remove')
                void actions.organise(ids, { op: 'removeFromBoard', boardId }, `Removed ${jobs(n)} from ${name}`);
            }}
          >
            <option value="">Board…</option>
            <option value="new">New board…</option>
            <optgroup label="Add to">
              {boards.map((b) => (
                <option key={b.id} value={`add ${b.id}`}>
                  {b.name}
                </option>
              ))}
            </optgroup>
            <optgroup label="Remove from">
              {boards.map((b) => (
                <option key={b.id} value={`remove ${b.id}`}>
                  {b.name}
                </option>
              ))}
            </optgroup>
          </select>
          <button
            type="button"
            class="btn small"
            disabled={busy || failed === 0}
            onClick={() => void actions.retry(selected)}
          >
            Retry failed{failed > 0 ? ` (${count(failed)})` : ''}
          </button>
          {inTrash ? (
            <button
              type="button"
              class="btn small"
              disabled={busy}
              onClick={() => void actions.organise(ids, { op: 'restore' }, `Restored ${jobs(n)}`)}
            >
              Restore
            </button>
          ) : (
            <button type="button" class="btn small danger" disabled={busy} onClick={() => void actions.trash(ids)}>
              Delete
            </button>
          )}
        </div>
        <div class="bulk-files" role="group" aria-label="Files of the selected jobs">
          <select aria-label="ZIP image scale" value={scale} onChange={(e) => setScale(Number(e.currentTarget.value))}>
            {ZIP_SCALES.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
          <button
            type="button"
            class="btn small"
            disabled={busy}
            onClick={() => void actions.exportAs('zip', ids, scale)}
          >
            {actions.task === 'zip' ? 'Zipping…' : 'Download ZIP'}
          </button>
          <button type="button" class="btn small" disabled={busy} onClick={() => void actions.exportAs('json', ids)}>
            Export JSON
          </button>
          <button type="button" class="btn small" disabled={busy} onClick={() => void actions.exportAs('csv', ids)}>
            Export CSV
          </button>
          {onExport && (
            <button
              type="button"
              class="btn small"
              disabled={busy || n > MAX_EXPORT_FRAMES}
              title={n > MAX_EXPORT_FRAMES ? `At most ${MAX_EXPORT_FRAMES} at once: use the ZIP` : undefined}
              onClick={() => onExport(ids)}
            >
              Sheet, GIF…
            </button>
          )}
          {onCompare && (
            <button
              type="button"
              class="btn small"
              disabled={n < 2 || n > 4}
              title={n < 2 || n > 4 ? 'Select 2 to 4 jobs to compare' : undefined}
              onClick={() => onCompare(ids)}
            >
              Compare
            </button>
          )}
        </div>
      </div>
      {naming && (
        <form
          class="bulk-new-board"
          onSubmit={(e) => {
            e.preventDefault();
            const name = boardName.trim();
            if (!name) return;
            setNaming(false);
            setBoardName('');
            void actions.newBoard(ids, name);
          }}
        >
          <label for="bulk-board-name">New board</label>
          <input
            id="bulk-board-name"
            value={boardName}
            maxLength={80}
            placeholder="Forest tileset"
            // biome-ignore lint/a11y/noAutofocus: it opens because the user asked to name a board now.
            autoFocus
            onInput={(e) => setBoardName(e.currentTarget.value)}
            onKeyDown={(e) => e.key === 'Escape' && setNaming(false)}
          />
          <button type="submit" class="btn small primary" disabled={!boardName.trim()}>
            Create and add {jobs(n)}
          </button>
        </form>
      )}
      {tagging && (
        <div class="bulk-tags" id="bulk-tags">
          <TagInput
            id="bulk-tag-add"
            label="Add tag"
            suggestions={tagSuggestions()}
            autoFocus
            onAdd={(tag) => void actions.organise(ids, { op: 'addTags', tags: [tag] }, `Tagged ${jobs(n)} “${tag}”`)}
            onEscape={() => setTagging(false)}
          />
          <div class="field">
            <label for="bulk-tag-remove">Remove tag</label>
            <select
              id="bulk-tag-remove"
              value=""
              disabled={busy || heldTags.length === 0}
              onChange={(e) => {
                const tag = e.currentTarget.value;
                e.currentTarget.value = '';
                if (tag)
                  void actions.organise(ids, { op: 'removeTags', tags: [tag] }, `Removed “${tag}” from ${jobs(n)}`);
              }}
            >
              <option value="">{heldTags.length ? 'Tag…' : 'None'}</option>
              {heldTags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
    </section>
  );
}

export interface SelectionBarProps {
  find: FindState;
  services: {
    send(intent: IntentInput): Promise<IntentReply>;
    exportSelection?: ExportSelection;
    downloadBlob(blob: Blob, filename: string): void;
  };
  notices: { addError(message: string): void; showToast(message: string): void };
  boards: readonly BoardOption[];
  onExport?(ids: string[]): void;
  onCompare?(ids: string[]): void;
}

/** The bulk bar wired to the panel's selection and services (App places it above the list). */
export function SelectionBar({ find, services, notices, boards, onExport, onCompare }: SelectionBarProps) {
  const { selection } = find;
  const actions = useBulkActions({
    send: services.send,
    exportSelection: services.exportSelection,
    downloadBlob: services.downloadBlob,
    ...notices,
    boardName: (id) => boards.find((b) => b.id === id)?.name ?? id,
    // Trashed rows leave the list; the bar turns into their Undo.
    onTrashed: () => selection.clear(),
  });
  return (
    <BulkBar
      selected={find.selected}
      matching={find.rows.length}
      onSelectAll={() => selection.selectAll(find.rowIds())}
      onClear={() => selection.clear()}
      actions={actions}
      boards={boards}
      tagSuggestions={() => find.facets().tags}
      inTrash={find.query.trash}
      onExport={onExport}
      onCompare={onCompare}
    />
  );
}
