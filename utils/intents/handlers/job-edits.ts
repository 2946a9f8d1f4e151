import type { Job } from '@/utils/domain';
import type { JobEdit } from '@/utils/history/store';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';
import type { IntentReply } from '@/utils/intents/protocol';

/**
 * `retry`, `delete` and `clearHistory`: edits of existing jobs. Each decides on the version it writes over,
 * inside the store's lock: a page pulled meanwhile could otherwise be overwritten by an edit of the version
 * before it.
 */
export function createJobEditHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'retry' | 'delete' | 'clearHistory'> {
  const { store, scheduler } = ctx;
  return {
    async retry({ id }) {
      const reply = await store.editJobs([id], (current, clock): JobEdit<IntentReply> => {
        const job = current.get(id);
        if (!job || job.deleted) return { result: fail(`No job ${id} in the history`) };
        if (job.status === 'queued' || job.status === 'running')
          return { result: fail(`Job ${id} is already ${job.status}`) };
        if (job.status === 'success') return { result: fail('Only a failed or waiting job can be retried') };
        // A deliberate restart of the failed version: its next generation wins over it on every replica (merge.ts).
        const retried: Job = clock.restart({ ...job, status: 'idle', error: null }, job);
        return { jobs: [retried], options: { submit: 'retry' }, result: { ok: true, ids: [id] } };
      });
      if (reply.ok) scheduler.kick();
      return reply;
    },

    async delete({ id }) {
      // true: tombstoned now; false: it already was; null: no such job.
      const deleted = await store.editJobs([id], (current, clock): JobEdit<boolean | null> => {
        const job = current.get(id);
        if (!job) return { result: null };
        if (job.deleted) return { result: false };
        const tombstone: Job = clock.stamp({ ...job, deleted: true }, job);
        return { jobs: [tombstone], options: { markDirty: true, removeFromSubmit: [id] }, result: true };
      });
      if (deleted === null) return fail(`No job ${id} in the history`);
      if (deleted) scheduler.kick();
      return { ok: true, ids: [id] };
    },

    async clearHistory() {
      const cleared = await store.clear();
      scheduler.kick();
      return { ok: true, message: `Cleared ${cleared} job${cleared === 1 ? '' : 's'}` };
    },
  };
}
