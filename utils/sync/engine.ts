import { type CompanionClient, CompanionError, type CompanionErrorKind } from '@/utils/companion-client';
import { errorMessage } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import { readDeviceSync } from '@/utils/sync/device-sync';
import {
  checkServer,
  needsPairing,
  PAIRING_REQUIRED_MESSAGE,
  PairingRequiredError,
  ServerChangedError,
} from '@/utils/sync/errors';
import { createImageFetcher } from '@/utils/sync/images';
import { claimApprovedPairing } from '@/utils/sync/pair-claim';
import { FIRST_PAGE_SIZE, pullChanges, SYNC_PAGE_SIZE } from '@/utils/sync/pull';
import { createPusher } from '@/utils/sync/push';
import { readSpend } from '@/utils/sync/spend';
import { submitWaiting } from '@/utils/sync/submit';

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;
/**
 * An unreachable companion is retried at least this often: a refused loopback connection costs nothing, and a
 * user who just started it (the panel's setup card) should see the panel notice within seconds.
 */
export const OFFLINE_RETRY_MAX_MS = 5_000;

export interface SyncEngineOptions {
  store: HistoryStore;
  /** Built per run, so changed settings (URL, token) apply at the next sync. */
  client: () => CompanionClient | Promise<CompanionClient>;
  now?: () => number;
  random?: () => number;
  pageSize?: number;
  /** Jobs in the first page of each pull (at most pageSize). */
  firstPageSize?: number;
  pushChunkSize?: number;
  /** Image requests in flight at once while pulling (each a batch, or one image from a companion without batches). */
  imageConcurrency?: number;
  /** Images asked for per batch request (at most MAX_IMAGE_BATCH). */
  imageBatchSize?: number;
  /** Base64 bytes of images per push request. */
  imageBudgetBytes?: number;
  /** Wanted images fetched within a run; more are fetched in the background after it. */
  inlineImages?: number;
}

/** Images a run fetches itself (three batch requests); a larger backlog is fetched in the background. */
export const INLINE_IMAGES = 300;

export interface SyncOptions {
  /** Ignore the backoff (the user asked). */
  force?: boolean;
  /** Submit and push (default true). */
  push?: boolean;
  /** Pull (default true). */
  pull?: boolean;
}

export interface SyncResult {
  ok: boolean;
  /** Not attempted: still backing off until `nextAttemptAt`, or waiting to be paired. */
  skipped?: 'backoff' | 'pairing';
  error?: string;
  errorKind?: CompanionErrorKind | 'server-changed' | 'pairing' | 'internal';
  submitted: number;
  pushed: number;
  pulled: number;
  /** Images the companion had lost that this run uploaded again. */
  reuploaded: number;
  serverChanged: boolean;
}

export interface SyncEngine {
  /** One sync; concurrent calls share the run in flight. Never throws: failures come back in the result and the sync state. */
  syncOnce(options?: SyncOptions): Promise<SyncResult>;
  readonly running: boolean;
  /** Resolves when no image fill runs in the background (tests, and the bench's "all images stored"). */
  imagesSettled(): Promise<void>;
}

/**
 * Exponential 1 s, 2 s, 4 s... capped at 60 s, with +-20 % jitter so clients do not retry in step.
 * Not p-retry: that retries inside one promise, while these attempts are separate runs that must survive
 * the service worker being stopped, so the next one is due at a stored time (`nextAttemptAt`).
 */
export function backoffDelay(failures: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(Math.min(BACKOFF_MAX_MS, base * (0.8 + 0.4 * random())));
}

/**
 * The sync engine (DESIGN.md "Sync"): per run it checks health, submits new jobs and retries
 * to the runner, pushes the outbox in chunks with stable request ids, then pulls changes
 * since the checkpoint page by page. It never deletes a local job because the companion is
 * empty or unreachable; while it is down, runs back off exponentially.
 */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { store } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const pageSize = options.pageSize ?? SYNC_PAGE_SIZE;
  const firstPageSize = Math.min(options.firstPageSize ?? FIRST_PAGE_SIZE, pageSize);
  const images = createImageFetcher({ concurrency: options.imageConcurrency, batchSize: options.imageBatchSize });
  const pusher = createPusher({
    store,
    now,
    random,
    chunkSize: options.pushChunkSize,
    imageBudgetBytes: options.imageBudgetBytes,
  });
  let failures = 0;
  let current: Promise<SyncResult> | null = null;
  const inlineImages = options.inlineImages ?? INLINE_IMAGES;

  /**
   * The images this replica shows and lacks: the head's first (what the panel shows), then the rest. A few
   * are fetched within the run; a backlog (a first sync's thousands) in the background, so the history is
   * usable as soon as its jobs are stored, and a later run (a local edit to push) does not wait for it.
   */
  async function fillImages(client: CompanionClient, lacking: Set<string>): Promise<void> {
    await images.fillHead(store, client, lacking);
    if (images.filling) return;
    const backlog = await store.countWanted();
    if (backlog === 0) return;
    const fill = images.fill(store, client, lacking);
    if (backlog <= inlineImages) await fill;
    else
      fill.catch((err: unknown) => {
        // The next run starts it again where it stopped.
        console.warn('Fetching images in the background stopped', err);
      });
  }

  /**
   * The sync protocol the companion speaks, as last seen in an answer; asked once (a page of one change) when not
   * known yet, before anything is pushed: a version-1 companion must not be sent what it cannot hold.
   */
  async function syncVersionOf(client: CompanionClient, serverId: string): Promise<number> {
    const state = await store.getSyncState();
    if (state.syncVersion !== null) return state.syncVersion;
    const probe = await client.changes(state.checkpoint, 1);
    checkServer(probe.serverId, serverId);
    await store.setSyncState({ syncVersion: probe.syncVersion });
    return probe.syncVersion;
  }

  // --- one run ---------------------------------------------------------------------------

  async function run(opts: SyncOptions): Promise<SyncResult> {
    const result: SyncResult = {
      ok: false,
      submitted: 0,
      pushed: 0,
      pulled: 0,
      reuploaded: 0,
      serverChanged: false,
    };
    try {
      let state = await store.getSyncState();
      // A request the user may have approved on the companion's page: collect the token, then sync with it.
      if (state.pairingRequest && now() < state.pairingRequest.expiresAt) {
        if (await claimApprovedPairing(store, await options.client(), state.pairingRequest))
          state = await store.getSyncState();
      }
      // Unpaired, nothing but a user's action (pairing, Sync now, a new token) can help: no retries.
      if (!opts.force && state.pairing === 'required') return { ...result, skipped: 'pairing' };
      if (!opts.force && state.nextAttemptAt !== null && now() < state.nextAttemptAt)
        return { ...result, skipped: 'backoff' };
      await store.setSyncState({ syncing: true });
      const client = await options.client();
      const health = await client.health();
      const synced = await store.setSyncState({
        online: true,
        apiKeyDetected: health.api_key_detected,
        balanceUsd: health.balance.usd ?? null,
        apiKeySource: health.api_key_source ?? null,
        apiVersion: health.apiVersion,
        auth: health.auth,
      });
      if (health.auth === 'pairing' && !(await store.getSettings()).token) throw new PairingRequiredError();
      if (synced.serverId !== health.serverId) {
        // A fresh or replaced companion receives our history; its emptiness deletes nothing.
        await store.resetForServer(health.serverId);
        result.serverChanged = true;
      }
      /** Image hashes the companion lacked in this run: asked for once per run. */
      const lacking = new Set<string>();
      if (opts.push !== false) {
        const v = () => syncVersionOf(client, health.serverId);
        // What changed here goes before new jobs: a pause, an order or a cancel made before they were asked for
        // holds when they reach the runner (a push applies its jobs before its records: a cancel before a resume).
        result.pushed = await pusher.push(client, health.serverId, v);
        result.submitted = await submitWaiting(store, client);
        result.pushed += await pusher.push(client, health.serverId, v);
      }
      await readSpend(store, client);
      await readDeviceSync(store, client);
      if (opts.pull !== false) {
        const pull = await pullChanges({ store, images, pageSize, firstPageSize, lacking }, client, health.serverId);
        result.pulled = pull.pulled;
        // Images the companion lost (damaged or deleted files): ours go back, so nothing stays lost.
        result.reuploaded = await pusher.uploadImages(client, health.serverId, pull.needImages);
      }
      await fillImages(client, lacking);
      failures = 0;
      await store.setSyncState({
        syncing: false,
        online: true,
        lastSyncAt: now(),
        lastError: null,
        nextAttemptAt: null,
        pairing: null,
        pairingRequest: null,
      });
      return { ...result, ok: true };
    } catch (err) {
      if (needsPairing(err)) {
        failures = 0;
        try {
          await store.setSyncState({
            syncing: false,
            online: true,
            pairing: 'required',
            lastError: PAIRING_REQUIRED_MESSAGE,
            nextAttemptAt: null,
          });
        } catch (storageErr) {
          console.error('Could not record that pairing is required', storageErr);
        }
        return { ...result, ok: false, error: PAIRING_REQUIRED_MESSAGE, errorKind: 'pairing' };
      }
      failures += 1;
      const kind: SyncResult['errorKind'] =
        err instanceof CompanionError ? err.kind : err instanceof ServerChangedError ? 'server-changed' : 'internal';
      const message = errorMessage(err);
      const online = kind === 'offline' || kind === 'bad-response' ? false : kind === 'internal' ? undefined : true;
      const delay = backoffDelay(failures, random);
      const nextAttemptAt =
        kind === 'server-changed' ? null : now() + (kind === 'offline' ? Math.min(delay, OFFLINE_RETRY_MAX_MS) : delay);
      try {
        await store.setSyncState({
          syncing: false,
          lastError: message,
          nextAttemptAt,
          ...(online === undefined ? {} : { online }),
        });
      } catch (storageErr) {
        // The storage failure is recorded by the store; the sync error still goes back to the caller.
        console.error('Could not record the sync failure', storageErr);
      }
      return { ...result, ok: false, error: message, errorKind: kind };
    }
  }

  return {
    syncOnce(opts = {}) {
      current ??= run(opts).finally(() => {
        current = null;
      });
      return current;
    },
    get running() {
      return current !== null;
    },
    imagesSettled: () => images.whenIdle(),
  };
}
