import { useMemo } from 'preact/hooks';
import type { JobActions } from '@/components/JobRow';
import { queueOrder } from '@/utils/domain/records';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { PanelData, PanelSnapshot } from '@/utils/panel/data';

type Run = (intent: IntentInput, success?: string) => Promise<IntentReply>;

export interface QueueControl {
  paused: boolean;
  /** Jobs waiting here or queued on the companion. */
  waiting: number;
  togglePause(): void;
  /** A waiting row's queue actions, spread into the rows' JobActions. */
  rowActions: Pick<JobActions, 'queuePlace' | 'onMoveUp' | 'onMoveDown' | 'onCancel'>;
}

/**
 * The queue as the panel controls it: the waiting jobs in the order they start (the queue record's order, then
 * the rest oldest first: records.ts queueOrder), pause and resume, and a row's move up, move down and cancel,
 * each one `queue` or `cancel` intent. Recomputed when the rows or the queue record change, not per render.
 */
export function useQueueControl(data: PanelData, snap: PanelSnapshot, run: Run): QueueControl {
  const queue = data.records.queue.value;
  const order = useMemo(() => {
    const waiting = snap.entries.filter((e) => (e.status === 'idle' || e.status === 'queued') && !e.trashedAt);
    return queueOrder({ order: queue.order as string[] }, waiting).map((e) => e.id);
  }, [snap.entriesVersion, queue]);
  return useMemo(() => {
    const position = new Map(order.map((id, i) => [id, i]));
    const move = (id: string, by: -1 | 1) => {
      const at = position.get(id);
      if (at === undefined) return;
      // Before the one above, or before the one two below (null: to the end).
      const before = by < 0 ? order[at - 1] : (order[at + 2] ?? null);
      if (before === undefined) return;
      void run({ type: 'queue', action: 'move', ids: [id], before });
    };
    return {
      paused: queue.paused,
      waiting: order.length,
      togglePause: () =>
        void run(
          { type: 'queue', action: queue.paused ? 'resume' : 'pause' },
          queue.paused ? 'Queue resumed' : 'Queue paused: nothing new starts until you resume',
        ),
      rowActions: {
        queuePlace: (id) => {
          const at = position.get(id);
          return at === undefined ? null : { first: at === 0, last: at === order.length - 1 };
        },
        onMoveUp: (id) => move(id, -1),
        onMoveDown: (id) => move(id, 1),
        onCancel: (id) => void run({ type: 'cancel', ids: [id] }, 'Cancelled: it will not run'),
      },
    };
  }, [order, queue.paused, run]);
}
