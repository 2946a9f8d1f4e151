import { QUEUE_ID, type QueueRecord, queueRecordSchema } from '../../utils/domain';
import type { JobStore } from '../store/types';

/**
 * The queue record (utils/domain/records.ts, synced to every panel) as the runner reads it: whether it is paused,
 * and the order queued jobs start in. Read again when the record changes (`read`).
 */
export function createQueueOrder(store: Pick<JobStore, 'getRecord'>) {
  let state: Pick<QueueRecord, 'paused' | 'order'> = { paused: false, order: [] };
  let position = new Map<string, number>();

  function read(): void {
    const parsed = queueRecordSchema.safeParse(store.getRecord('queue', QUEUE_ID) ?? {});
    state = parsed.success && !parsed.data.deleted ? parsed.data : { paused: false, order: [] };
    position = new Map(state.order.map((id, i) => [id, i]));
  }
  read();

  return {
    read,
    paused: () => state.paused,
    /** Takes the next queued job to start out of `queue`: the first in the record's order, else the longest waiting. */
    takeNext(queue: string[]): string {
      let best = 0;
      let bestAt = position.get(queue[0]!) ?? Number.MAX_SAFE_INTEGER;
      for (let i = 1; i < queue.length && position.size > 0; i++) {
        const at = position.get(queue[i]!) ?? Number.MAX_SAFE_INTEGER;
        if (at < bestAt) [best, bestAt] = [i, at];
      }
      return queue.splice(best, 1)[0]!;
    },
  };
}
