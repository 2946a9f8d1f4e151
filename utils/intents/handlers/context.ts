import type { CompanionClient } from '@/utils/companion-client';
import { type Job, newJobId } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import type { Intent, IntentReply } from '@/utils/intents/protocol';
import type { SyncEngine, SyncResult } from '@/utils/sync/engine';
import type { SyncScheduler } from '@/utils/sync/scheduler';

/** What every intent handler gets: the background's store, sync and companion, and its clock and randomness. */
export interface IntentHandlerDeps {
  store: HistoryStore;
  engine: Pick<SyncEngine, 'syncOnce'>;
  scheduler: Pick<SyncScheduler, 'kick' | 'panelOpen' | 'syncNow'>;
  client: () => CompanionClient | Promise<CompanionClient>;
  now?: () => number;
  random?: () => number;
  /** How the companion's console names this browser when it prints a pairing code. */
  clientName?: string;
}

/** The deps with their defaults filled in. */
export type HandlerContext = Required<Omit<IntentHandlerDeps, 'clientName'>> & Pick<IntentHandlerDeps, 'clientName'>;

type IntentOf<T extends Intent['type']> = Extract<Intent, { type: T }>;
/** One small handler per intent of utils/intents/protocol.ts. */
export type IntentHandlers = { [T in Intent['type']]: (intent: IntentOf<T>) => Promise<IntentReply> };

export function fail(error: string): IntentReply {
  return { ok: false, error };
}

export function syncReply(result: SyncResult, done: string): IntentReply {
  if (result.ok) return { ok: true, message: done };
  return fail(result.error ?? 'The sync did not run');
}

export type NewJobFields = Pick<Job, 'kind' | 'prompt' | 'width' | 'height' | 'seed' | 'rotate' | 'groupId'> &
  Partial<Pick<Job, 'options'>>;

/** A new job waiting to be handed to the companion's runner. */
export function idleJob(fields: NewJobFields, at: number, random: () => number): Job {
  return {
    ...fields,
    id: newJobId(at, random),
    status: 'idle',
    error: null,
    image: null,
    startTime: null,
    endTime: null,
    duration: null,
    createdAt: at,
    updatedAt: at,
    deleted: false,
  };
}

/** The id of a group of jobs made together (a batch, the 8 directions). */
export function groupId(at: number, random: () => number): string {
  return newJobId(at, random).replace(/^job-/, 'group-');
}

/** Stores new idle jobs, queues them for the companion's runner, and syncs soon. */
export async function submitNew(ctx: HandlerContext, jobs: Job[]): Promise<IntentReply> {
  await ctx.store.applyJobs(jobs, { submit: 'create' });
  ctx.scheduler.kick();
  return { ok: true, ids: jobs.map((j) => j.id) };
}
