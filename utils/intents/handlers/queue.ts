import {
  editRecord,
  emptyQueue,
  type Job,
  MAX_QUEUE_ORDER,
  moveInOrder,
  QUEUE_ID,
  type QueueRecord,
  queueOrder,
  recordKey,
} from '@/utils/domain';
import type { RecordEdit } from '@/utils/history/records-store';
import type { JobEdit } from '@/utils/history/store';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';
import type { IntentReply } from '@/utils/intents/protocol';
import type { IndexEntry } from '@/utils/storage/layout';

const QUEUE_KEY = recordKey({ kind: 'queue', id: QUEUE_ID });
/** Jobs that wait for a runner: here (idle, not handed over yet) or on the companion (queued). */
export const isWaiting = (e: Pick<IndexEntry, 'status'>) => e.status === 'idle' || e.status === 'queued';

/** The queue record held here, or the queue as it is before anyone paused or ordered it. */
export function queueOf(current: ReadonlyMap<string, unknown>): QueueRecord {
  const held = current.get(QUEUE_KEY) as QueueRecord | undefined;
  return held && !held.deleted ? held : emptyQueue();
}

/**
 * The queue's new order: every waiting job in the order it starts in now, `ids` moved before `before`. Ids of
 * jobs known here to be no longer waiting are dropped (the order lists what may still start); ids this replica
 * does not know (queued elsewhere) are kept where they were.
 */
export function movedOrder(
  queue: QueueRecord,
  index: readonly IndexEntry[],
  ids: readonly string[],
  before: string | null,
): string[] {
  const known = new Set(index.map((e) => e.id));
  const waiting = index.filter((e) => isWaiting(e) && e.trashedAt === undefined);
  const waitingIds = new Set(waiting.map((e) => e.id));
  const kept = queue.order.filter((id) => !known.has(id) || waitingIds.has(id));
  const listed = new Set(kept);
  // Waiting jobs the order does not list start after it, oldest first (queueOrder): listed now in that order.
  const full = [
    ...kept,
    ...queueOrder(
      null,
      waiting.filter((e) => !listed.has(e.id)),
    ).map((e) => e.id),
  ];
  return moveInOrder(full, ids, before).slice(0, MAX_QUEUE_ORDER);
}

/**
 * `queue` pause, resume and move, and `cancel`. The queue is a record (utils/domain/records.ts) that the
 * companion's runner honours (companion-server/paid/queue-order.ts); a cancel is a new version of each job,
 * `cancelled`, which the runner drops. All are stamped with the store's clock inside its lock, then pushed.
 */
export function createQueueHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'queue' | 'cancel'> {
  const { store, scheduler } = ctx;
  return {
    async queue(intent) {
      // Read before the lock: the order is advice to the runner, and a job finishing meanwhile is dropped by it.
      const index = intent.action === 'move' ? await store.getIndex() : [];
      const reply = await store.editRecords((current, clock): RecordEdit<IntentReply> => {
        const queue = queueOf(current);
        const changes: Partial<QueueRecord> =
          intent.action === 'move'
            ? { order: movedOrder(queue, index, intent.ids, intent.before) }
            : { paused: intent.action === 'pause' };
        const next = editRecord(queue, changes, clock);
        if (next === queue) return { result: { ok: true, ids: [] } };
        return { records: [next], result: { ok: true, ids: intent.action === 'move' ? intent.ids : [QUEUE_ID] } };
      });
      if (reply.ok && reply.ids?.length) scheduler.kick();
      return reply;
    },

    async cancel({ ids }) {
      const unique = [...new Set(ids)];
      const cancelled = await store.editJobs(unique, (current, clock): JobEdit<string[]> => {
        const jobs: Job[] = unique
          .map((id) => current.get(id))
          .filter((job): job is Job => !!job && !job.deleted && isWaiting(job))
          .map((job) => clock.stamp({ ...job, status: 'cancelled', error: null }, job));
        const gone = jobs.map((j) => j.id);
        // An idle job never handed over is not submitted now; its cancelled version is pushed instead.
        return { jobs, options: { markDirty: true, removeFromSubmit: gone }, result: gone };
      });
      if (cancelled.length === 0) return fail('Only a waiting or queued job can be cancelled');
      scheduler.kick();
      return { ok: true, ids: cancelled };
    },
  };
}
