import type { SyncedJob, SyncedRecord } from '../../utils/domain';
import type { DeviceSyncStateFile, Published } from '../store/device-sync-state';
import type { JobStore } from '../store/types';
import { formatLine, HEAD_FILE, JOBS_PER_LINE, jobImages } from './line-format';
import { logObjectName, type SyncTarget } from './targets/types';

/** A pass past this many bytes is cut into several objects: a new device reads its first rows sooner. */
export const SEGMENT_BYTES = 1024 * 1024;

export interface Publisher {
  /** Writes what changed in the store since the last pass as new objects of its own; returns the bytes written. */
  publish(): Promise<number>;
  /** Versions that the import wrote exactly as the target holds them: nothing to send back (by local seq). */
  readonly echoes: Set<number>;
}

/** Without the local seq: another device numbers versions its own way. */
function lineOf(record: SyncedJob | SyncedRecord): string {
  const { seq: _seq, ...rest } = record;
  return JSON.stringify(rest);
}

/**
 * This device's side of the target: each pass reads the store's changes since the last one (the same records the
 * journal made durable: tombstones, organising fields, boards) and writes them as lines of a new immutable object
 * `log-<n:9>.jsonl` (n: its first line; a pass past SEGMENT_BYTES makes several), images first. Nothing is ever
 * appended: object stores cannot, and a WebDAV PUT replaces the whole file. Only jobs and boards go: the PixelLab key, the spending limits, the cost ledger and the queue (which
 * orders this device's runner) stay here. A crash between the write and the saved position writes the same
 * lines again under the same names at the next start, which every reader merges to the same result.
 */
export function createPublisher(deps: {
  store: JobStore;
  target: SyncTarget;
  state: DeviceSyncStateFile;
  deviceName: string;
  log: (line: string) => void;
}): Publisher {
  const { store, target, state } = deps;
  const echoes = new Set<number>();
  let headWritten: string | null = null;

  function position(): Published {
    const published = state.read().published;
    // Another serverId numbers its seqs anew (a history recovered from the backup): send everything again.
    if (!published || published.serverId !== store.serverId) return fresh(published?.n ?? 0);
    return published;
  }

  const fresh = (n: number): Published => ({
    serverId: store.serverId,
    seq: 0,
    n,
    segment: null,
    segmentBytes: 0,
    segments: [],
  });

  /** Own objects deleted by hand: the whole history is sent again, so other devices and new ones lose nothing. */
  async function checkOwnFiles(at: Published): Promise<Published> {
    if (at.segments.length === 0) return at;
    const files = new Set((await target.list(store.device!)).map((file) => file.name));
    const gone: string[] = [];
    // Only what a read finds gone: a store whose listings lag its writes leaves a new object out for a while.
    for (const name of at.segments)
      if (!files.has(name) && (await target.read(store.device!, name, 0)) === null) gone.push(name);
    if (gone.length === 0) return at;
    deps.log(`Device sync: this device's ${gone.join(', ')} went from the target; sending the history again`);
    return fresh(at.n);
  }

  /**
   * Images first, so a job never arrives before its image. Looked at again each pass (one cheap check per image of
   * a changed job): another device may have deleted an image from the target after a purge (image-sweep.ts), and
   * a job made since that points at it must bring it back. A tombstone needs none.
   */
  async function sendImages(jobs: readonly SyncedJob[], onTarget: Set<string>) {
    for (const hash of new Set(jobs.filter((job) => !job.deleted).flatMap(jobImages))) {
      if (onTarget.has(hash)) continue;
      // Read first: its size tells a whole image on the target from an upload of it cut short.
      const bytes = await store.readImage(hash);
      if (!(await target.hasImage(hash, bytes?.length))) {
        // An image missing here stays missing there; the job still syncs, and a device that holds it sends it.
        if (!bytes) continue;
        await target.putImage(hash, bytes);
      }
      onTarget.add(hash);
    }
  }

  return {
    echoes,
    async publish() {
      // A listing of this device's files: one request, cheap enough to make every pass.
      let at = await checkOwnFiles(position());
      let written = 0;
      const onTarget = new Set<string>();
      let lines: Buffer[] = [];
      let bytes = 0;
      let first = 0;
      const flush = async () => {
        if (lines.length === 0) return;
        const name = logObjectName(first);
        const object = Buffer.concat(lines);
        await target.writeOwn(name, object);
        written += object.length;
        lines = [];
        bytes = 0;
        const segments = at.segments.includes(name) ? at.segments : [...at.segments, name];
        at = { ...at, segment: name, segmentBytes: object.length, segments };
      };
      while (at.seq < store.lastSeq) {
        // Read together (no await between): with no more pages, everything up to `upTo` has been seen.
        const upTo = store.lastSeq;
        const page = store.changesSince(at.seq, JOBS_PER_LINE);
        const jobs = page.changes.filter((job) => !echoes.has(job.seq));
        const records = page.records.filter((r) => r.kind === 'board' && !echoes.has(r.seq));
        if (jobs.length > 0 || records.length > 0) {
          await sendImages(jobs, onTarget);
          const n = at.n + 1;
          const line = Buffer.from(formatLine(store.device!, n, jobs.map(lineOf), records.map(lineOf)), 'utf8');
          if (lines.length === 0) first = n;
          lines.push(line);
          bytes += line.length;
          at = { ...at, n };
          if (bytes >= SEGMENT_BYTES) await flush();
        }
        const seen = page.hasMore ? page.lastSeq : upTo;
        for (const seq of echoes) if (seq <= seen) echoes.delete(seq);
        at = { ...at, seq: Math.max(at.seq, seen) };
        if (!page.hasMore) break;
      }
      await flush();
      // The head names this device from its first pass on, so the others can show whose jobs they hold.
      // It also says how far this device has read the others: a device deletes an image from the target only
      // once every head shows the purge read (image-sweep.ts). Rewritten when either moves.
      const read = Object.fromEntries(Object.entries(state.read().reads).map(([id, p]) => [id, p.upTo]));
      const head = { v: 1, deviceId: store.device, name: deps.deviceName, n: at.n, segment: at.segment, read };
      const text = `${JSON.stringify(head)}\n`;
      if (text !== headWritten) {
        const bytes = Buffer.from(text, 'utf8');
        await target.writeOwn(HEAD_FILE, bytes);
        headWritten = text;
        written += bytes.length;
      }
      const before = state.read().published;
      if (!before || before.seq !== at.seq || before.n !== at.n || before.segments.length !== at.segments.length)
        await state.write({ ...state.read(), published: at });
      return written;
    },
  };
}
