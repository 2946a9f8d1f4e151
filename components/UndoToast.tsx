import { useEffect } from 'preact/hooks';

export interface UndoNotice {
  /** Bumped per notice, so a second trash restarts the timer. */
  key: number;
  message: string;
  onUndo(): void;
}

/** How long Undo stays offered: long enough to read and reach it by keyboard. */
export const UNDO_MS = 8_000;

/**
 * "Moved to the trash. Undo": a polite live region with one button, dismissed after UNDO_MS or by Escape on it.
 * Undo sends the `restore` the panel gave it; the trash view restores later.
 */
export function UndoToast({ notice, onDismiss }: { notice: UndoNotice | null; onDismiss(): void }) {
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(onDismiss, UNDO_MS);
    return () => clearTimeout(timer);
  }, [notice?.key, onDismiss]);
  return (
    <div class={`undo-toast${notice ? ' visible' : ''}`} role="status" aria-live="polite">
      {notice && (
        <>
          <span class="undo-message">{notice.message}</span>
          <button
            type="button"
            class="btn small primary"
            onClick={() => {
              notice.onUndo();
              onDismiss();
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') onDismiss();
            }}
          >
            Undo
          </button>
        </>
      )}
    </div>
  );
}
