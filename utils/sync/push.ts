import { type CompanionClient, dataUrlToBase64 } from '@/utils/companion-client';
import { forSyncVersion, MAX_PUSH_CHANGES, recordKey, type SyncRecord } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import type { PendingPush } from '@/utils/storage/layout';
import { checkServer } from '@/utils/sync/errors';

export const PUSH_CHUNK_SIZE = 200;

export interface PusherOptions {
  store: HistoryStore;
  now: () => number;
  random: () => number;
  /** Jobs per push request. */
  chunkSize?: number;
  /** Base64 bytes of images per push request. */
  imageBudgetBytes?: number;
}

export interface Pusher {
  /**
   * Sends the outbox (jobs, and records when the companion speaks sync version 2) in chunks with stable request
   * ids; returns how many versions the companion applied. `syncVersion`: what the companion speaks (1 takes
   * jobs without organising fields, and no records), asked only when there is something to send.
   */
  push(client: CompanionClient, serverId: string, syncVersion: () => Promise<number>): Promise<number>;
  /** Uploads those of `hashes` held here (pushes with `images` only, under the byte budget); returns how many. */
  uploadImages(client: CompanionClient, serverId: string, hashes: readonly string[]): Promise<number>;
}

/** Pushes local changes: the chunk in flight first (same request id), then the outbox, each with the images asked for. */
export function createPusher(options: PusherOptions): Pusher {
  const { store, now, random } = options;
  const chunkSize = options.chunkSize ?? PUSH_CHUNK_SIZE;
  const imageBudget = options.imageBudgetBytes ?? 8 * 1024 * 1024;
  let pushCount = 0;

  function requestId(): string {
    let suffix = '';
    for (let i = 0; i < 10; i++) suffix += Math.floor(random() * 36).toString(36);
    pushCount += 1;
    return `push-${now().toString(36)}-${pushCount.toString(36)}-${suffix}`;
  }

  async function pushImages(
    client: CompanionClient,
    clientId: string,
    serverId: string,
    hashes: readonly string[],
  ): Promise<number> {
    const images = await store.getImages(hashes);
    let sent = 0;
    let batch: Record<string, string> = {};
    let bytes = 0;
    const flush = async () => {
      if (Object.keys(batch).length === 0) return;
      const res = await client.push({ requestId: requestId(), clientId, changes: [], images: batch });
      checkServer(res.serverId, serverId);
      sent += Object.keys(batch).length;
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
    return sent;
  }

  /** Sends one chunk (with its persisted request id), its images, then stores the answers. */
  async function sendChunk(
    client: CompanionClient,
    clientId: string,
    serverId: string,
    chunk: PendingPush,
    syncVersion: number,
  ): Promise<number> {
    const v2 = syncVersion >= 2;
    const res = await client.push({
      requestId: chunk.requestId,
      clientId,
      // A version-1 companion knows neither organising fields nor `cancelled` (forSyncVersion).
      changes: v2 ? chunk.jobs : chunk.jobs.map((job) => forSyncVersion(job, 1)),
      records: v2 ? (chunk.records ?? []) : [],
    });
    checkServer(res.serverId, serverId);
    // Images before settling: if this fails, the retry of the same request id asks again.
    if (res.needImages.length > 0) await pushImages(client, clientId, serverId, res.needImages);
    // Newer versions in the answer may show images we lack: the merge records them, fetchWantedImages fetches them.
    await store.mergeRemote(
      res.results.map((r) => r.job),
      {
        clearPendingPush: true,
        records: res.recordResults.flatMap((r) => (r.record ? [r.record] : [])),
        syncVersion,
      },
    );
    return (
      res.results.filter((r) => r.outcome === 'applied').length +
      res.recordResults.filter((r) => r.outcome === 'applied').length
    );
  }

  return {
    async uploadImages(client, serverId, hashes) {
      if (hashes.length === 0) return 0;
      return pushImages(client, await store.getClientId(random), serverId, hashes);
    },

    async push(client, serverId, versionOf) {
      let known: number | null = null;
      const syncVersion = async () => (known ??= await versionOf());
      const clientId = await store.getClientId(random);
      let pushed = 0;
      const pending = await store.getPendingPush();
      // Each id (and record) is sent at most twice per run: once, and again if the answer left it dirty
      // (a delete re-applied over a newer version); anything more waits for the next run.
      const tries = new Map<string, number>();
      const count = (ids: Iterable<string>) => {
        for (const id of ids) tries.set(id, (tries.get(id) ?? 0) + 1);
      };
      const recordTag = (key: string) => `record\u0000${key}`;
      if (pending) {
        pushed += await sendChunk(client, clientId, serverId, pending, await syncVersion());
        count(pending.jobs.map((j) => j.id));
        count((pending.records ?? []).map((r) => recordTag(recordKey(r))));
      }
      for (;;) {
        const waiting = new Set((await store.getSubmitQueue()).map((e) => e.id));
        // A job waiting for the runner goes through submit (create or retry), never pushed first: an idle
        // version pushed over the companion's queued one would stop the runner from running it.
        const ids = (await store.getOutbox())
          .filter((id) => !waiting.has(id) && (tries.get(id) ?? 0) < 2)
          .slice(0, chunkSize);
        // Records travel only in version 2; a version-1 companion would pass them over.
        const dirtyRecords = (await store.getRecordOutbox()).filter((key) => (tries.get(recordTag(key)) ?? 0) < 2);
        const recordKeys =
          dirtyRecords.length > 0 && (await syncVersion()) >= 2 ? dirtyRecords.slice(0, MAX_PUSH_CHANGES) : [];
        if (ids.length === 0 && recordKeys.length === 0) return pushed;
        count(ids);
        count(recordKeys.map(recordTag));
        const jobs = await store.getJobs(ids);
        const gone = ids.filter((id) => !jobs.has(id));
        if (gone.length > 0) await store.removeFromOutbox(gone);
        const wanted = new Set(recordKeys);
        const records: SyncRecord[] = (await store.getRecords()).filter((r) => wanted.has(recordKey(r)));
        if (jobs.size === 0 && records.length === 0) continue;
        const chunk: PendingPush = { requestId: requestId(), jobs: [...jobs.values()], records };
        // Persisted first, so a retry after a failure reuses the id and the companion applies it once.
        await store.setPendingPush(chunk);
        pushed += await sendChunk(client, clientId, serverId, chunk, await syncVersion());
      }
    },
  };
}
