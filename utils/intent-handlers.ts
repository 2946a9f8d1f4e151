import { convertSeedJobs, lenientSeedFileSchema } from '@/utils/history/seed-import';
import type { HistoryStore, JobEdit } from '@/utils/history/store';
import { INTENT_CHANNEL, type Intent, type IntentReply, intentSchema } from '@/utils/messaging';
import type { SyncEngine, SyncResult } from '@/utils/sync/engine';
import type { SyncScheduler } from '@/utils/sync/scheduler';
import { type CompanionClient, isCompanionError } from './companion-client';
import {
  type Direction,
  directions,
  errorMessage,
  type Job,
  MAX_PROMPT_LENGTH,
  newJobId,
  normalizePairingCode,
} from './domain';

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

export const DEFAULT_CLIENT_NAME = 'PixelLab Side Panel (Chrome)';

type IntentOf<T extends Intent['type']> = Extract<Intent, { type: T }>;
/** One small handler per intent of utils/messaging.ts. */
export type IntentHandlers = { [T in Intent['type']]: (intent: IntentOf<T>) => Promise<IntentReply> };

const IMPORT_CHUNK = 500;

function fail(error: string): IntentReply {
  return { ok: false, error };
}

function syncReply(result: SyncResult, done: string): IntentReply {
  if (result.ok) return { ok: true, message: done };
  return fail(result.error ?? 'The sync did not run');
}

/** A failed companion call in the companion's own words (no path in front), for the panel's banner. */
function companionWords(err: unknown): string {
  const words = isCompanionError(err) ? (err.serverMessage ?? err.message) : errorMessage(err);
  return /[.!?)]$/.test(words) ? words : `${words}.`;
}

/** Answers after which the pairing request cannot be used again. */
const PAIRING_OVER = new Set(['pairing_expired', 'pairing_void', 'pairing_not_found']);

/** `${prompt} (rotated to ${dir})`, shortened so it stays a valid prompt. */
export function rotatePrompt(prompt: string, direction: Direction): string {
  const suffix = ` (rotated to ${direction})`;
  return prompt.slice(0, MAX_PROMPT_LENGTH - suffix.length) + suffix;
}

export function createIntentHandlers(deps: IntentHandlerDeps): IntentHandlers {
  const { store, engine, scheduler } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;

  function groupId(at: number): string {
    return newJobId(at, random).replace(/^job-/, 'group-');
  }

  function idleJob(
    fields: Pick<Job, 'kind' | 'prompt' | 'width' | 'height' | 'seed' | 'rotate' | 'groupId'>,
    at: number,
  ): Job {
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

  /** A success job with an image, or the reason it cannot be rotated. */
  async function rotationSource(id: string): Promise<Job | string> {
    const job = await store.getJob(id);
    if (!job || job.deleted) return `No job ${id} in the history`;
    if (job.status !== 'success' || !job.image) return 'Only a finished job with an image can be rotated';
    return job;
  }

  function rotateJob(source: Job, to: Direction, from: Direction | null, group: string | null, at: number): Job {
    return idleJob(
      {
        kind: 'rotate',
        prompt: rotatePrompt(source.prompt, to),
        width: source.width,
        height: source.height,
        seed: null,
        rotate: {
          toDirection: to,
          fromDirection: from ?? source.rotate?.toDirection ?? null,
          sourceJobId: source.id,
          sourceImage: source.image!,
        },
        groupId: group,
      },
      at,
    );
  }

  /** Stores new idle jobs, queues them for the companion's runner, and syncs soon. */
  async function submitNew(jobs: Job[]): Promise<IntentReply> {
    await store.applyJobs(jobs, { submit: 'create' });
    scheduler.kick();
    return { ok: true, ids: jobs.map((j) => j.id) };
  }

  return {
    async generate({ request }) {
      const at = now();
      const group = request.count > 1 ? groupId(at) : null;
      const jobs = Array.from({ length: request.count }, () =>
        idleJob(
          {
            kind: 'generate',
            prompt: request.prompt,
            width: request.width,
            height: request.height,
            seed: request.seed,
            rotate: null,
            groupId: group,
          },
          at,
        ),
      );
      return submitNew(jobs);
    },

    // Edits of an existing job decide on the version they write over, inside the store's lock: a
    // page pulled meanwhile could otherwise be overwritten by an edit of the version before it.
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

    async rotate({ id, toDirection, fromDirection }) {
      const source = await rotationSource(id);
      if (typeof source === 'string') return fail(source);
      return submitNew([rotateJob(source, toDirection, fromDirection, null, now())]);
    },

    async rotate8({ id }) {
      const source = await rotationSource(id);
      if (typeof source === 'string') return fail(source);
      const at = now();
      const group = groupId(at);
      return submitNew(directions.map((to) => rotateJob(source, to, null, group, at)));
    },

    async syncNow() {
      const result = await scheduler.syncNow();
      return syncReply(result, `Synced: ${result.pushed} sent, ${result.pulled} received`);
    },

    async panelOpen() {
      scheduler.panelOpen();
      return { ok: true };
    },

    async import({ text }) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return fail(`The file is not valid JSON: ${errorMessage(err)}`);
      }
      // A bare list of jobs is accepted as well as the seed's { jobs, lastJobId }.
      if (Array.isArray(value)) value = { jobs: value };
      const file = lenientSeedFileSchema.safeParse(value);
      if (!file.success) {
        const issue = file.error.issues[0];
        const where = issue?.path.length ? issue.path.map(String).join('.') : 'the file';
        return fail(`The file is not a PixelLab job history: ${where}: ${issue?.message ?? 'unexpected shape'}`);
      }
      const { jobs, images, failed } = convertSeedJobs(file.data.jobs, now());
      const duplicatesInFile = file.data.jobs.length - jobs.length - failed.length;
      let imported = 0;
      let present = 0;
      for (let i = 0; i < jobs.length; i += IMPORT_CHUNK) {
        const chunk = jobs.slice(i, i + IMPORT_CHUNK);
        const added = await store.editJobs(
          chunk.map((j) => j.id),
          (existing): JobEdit<number> => {
            // Merge by id: a job already here (even deleted, even pulled a moment ago) is not doubled or revived.
            const fresh = chunk.filter((j) => !existing.has(j.id));
            const chunkImages: Record<string, string> = {};
            for (const job of fresh) {
              for (const hash of [job.image, job.rotate?.sourceImage]) {
                if (hash && images[hash]) chunkImages[hash] = images[hash];
              }
            }
            return { jobs: fresh, options: { markDirty: true, images: chunkImages }, result: fresh.length };
          },
        );
        imported += added;
        present += chunk.length - added;
      }
      if (imported > 0) scheduler.kick();
      const skipped = present + failed.length + duplicatesInFile;
      const reasons = [
        present > 0 ? `${present} already in the history` : '',
        duplicatesInFile > 0 ? `${duplicatesInFile} repeated in the file` : '',
        failed.length > 0 ? `${failed.length} unreadable (${failed[0]!.reason})` : '',
      ].filter(Boolean);
      const message =
        `Imported ${imported} job${imported === 1 ? '' : 's'}` +
        (skipped > 0 ? `; skipped ${skipped}: ${reasons.join(', ')}` : '');
      return { ok: true, imported, skipped, message };
    },

    async clearHistory() {
      const cleared = await store.clear();
      scheduler.kick();
      return { ok: true, message: `Cleared ${cleared} job${cleared === 1 ? '' : 's'}` };
    },

    async saveSettings({ settings }) {
      const before = await store.getSettings();
      await store.saveSettings(settings);
      // A new address or token deserves a fresh attempt, not the old backoff, and a new look at pairing.
      // The last error described the old settings: the panel shows "Connecting…" until this attempt answers.
      const newCompanion = before.companionUrl !== settings.companionUrl;
      const { online } = await store.setSyncState({
        nextAttemptAt: null,
        lastError: null,
        ...(newCompanion || before.token !== settings.token ? { pairing: null } : {}),
        ...(newCompanion ? { pairingRequest: null } : {}),
      });
      // Forced, so it runs now (not after a backoff) and again after a sync in flight that used the old settings.
      scheduler.syncNow().catch((err: unknown) => console.error('Sync after saving the settings failed', err));
      if (!online) return { ok: true, message: 'Settings saved' };
      try {
        const client = await deps.client();
        await client.putConfig({ parallelLimit: settings.parallelLimit });
        return { ok: true, message: 'Settings saved' };
      } catch (err) {
        return {
          ok: true,
          message: `Settings saved; the companion did not take the parallel limit: ${errorMessage(err)}`,
        };
      }
    },

    async pairStart() {
      let request: { requestId: string; expiresAt: number };
      try {
        request = await (await deps.client()).pairRequest(deps.clientName ?? DEFAULT_CLIENT_NAME);
      } catch (err) {
        return fail(`Could not start pairing: ${companionWords(err)}`);
      }
      await store.setSyncState({
        pairing: 'required',
        pairingRequest: { requestId: request.requestId, expiresAt: request.expiresAt },
      });
      return { ok: true, message: 'Enter the code the companion printed' };
    },

    async pairConfirm({ code: typed }) {
      const { pairingRequest } = await store.getSyncState();
      if (!pairingRequest) return fail('No pairing in progress: press "Pair with companion" first.');
      const code = normalizePairingCode(typed);
      if (code === null) return fail('The pairing code is the 6 digits the companion printed.');
      let token: string;
      try {
        ({ token } = await (await deps.client()).pairConfirm(pairingRequest.requestId, code));
      } catch (err) {
        if (isCompanionError(err) && err.code !== null && PAIRING_OVER.has(err.code)) {
          // This request is over: the panel offers "Pair with companion" again.
          await store.setSyncState({ pairingRequest: null });
          return fail(companionWords(err));
        }
        if (isCompanionError(err) && err.code === 'invalid_code') return fail(companionWords(err));
        return fail(`Could not pair: ${companionWords(err)}`);
      }
      await store.patchSettings({ token });
      await store.setSyncState({ pairing: null, pairingRequest: null, nextAttemptAt: null, lastError: null });
      // Forced, so it also runs after a sync in flight that still saw this browser unpaired.
      scheduler.syncNow().catch((err: unknown) => console.error('Sync after pairing failed', err));
      return { ok: true, message: 'Paired with the companion' };
    },

    async loadFromServer() {
      const result = await engine.syncOnce({ force: true, push: false });
      return syncReply(result, `Loaded ${result.pulled} change${result.pulled === 1 ? '' : 's'} from the companion`);
    },

    async saveToStorage() {
      const result = await engine.syncOnce({ force: true, pull: false });
      return syncReply(result, `Sent ${result.pushed} change${result.pushed === 1 ? '' : 's'} to the companion`);
    },
  };
}

/**
 * The `runtime.onMessage` listener: answers `{ channel: INTENT_CHANNEL, intent }` messages with an
 * IntentReply and leaves every other message to other listeners (returns undefined).
 */
export function createIntentListener(handlers: IntentHandlers) {
  return (message: unknown): Promise<IntentReply> | undefined => {
    if (!message || typeof message !== 'object' || (message as { channel?: unknown }).channel !== INTENT_CHANNEL)
      return undefined;
    return handleIntent(handlers, (message as { intent?: unknown }).intent);
  };
}

/** Validates an intent with intentSchema and runs its handler; unexpected failures become `{ ok: false }`. */
export async function handleIntent(handlers: IntentHandlers, raw: unknown): Promise<IntentReply> {
  const parsed = intentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.map(String).join('.') : 'intent';
    return fail(`Invalid request: ${where}: ${issue?.message ?? 'unexpected shape'}`);
  }
  const intent = parsed.data;
  try {
    const handler = handlers[intent.type] as (i: Intent) => Promise<IntentReply>;
    return await handler(intent);
  } catch (err) {
    console.error(`Intent ${intent.type} failed`, err);
    return fail(errorMessage(err));
  }
}
