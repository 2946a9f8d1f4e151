import { useState } from 'preact/hooks';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import type { BoardOption } from '@/components/SearchBar';
import { MAX_BOARD_NAME } from '@/utils/domain/records';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';

export interface BoardActionsProps {
  /** The board the list is filtered by. */
  board: BoardOption;
  /** Sends a board intent (App's `run`: a failure goes to the banner, a success to the toast). */
  run(intent: IntentInput, success: string): Promise<IntentReply>;
  /** After a delete: the filter names a board that is gone, so it is dropped. */
  onDeleted(): void;
}

/**
 * Rename and delete for the board the list is filtered by: where a user is looking at a board is where they
 * expect to manage it. Deleting a board keeps its jobs: they leave the board, nothing else.
 */
export function BoardActions({ board, run, onDeleted }: BoardActionsProps) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(board.name);
  const [confirming, setConfirming] = useState(false);

  const rename = async (e: Event) => {
    e.preventDefault();
    const next = name.trim();
    if (!next || next === board.name) return setRenaming(false);
    const reply = await run({ type: 'board', action: 'rename', id: board.id, name: next }, `Renamed to “${next}”`);
    if (reply.ok) setRenaming(false);
  };
  const remove = async () => {
    setConfirming(false);
    const reply = await run({ type: 'board', action: 'delete', id: board.id }, `Deleted the board “${board.name}”`);
    if (reply.ok) onDeleted();
  };

  return (
    <div class="board-actions">
      {renaming ? (
        <form class="board-rename" onSubmit={rename}>
          <label for="board-rename-name" class="visually-hidden">
            Board name
          </label>
          <input
            id="board-rename-name"
            value={name}
            maxLength={MAX_BOARD_NAME}
            // biome-ignore lint/a11y/noAutofocus: the user just asked to type a name.
            autoFocus
            onInput={(e) => setName(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Escape') return;
              // Escape ends the rename, not the panel's other Escape handlers.
              e.preventDefault();
              e.stopPropagation();
              setRenaming(false);
            }}
          />
          <button type="submit" class="btn small primary">
            Save
          </button>
          <button type="button" class="btn small" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <button
            type="button"
            class="link-btn"
            onClick={() => {
              setName(board.name);
              setRenaming(true);
            }}
          >
            Rename board
          </button>
          <button type="button" class="link-btn" onClick={() => setConfirming(true)}>
            Delete board
          </button>
        </>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Delete the board “${board.name}”?`}
        confirmLabel="Delete board"
        danger
        onConfirm={remove}
        onCancel={() => setConfirming(false)}
      >
        Its jobs stay in the history; they only leave this board.
      </ConfirmDialog>
    </div>
  );
}
