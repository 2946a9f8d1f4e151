import { useCallback, useState } from 'preact/hooks';
import { plural } from '@/components/format';
import type { TrashViewProps } from '@/components/TrashView';
import type { UndoNotice } from '@/components/UndoToast';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { PanelData } from '@/utils/panel/data';
import type { PanelSnapshot } from '@/utils/panel/state';

type Run = (
  intent: IntentInput,
  success?: string | ((reply: Extract<IntentReply, { ok: true }>) => string),
) => Promise<IntentReply>;

/**
 * The trash as the panel uses it: a row's Delete sends `organise` `trash` and offers Undo (`restore`) in a
 * toast; the trash view restores and purges (`emptyTrash`).
 */
export function useTrash<V extends string>(
  run: Run,
  data: PanelData,
  snap: Pick<PanelSnapshot, 'stats' | 'trash'>,
  /** The panel's view state: the trash is the view 'trash', and closes back to 'history'. */
  setView: (update: (view: V | 'history' | 'trash') => V | 'history' | 'trash') => void,
) {
  const onClose = () => setView(() => 'history');
  const toggle = () => setView((v) => (v === 'trash' ? 'history' : 'trash'));
  const [undo, setUndo] = useState<UndoNotice | null>(null);
  const closeUndo = useCallback(() => setUndo(null), []);
  const restore = useCallback(
    (ids: readonly string[], done?: string) =>
      void run(
        { type: 'organise', ids: [...ids], edit: { op: 'restore' } },
        (r) => done ?? (r.ids?.length ? `Restored ${plural(r.ids.length, 'job')}` : 'Nothing to restore'),
      ),
    [run],
  );
  /** Moves a job to the trash; `name` is how the toast calls it. */
  const trash = useCallback(
    (id: string, name: string) =>
      void run({ type: 'organise', ids: [id], edit: { op: 'trash' } }).then((reply) => {
        if (!reply.ok) return;
        setUndo((u) => ({
          key: (u?.key ?? 0) + 1,
          message: `Moved ${name} to the trash`,
          onUndo: () => restore([id], `Restored ${name}`),
        }));
      }),
    [run, restore],
  );
  /** Purges these jobs from the trash; undefined: all of it. */
  const purge = useCallback(
    (ids?: readonly string[]) =>
      void run({ type: 'emptyTrash', ...(ids ? { ids: [...ids] } : {}) }, (r) =>
        r.ids?.length ? `Deleted ${plural(r.ids.length, 'job')} forever` : 'Nothing was in the trash',
      ),
    [run],
  );
  // The stats count the trash before the index (which lists it) is in.
  const count = Math.max(snap.stats?.trashed ?? 0, snap.trash.length);
  const view: TrashViewProps = {
    entries: snap.trash,
    count,
    getJob: data.getJob,
    getImage: data.getImage,
    onVisibleIds: (ids) => void data.ensureRows(ids),
    now: Date.now(),
    onRestore: restore,
    onDelete: purge,
    onClose,
  };
  return { undo, closeUndo, trash, count, toggle, view };
}
