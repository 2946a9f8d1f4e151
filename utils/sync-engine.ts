import type { HistoryStore } from '@/utils/history/store';
import type { ImageWant, PendingPush } from '@/utils/storage/layout';
import {
  type CompanionClient,
  CompanionError,
  type CompanionErrorKind,
  dataUrlToBase64,
  type ImageBatch,
  isCompanionError,
} from './companion-client';
import { errorMessage, fullVersionOf, type Job, MAX_IMAGE_BATCH, pickWinner, type SyncedJob } from './domain';

/**
 * Jobs per pulled page. Each page is stored in one write that also rewrites the index, so fewer, larger
 * pages make a first sync of 10,000 jobs about a quarter faster (measured: 16.5 s at 200, 12.2-13.3 s at 500).
 */
export const SYNC_PAGE_SIZE = 500;
/** The first page of a pull is smaller, so a fresh install shows its first rows sooner. */
export const FIRST_PAGE_SIZE = 100;
export const PUSH_CHUNK_SIZE = 200;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;

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
}

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
  serverChanged: boolean;
}

export interface SyncEngine {
  /** One sync; concurrent calls share the run in flight. Never throws: failures come back in the result and the sync state. */
  syncOnce(options?: SyncOptions): Promise<SyncResult>;
  readonly running: boolean;
}

/** Exponential 1 s, 2 s, 4 s... capped at 60 s, with +-20 % jitter so clients do not retry in step. */
export function backoffDelay(failures: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(Math.min(BACKOFF_MAX_MS, base * (0.8 + 0.4 * random())));
}

/** The companion answered with another serverId mid-run: the next run starts over from 0. */
class ServerChangedError extends Error {}

export const PAIRING_REQUIRED_MESSAGE =
  'The companion requires pairing: press "Pair with companion" and type the code the companion prints';

/** The companion wants a paired token and this browser has none (or one it no longer accepts). */
class PairingRequiredError extends Error {
  constructor() {
    super(PAIRING_REQUIRED_MESSAGE);
  }
}

function needsPairing(err: unknown): boolean {
  return (
    err instanceof PairingRequiredError ||
    (isCompanionError(err) && err.status === 401 && err.code === 'pairing_required')
  );
}

/** A 4xx that retrying the same request cannot fix (not auth, timeouts or rate limits). */
function isPermanentRefusal(err: unknown): err is CompanionError {
  return (
    isCompanionError(err, 'http') &&
    err.status !== null &&
    err.status >= 400 &&
    err.status < 500 &&
    ![408, 425, 429].includes(err.status)
  );
}

/** Runs `fn` over `items`, at most `limit` at once. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
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
  const pushChunkSize = options.pushChunkSize ?? PUSH_CHUNK_SIZE;
  const imageConcurrency = options.imageConcurrency ?? 4;
  const imageBatchSize = Math.min(options.imageBatchSize ?? MAX_IMAGE_BATCH, MAX_IMAGE_BATCH);
  /** Companions (by URL) that answered the batch route 404: asked one image at a time from then on. */
  const noBatchRoute = new Set<string>();
  const imageBudget = options.imageBudgetBytes ?? 8 * 1024 * 1024;
  let failures = 0;
  let current: Promise<SyncResult> | null = null;

  let pushCount = 0;
  function requestId(): string {
    let suffix = '';
    for (let i = 0; i < 10; i++) suffix += Math.floor(random() * 36).toString(36);
    pushCount += 1;
    return `push-${now().toString(36)}-${pushCount.toString(36)}-${suffix}`;
  }

  function checkServer(actual: string, expected: string): void {
    if (actual !== expected)
      throw new ServerChangedError(`The companion's data changed (serverId ${expected} -> ${actual}) during the sync`);
  }

  // --- submit ---------------------------------------------------------------------------

  async function create(client: CompanionClient, job: Job): Promise<SyncedJob> {
    const input = {
      id: job.id,
      kind: job.kind,
      prompt: job.prompt,
      width: job.width,
      height: job.height,
      seed: job.seed,
      rotate: job.rotate,
      groupId: job.groupId,
      createdAt: job.createdAt,
      // The companion stamps the queued version above ours, so it wins over this idle one everywhere.
      clientUpdatedAt: job.updatedAt,
      clientVersion: fullVersionOf(job),
    };
    try {
      return (await client.createJob(input)).job;
    } catch (err) {
      if (!(isCompanionError(err, 'http') && err.status === 409 && err.code === 'image_required' && job.rotate))
        throw err;
      // The companion lacks the source image: send ours along.
      const hash = job.rotate.sourceImage;
      const dataUrl = (await store.getImages([hash])).get(hash);
      const base64 = dataUrl ? dataUrlToBase64(dataUrl) : null;
      if (!base64)
        throw new CompanionError(
          'http',
          'The image to rotate is neither stored here nor on the companion',
          409,
          'image_missing',
        );
      return (await client.createJob({ ...input, sourceImageData: base64 })).job;
    }
  }

  async function retry(client: CompanionClient, job: Job): Promise<SyncedJob> {
    try {
      return await client.retryJob(job.id, { clientUpdatedAt: job.updatedAt, clientVersion: fullVersionOf(job) });
    } catch (err) {
      // Unknown to the companion (imported, or a replaced companion): submit it as new.
      if (isCompanionError(err, 'http') && err.status === 404) return create(client, job);
      if (isCompanionError(err, 'http') && err.status === 409) {
        const existing = await client.getJob(job.id);
        if (existing) return existing;
      }
      throw err;
    }
  }

  async function submit(client: CompanionClient): Promise<number> {
    const queue = await store.getSubmitQueue();
    if (queue.length === 0) return 0;
    let submitted = 0;
    for (const entry of queue) {
      // Read afresh for each entry: the user may have retried or deleted it during an earlier request.
      const job = await store.getJob(entry.id);
      if (!job || job.deleted || job.status !== 'idle') {
        // Dropped only if, under the lock, it is still not waiting: a retry made since keeps its entry.
        await store.editJobs([entry.id], (current) => {
          const latest = current.get(entry.id);
          const waiting = latest !== undefined && !latest.deleted && latest.status === 'idle';
          return { options: waiting ? {} : { removeFromSubmit: [entry.id] }, result: undefined };
        });
        continue;
      }
      try {
        const accepted = entry.action === 'retry' ? await retry(client, job) : await create(client, job);
        // Its image, if it already finished, is fetched by fetchWantedImages.
        await store.mergeRemote([accepted], { submitted: [entry.id] });
        submitted += 1;
      } catch (err) {
        if (!isPermanentRefusal(err)) throw err;
        // The companion refuses this job for good: show why, and let the user retry or delete it.
        // Decided on the version stored now: the user may have deleted or changed it during the request.
        const reason = err.message;
        await store.editJobs([entry.id], (current, clock) => {
          const latest = current.get(entry.id);
          if (!latest || latest.deleted || latest.status !== 'idle')
            return { options: { removeFromSubmit: [entry.id] }, result: undefined };
          const failed: Job = clock.stamp({ ...latest, status: 'error', error: reason }, latest);
          return { jobs: [failed], options: { markDirty: true, removeFromSubmit: [entry.id] }, result: undefined };
        });
      }
    }
    return submitted;
  }

  // --- push ------------------------------------------------------------------------------

  async function pushImages(
    client: CompanionClient,
    clientId: string,
    serverId: string,
    hashes: readonly string[],
  ): Promise<void> {
    const images = await store.getImages(hashes);
    let batch: Record<string, string> = {};
    let bytes = 0;
    const flush = async () => {
      if (Object.keys(batch).length === 0) return;
      const res = await client.push({ requestId: requestId(), clientId, changes: [], images: batch });
      checkServer(res.serverId, serverId);
      batch = {};
      bytes = 0;
    };
    for (const hash of hashes) {
      const dataUrl = images.get(hash);
      const base64 = dataUrl ? dataUrlToBase64(dataUrl) : null;
      if (!base64) continue; // Not here either; the job keeps pointing at it.
      if (bytes > 0 && bytes + base64.length > imageBudget) await flush();
      batch[hash] = base64;
      bytes += base64.length;
    }
    await flush();
  }

  /** Sends one chunk (with its persisted request id), its images, then stores the answers. */
  async function sendChunk(
    client: CompanionClient,
    clientId: string,
    serverId: string,
    chunk: PendingPush,
  ): Promise<number> {
    const res = await client.push({ requestId: chunk.requestId, clientId, changes: chunk.jobs });
    checkServer(res.serverId, serverId);
    // Images before settling: if this fails, the retry of the same request id asks again.
    if (res.needImages.length > 0) await pushImages(client, clientId, serverId, res.needImages);
    // Newer versions in the answer may show images we lack: the merge records them, fetchWantedImages fetches them.
    await store.mergeRemote(
      res.results.map((r) => r.job),
      { clearPendingPush: true },
    );
    return res.results.filter((r) => r.outcome === 'applied').length;
  }

  async function push(client: CompanionClient, serverId: string): Promise<number> {
    const clientId = await store.getClientId(random);
    let pushed = 0;
    const pending = await store.getPendingPush();
    // Each id is sent at most twice per run: once, and again if the answer left it dirty
    // (a delete re-applied over a newer version); anything more waits for the next run.
    const tries = new Map<string, number>();
    const count = (ids: Iterable<string>) => {
      for (const id of ids) tries.set(id, (tries.get(id) ?? 0) + 1);
    };
    if (pending) {
      pushed += await sendChunk(client, clientId, serverId, pending);
      count(pending.jobs.map((j) => j.id));
    }
    for (;;) {
      const waiting = new Set((await store.getSubmitQueue()).map((e) => e.id));
      // A job waiting for the runner goes through submit (create or retry), never pushed first: an idle
      // version pushed over the companion's queued one would stop the runner from running it.
      const ids = (await store.getOutbox())
        .filter((id) => !waiting.has(id) && (tries.get(id) ?? 0) < 2)
        .slice(0, pushChunkSize);
      if (ids.length === 0) return pushed;
      count(ids);
      const jobs = await store.getJobs(ids);
      const gone = ids.filter((id) => !jobs.has(id));
      if (gone.length > 0) await store.removeFromOutbox(gone);
      if (jobs.size === 0) continue;
      const chunk: PendingPush = { requestId: requestId(), jobs: [...jobs.values()] };
      // Persisted first, so a retry after a failure reuses the id and the companion applies it once.
      await store.setPendingPush(chunk);
      pushed += await sendChunk(client, clientId, serverId, chunk);
    }
  }

  // --- pull ------------------------------------------------------------------------------

  async function pull(client: CompanionClient, serverId: string): Promise<number> {
    let since = (await store.getSyncState()).checkpoint;
    let pulled = 0;
    let first = true;
    for (;;) {
      const page = await client.changes(since, first ? firstPageSize : pageSize);
      first = false;
      checkServer(page.serverId, serverId);
      const locals = await store.getJobs(page.changes.map((j) => j.id));
      const wanted = new Set<string>();
      for (const job of page.changes) {
        const local = locals.get(job.id);
        if (job.deleted || local?.deleted || job.status !== 'success' || !job.image) continue;
        // By what is held here, not by the local hash: a version merged from a push or submit answer
        // may point at the image without it having been fetched.
        if (pickWinner(local, job) === job) wanted.add(job.image);
      }
      const have = await store.hasImages([...wanted]);
      const images = await fetchImages(
        client,
        [...wanted].filter((h) => !have.has(h)),
      );
      // Jobs, images and checkpoint in one write: a stopped worker resumes at a whole page. Images the
      // companion lacks too (not uploaded yet) go to imagesWanted in the same write.
      await store.mergeRemote(page.changes, { images, sync: { checkpoint: page.lastSeq } });
      pulled += page.changes.length;
      if (!page.hasMore || page.lastSeq <= since) return pulled;
      since = page.lastSeq;
    }
  }

  // --- images ----------------------------------------------------------------------------

  /**
   * `hashes` fetched from the companion in batches, at most imageConcurrency requests at once; those it
   * lacks are left out. `skipBroken`: an image that fails its check is left out too (it stays wanted)
   * instead of failing the sync.
   */
  async function fetchImages(
    client: CompanionClient,
    hashes: readonly string[],
    options: { skipBroken?: boolean } = {},
  ): Promise<Record<string, string>> {
    const images: Record<string, string> = {};
    const tolerated = (err: unknown) =>
      options.skipBroken && (isCompanionError(err, 'bad-response') || isCompanionError(err, 'http'));
    const one = async (hash: string) => {
      try {
        const dataUrl = await client.getImage(hash);
        if (dataUrl) images[hash] = dataUrl;
      } catch (err) {
        // One unreadable image must not stop every sync: it stays wanted and is asked for next time.
        if (!tolerated(err)) throw err;
      }
    };
    const batches: string[][] = [];
    for (let i = 0; i < hashes.length; i += imageBatchSize) batches.push(hashes.slice(i, i + imageBatchSize));
    await inParallel(batches, imageConcurrency, async (batch) => {
      let pending = batch;
      while (pending.length > 0) {
        if (noBatchRoute.has(client.baseUrl)) {
          for (const hash of pending) await one(hash);
          return;
        }
        let answer: ImageBatch | null;
        try {
          answer = await client.getImageBatch(pending);
        } catch (err) {
          if (!tolerated(err)) throw err;
          return;
        }
        if (answer === null) {
          noBatchRoute.add(client.baseUrl);
          continue;
        }
        for (const [hash, dataUrl] of answer.images) images[hash] = dataUrl;
        if (answer.broken.length > 0 && !options.skipBroken) {
          throw new CompanionError(
            'bad-response',
            `/api/v1/images: the image ${answer.broken[0]} is not a PNG matching its sha-256`,
          );
        }
        // The companion always sends at least one image, so this ends.
        pending = answer.images.size > 0 ? answer.deferred : [];
      }
    });
    return images;
  }

  /**
   * Makes sure this replica holds the image of every finished job it shows. The merges record what they
   * stored without its image (imagesWanted): versions from push and submit answers, and pulled versions
   * whose image the companion did not have yet. Each sync asks for them again until they arrive, and
   * forgets those whose job moved on (deleted, retried, another image).
   */
  async function fetchWantedImages(client: CompanionClient): Promise<void> {
    const wanted = await store.getImagesWanted();
    if (wanted.length === 0) return;
    const jobs = await store.getJobs([...new Set(wanted.map((w) => w.id))]);
    const stale: ImageWant[] = [];
    const hashes = new Set<string>();
    for (const w of wanted) {
      const job = jobs.get(w.id);
      if (!job || job.deleted || job.status !== 'success' || job.image !== w.hash) stale.push(w);
      else hashes.add(w.hash);
    }
    const have = await store.hasImages([...hashes]);
    for (const w of wanted) if (have.has(w.hash)) stale.push(w);
    const images = await fetchImages(
      client,
      [...hashes].filter((h) => !have.has(h)),
      { skipBroken: true },
    );
    if (stale.length > 0 || Object.keys(images).length > 0) await store.settleImagesWanted(images, stale);
  }

  // --- one run ---------------------------------------------------------------------------

  async function run(opts: SyncOptions): Promise<SyncResult> {
    const result: SyncResult = { ok: false, submitted: 0, pushed: 0, pulled: 0, serverChanged: false };
    try {
      const state = await store.getSyncState();
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
        auth: health.auth,
      });
      if (health.auth === 'pairing' && !(await store.getSettings()).token) throw new PairingRequiredError();
      if (synced.serverId !== health.serverId) {
        // A fresh or replaced companion receives our history; its emptiness deletes nothing.
        await store.resetForServer(health.serverId);
        result.serverChanged = true;
      }
      if (opts.push !== false) {
        result.submitted = await submit(client);
        result.pushed = await push(client, health.serverId);
      }
      await fetchWantedImages(client);
      if (opts.pull !== false) result.pulled = await pull(client, health.serverId);
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
      const nextAttemptAt = kind === 'server-changed' ? null : now() + backoffDelay(failures, random);
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
  };
}
