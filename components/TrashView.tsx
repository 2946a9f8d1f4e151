import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { formatAge, plural, shortPrompt } from '@/components/format';
import { DeleteIcon } from '@/components/icons';
import type { Job } from '@/utils/domain/job';
import type { IndexEntry } from '@/utils/storage/layout';

/** The header's way to the trash, with how many jobs are in it. */
export function TrashButton({ count, open, onToggle }: { count: number; open: boolean; onToggle(): void }) {
  return (
    // An icon with its count: the header holds six buttons in a 400 px panel.
    <button
      type="button"
      class="icon-btn header-btn trash-btn"
      aria-pressed={open ? 'true' : 'false'}
      aria-label={`Trash${count > 0 ? ` (${count})` : ''}`}
      title="Trash: deleted jobs, kept 30 days"
      onClick={onToggle}
    >
      <DeleteIcon />
      {count > 0 && (
        <span class="trash-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </button>
  );
}

/** Rows the trash view shows at once; the rest wait behind "Show more" (the view costs what it shows). */
export const TRASH_PAGE = 100;

export interface TrashViewProps {
  /** The jobs in the trash, most recently trashed first (PanelSnapshot.trash). */
  entries: readonly IndexEntry[];
  /** How many are in the trash (stats), known before the index is in. */
  count: number;
  getJob(id: string): Job | undefined;
  getImage(hash: string | null | undefined): string | undefined;
  /** The rows on screen, so their records and images are read. */
  onVisibleIds(ids: readonly string[]): void;
  now: number;
  onRestore(ids: readonly string[]): void;
  /** Purges these jobs; undefined: every job in the trash. */
  onDelete(ids?: readonly string[]): void;
  onClose(): void;
}

/**
 * The trash: what was deleted, newest first, with Restore and Delete forever per job, and Empty trash. Purging
 * asks first (ConfirmDialog); a job 30 days in the trash is purged by the companion. Props in, events out.
 */
export function TrashView({
  entries,
  count,
  getJob,
  getImage,
  onVisibleIds,
  now,
  onRestore,
  onDelete,
  onClose,
}: TrashViewProps) {
  const [shown, setShown] = useState(TRASH_PAGE);
  /** What the open confirmation would purge: some ids, every trashed job ('all'), or nothing (closed). */
  const [confirm, setConfirm] = useState<readonly string[] | 'all' | null>(null);
  const rows = entries.slice(0, shown);
  const ids = rows.map((e) => e.id).join('\u0000');
  useEffect(() => onVisibleIds(rows.map((e) => e.id)), [ids]);
  const total = Math.max(count, entries.length);
  const named = (entry: IndexEntry) => `“${shortPrompt(getJob(entry.id)?.prompt ?? entry.prompt) || 'no prompt'}”`;
  const confirmText =
    confirm === 'all'
      ? `Delete all ${plural(total, 'job')} in the trash forever?`
      : confirm && confirm.length === 1
        ? `Delete ${named(entries.find((e) => e.id === confirm[0]) ?? ({ id: confirm[0]!, prompt: '' } as IndexEntry))} forever?`
        : `Delete ${plural(confirm?.length ?? 0, 'job')} forever?`;

  return (
    <section class="trash-view" aria-labelledby="trash-title">
      <header class="trash-head">
        <h2 id="trash-title">Trash</h2>
        <span class="trash-count">{total === 0 ? 'empty' : plural(total, 'job')}</span>
        <span class="trash-tools">
          <button type="button" class="btn small danger" disabled={total === 0} onClick={() => setConfirm('all')}>
            Empty trash
          </button>
          <button type="button" class="btn small" onClick={onClose}>
            Back to history
          </button>
        </span>
      </header>
      {total === 0 ? (
        <p class="trash-empty">Deleted jobs wait here for 30 days before they are removed for good.</p>
      ) : (
        <ul class="trash-list">
          {rows.map((entry) => {
            const job = getJob(entry.id);
            const image = getImage(job?.image);
            const prompt = job?.prompt ?? entry.prompt;
            return (
              <li key={entry.id} class="trash-row" data-job-id={entry.id}>
                <span class="trash-thumb" aria-hidden="true">
                  {image ? <img src={image} alt="" width={48} height={48} draggable={false} /> : null}
                </span>
                <span class="trash-text">
                  <span class="trash-prompt" title={prompt}>
                    {prompt || <em>(no prompt)</em>}
                  </span>
                  <span class="trash-when">Deleted {formatAge(entry.trashedAt ?? null, now)}</span>
                </span>
                <span class="trash-actions" role="group" aria-label={`Actions for ${named(entry)}`}>
                  <button
                    type="button"
                    class="btn small"
                    aria-label={`Restore ${named(entry)}`}
                    onClick={() => onRestore([entry.id])}
                  >
                    Restore
                  </button>
                  <button
                    type="button"
                    class="btn small danger"
                    aria-label={`Delete forever ${named(entry)}`}
                    onClick={() => setConfirm([entry.id])}
                  >
                    Delete forever
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {entries.length > shown && (
        <button type="button" class="btn small trash-more" onClick={() => setShown((n) => n + TRASH_PAGE)}>
          Show {Math.min(TRASH_PAGE, entries.length - shown)} more
        </button>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title={confirmText}
        confirmLabel={confirm === 'all' ? 'Yes, empty the trash' : 'Yes, delete forever'}
        danger
        onConfirm={() => {
          const target = confirm;
          setConfirm(null);
          onDelete(target === 'all' || target === null ? undefined : target);
        }}
        onCancel={() => setConfirm(null)}
      >
        <p>This cannot be undone. The images are freed on the companion once no other job uses them.</p>
      </ConfirmDialog>
    </section>
  );
}
