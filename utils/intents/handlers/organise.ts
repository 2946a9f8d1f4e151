import {
  addToSetField,
  type Clock,
  isTrashed,
  type Job,
  MAX_BOARDS,
  MAX_TAGS,
  OrganiseLimitError,
  removeFromSetField,
  setOrganisingField,
} from '@/utils/domain';
import type { JobEdit } from '@/utils/history/store';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';
import { isWaiting } from '@/utils/intents/handlers/queue';
import type { IntentReply, OrganiseEdit } from '@/utils/intents/protocol';

/** Jobs per read-modify-write: each chunk is one storage write, consistent on its own. */
export const ORGANISE_CHUNK = 1000;

/** `job` with `edit` made now (a field stamped by the store's clock); the same job when it changes nothing. */
export function applyOrganiseEdit(job: Job, edit: OrganiseEdit, clock: Clock, now: number): Job {
  switch (edit.op) {
    case 'star':
      return (job.starred ?? false) === edit.value ? job : setOrganisingField(job, 'starred', edit.value, clock);
    case 'rate':
      return (job.rating ?? null) === edit.value ? job : setOrganisingField(job, 'rating', edit.value, clock);
    case 'notes':
      return (job.notes ?? '') === edit.value ? job : setOrganisingField(job, 'notes', edit.value, clock);
    case 'trash':
      return isTrashed(job) ? job : setOrganisingField(job, 'trashedAt', now, clock);
    case 'restore':
      return isTrashed(job) ? setOrganisingField(job, 'trashedAt', null, clock) : job;
    case 'addTags':
      return addToSetField(job, 'tags', edit.tags, clock, MAX_TAGS);
    case 'removeTags':
      return removeFromSetField(job, 'tags', edit.tags);
    case 'addToBoard':
      return addToSetField(job, 'boards', [edit.boardId], clock, MAX_BOARDS);
    case 'removeFromBoard':
      return removeFromSetField(job, 'boards', [edit.boardId]);
  }
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * `organise` (star, rate, tags, boards, notes, trash, restore) and `emptyTrash`. Each edit is made inside the
 * store's lock on the version it writes over (a page pulled meanwhile is never overwritten) and queued for push;
 * organising fields merge per field, so an edit here and another elsewhere both survive.
 */
export function createOrganiseHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'organise' | 'emptyTrash'> {
  const { store, scheduler } = ctx;
  return {
    async organise({ ids, edit }) {
      const changed: string[] = [];
      let limit: string | null = null;
      for (const chunk of chunks([...new Set(ids)], ORGANISE_CHUNK)) {
        const done = await store.editJobs(chunk, (current, clock): JobEdit<string[]> => {
          const jobs: Job[] = [];
          const cancelled: string[] = [];
          const now = ctx.now();
          for (const id of chunk) {
            const job = current.get(id);
            if (!job || job.deleted) continue;
            try {
              let next = applyOrganiseEdit(job, edit, clock, now);
              // A job thrown away before it ran is not run (nor paid for): it goes to the trash cancelled.
              if (edit.op === 'trash' && next !== job && isWaiting(job)) {
                next = clock.stamp({ ...next, status: 'cancelled', error: null }, job);
                cancelled.push(id);
              }
              if (next !== job) jobs.push(next);
            } catch (err) {
              // One job at its limit does not stop the others; the reply says why it was left.
              if (!(err instanceof OrganiseLimitError)) throw err;
              limit = err.message;
            }
          }
          return { jobs, options: { markDirty: true, removeFromSubmit: cancelled }, result: jobs.map((j) => j.id) };
        });
        changed.push(...done);
      }
      if (changed.length > 0) scheduler.kick();
      if (changed.length === 0 && limit !== null) return fail(limit);
      const reply: IntentReply = { ok: true, ids: changed };
      return limit === null ? reply : { ...reply, message: `Some jobs were left as they were: ${limit}` };
    },

    async emptyTrash({ ids }) {
      const targets = ids ?? (await store.getIndex()).filter((e) => e.trashedAt !== undefined).map((e) => e.id);
      const purged: string[] = [];
      for (const chunk of chunks([...new Set(targets)], ORGANISE_CHUNK)) {
        const done = await store.editJobs(chunk, (current, clock): JobEdit<string[]> => {
          // Only what is in the trash: a purge is final, so a job restored meanwhile stays.
          const jobs = chunk
            .map((id) => current.get(id))
            .filter((job): job is Job => !!job && isTrashed(job))
            .map((job) => clock.stamp({ ...job, deleted: true }, job));
          const gone = jobs.map((j) => j.id);
          return { jobs, options: { markDirty: true, removeFromSubmit: gone }, result: gone };
        });
        purged.push(...done);
      }
      if (purged.length > 0) scheduler.kick();
      return { ok: true, ids: purged };
    },
  };
}
