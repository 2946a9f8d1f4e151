import { type IntentInput, type IntentReply, MAX_INTENT_IDS, type OrganiseEdit } from '@/utils/intents/protocol';
import type { IndexEntry } from '@/utils/storage/layout';

/** The intents a bulk action sends (the workbench contract, utils/intents/protocol.ts). */
export type BulkIntent = Extract<IntentInput, { type: 'organise' | 'retry' | 'board' }>;

export type SendBulk = (intent: BulkIntent) => Promise<IntentReply>;

/** Most ids one organise intent carries (the contract's bound). */
export const MAX_IDS_PER_INTENT = MAX_INTENT_IDS;

export interface BulkOutcome {
  /** Ids the background changed (a star on a starred job changes nothing). */
  changed: string[];
  /** The first refusal, in the background's words; null when every intent went through. */
  error: string | null;
}

/** Sends one edit for many jobs, in intents of at most 10,000 ids; stops at the first refusal. */
export async function organiseMany(send: SendBulk, ids: readonly string[], edit: OrganiseEdit): Promise<BulkOutcome> {
  const changed: string[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_INTENT) {
    const chunk = ids.slice(i, i + MAX_IDS_PER_INTENT);
    const reply = await send({ type: 'organise', ids: chunk, edit });
    if (!reply.ok) return { changed, error: reply.error };
    changed.push(...(reply.ids ?? chunk));
  }
  return { changed, error: null };
}

/** The selected jobs that can be retried (failed ones). */
export function retryable(entries: readonly IndexEntry[]): IndexEntry[] {
  return entries.filter((e) => e.status === 'error');
}

/** Retries each failed job, one intent each (the retry intent is per job); stops at the first refusal. */
export async function retryMany(send: SendBulk, entries: readonly IndexEntry[]): Promise<BulkOutcome> {
  const changed: string[] = [];
  for (const entry of retryable(entries)) {
    const reply = await send({ type: 'retry', id: entry.id });
    if (!reply.ok) return { changed, error: reply.error };
    changed.push(entry.id);
  }
  return { changed, error: null };
}

/** Tags any of the selected jobs hold, most common first: what "Remove tag" offers. */
export function tagsOf(entries: readonly IndexEntry[]): string[] {
  const counts = new Map<string, number>();
  for (const e of entries) for (const t of e.tags ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
}
