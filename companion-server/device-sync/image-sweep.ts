import type { DeviceSyncStateFile } from '../store/device-sync-state';
import type { JobStore } from '../store/types';
import { HEAD_FILE, type Head, headSchema, jobImages, MAX_HEAD_BYTES } from './line-format';
import type { SyncTarget } from './targets/types';

/** Pages of the store's changes looked at per step of the scan for purges. */
const SCAN_PAGE = 500;

/**
 * Deletion of images from the target (issue 22: an image is deleted only once every known device has seen the
 * purge). A candidate is an image that a job purged from the trash pointed at (a tombstone of a trashed job; a
 * delete that did not go through the trash frees nothing, as in the store's own image-gc.ts). When it becomes one,
 * this device notes how far it had read every device (`need`). It is deleted from the target only when:
 * - no live job here points at it (the trash included);
 * - every other device with files has a readable head.json, and this device has read each of them up to the last
 *   line that head names, so any job of theirs pointing at it is known here (and would count as live above);
 * - every other device's head says it has read every device at least as far as `need`, so each has merged the
 *   purges this device had seen.
 * A device offline for weeks therefore holds deletion back: nothing is deleted that some device might still need.
 * A device that later makes a new job with the same image sends it again (publisher.ts checks each pass).
 */
export function createImageSweep(deps: {
  store: JobStore;
  target: SyncTarget;
  state: DeviceSyncStateFile;
  log: (line: string) => void;
}) {
  const { store, target, state } = deps;
  const self = store.device!;
  /** Candidate image -> how far every device had been read when it became one. */
  const candidates = new Map<string, Record<string, number>>();
  let scanned = 0;
  let scannedServer = store.serverId;

  /** Purge tombstones this device has published or merged since the last scan become candidates. */
  function scan() {
    const current = state.read();
    const published = current.published;
    if (!published || published.serverId !== store.serverId) return;
    if (scannedServer !== store.serverId) {
      scannedServer = store.serverId;
      scanned = 0;
    }
    const need: Record<string, number> = { [self]: published.n };
    for (const [device, position] of Object.entries(current.reads)) need[device] = position.max;
    while (scanned < published.seq) {
      const page = store.changesSince(scanned, SCAN_PAGE);
      for (const job of page.changes) {
        if (job.seq > published.seq) break;
        // A purge: a job deleted while in the trash (store.purge, the 30-day rule).
        if (job.deleted && job.trashedAt != null)
          for (const hash of jobImages(job)) if (!candidates.has(hash)) candidates.set(hash, need);
      }
      scanned = Math.min(published.seq, page.hasMore ? page.lastSeq : published.seq);
      if (!page.hasMore) break;
    }
  }

  /** The other devices' heads, or a reason deletion must wait (a device unread, or its head unreadable). */
  async function heads(): Promise<Head[] | string> {
    const out: Head[] = [];
    const reads = state.read().reads;
    for (const device of await target.devices()) {
      if ((await target.list(device)).length === 0) continue;
      const bytes = await target.read(device, HEAD_FILE, MAX_HEAD_BYTES).catch(() => null);
      if (!(bytes instanceof Uint8Array)) return `${device} has no readable head`;
      let json: unknown = null;
      try {
        json = JSON.parse(Buffer.from(bytes).toString('utf8'));
      } catch {
        return `${device}'s head is not JSON`;
      }
      const head = headSchema.safeParse(json);
      if (!head.success || head.data.deviceId !== device) return `${device}'s head cannot be used`;
      if ((reads[device]?.upTo ?? 0) < head.data.n) return `${device} is not read up to its last line yet`;
      out.push(head.data);
    }
    return out;
  }

  const seenByAll = (need: Record<string, number>, others: readonly Head[]) =>
    others.every((head) =>
      Object.entries(need).every(([device, n]) => device === head.deviceId || (head.read?.[device] ?? 0) >= n),
    );

  return {
    /** Images waiting for every device to see their purge. */
    pending: () => candidates.size,
    /** One look; returns the images deleted from the target. */
    async sweep(): Promise<string[]> {
      scan();
      if (candidates.size === 0) return [];
      const others = await heads();
      if (typeof others === 'string') return [];
      const ready = [...candidates].filter(([, need]) => seenByAll(need, others)).map(([hash]) => hash);
      if (ready.length === 0) return [];
      // Parsing every job is done only here, when some image is otherwise ready to go.
      const live = new Set(store.list().flatMap(jobImages));
      const deleted: string[] = [];
      for (const hash of ready) {
        candidates.delete(hash);
        // Pointed at again (a restore, or another job): a later purge makes it a candidate again.
        if (live.has(hash)) continue;
        await target.deleteImage(hash);
        deleted.push(hash);
      }
      if (deleted.length > 0)
        deps.log(`Device sync: deleted ${deleted.length} image(s) from the target: every device has seen their purge`);
      return deleted;
    },
  };
}
