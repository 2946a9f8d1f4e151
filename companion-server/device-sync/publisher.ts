import type { SyncedJob, SyncedRecord } from '../../utils/domain';
import type { DeviceSyncStateFile, Published } from '../store/device-sync-state';
import type { JobStore } from '../store/types';
import type { FolderTarget } from './folder-target';
import { formatLine, JOBS_PER_LINE, jobImages } from './line-format';

/** A segment past this size is closed and the next line starts a new one: sync clients copy whole files. */
export const SEGMENT_BYTES = 1024 * 1024;

export const segmentName = (n: number) => `log-${String(n).padStart(9, '0')}.jsonl`;

export interface Publisher {
  /** Appends what changed in the store since the last pass to this device's log; returns the bytes written. */
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
 * journal made durable: tombstones, organising fields, boards) and appends them as lines of its own log, images
 * first. Only jobs and boards go: the PixelLab key, the spending limits, the cost ledger and the queue (which
 * orders this device's runner) stay here. A crash between the append and the saved position sends the same
 * versions again at the next start, which every reader merges to the same result.
 */
export function createPublisher(deps: {
  store: JobStore;
  target: FolderTarget;
  state: DeviceSyncStateFile;
  deviceName: string;
  log: (line: string) => void;
}): Publisher {
  const { store, target, state } = deps;
  const echoes = new Set<number>();
  const onTarget = new Set<string>();
  let headWritten = false;

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

  /** Own segments deleted by hand: the whole history is sent again, so other devices and new ones lose nothing. */
  async function checkOwnFiles(at: Published): Promise<Published> {
    if (at.segments.length === 0) return at;
    const files = new Set(await target.ownFiles());
    const gone = at.segments.filter((name) => !files.has(name));
    if (gone.length === 0) return at;
    deps.log(`Device sync: this device's ${gone.join(', ')} went from the target; sending the history again`);
    return fresh(at.n);
  }

  async function sendImages(jobs: readonly SyncedJob[]) {
    for (const hash of new Set(jobs.flatMap(jobImages))) {
      if (onTarget.has(hash)) continue;
      if (!(await target.hasImage(hash))) {
        const bytes = await store.readImage(hash);
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
      // A directory listing of a few files: cheap enough to look at every pass.
      let at = await checkOwnFiles(position());
      let written = 0;
      while (at.seq < store.lastSeq) {
        // Read together (no await between): with no more pages, everything up to `upTo` has been seen.
        const upTo = store.lastSeq;
        const page = store.changesSince(at.seq, JOBS_PER_LINE);
        const jobs = page.changes.filter((job) => !echoes.has(job.seq));
        const records = page.records.filter((r) => r.kind === 'board' && !echoes.has(r.seq));
        if (jobs.length > 0 || records.length > 0) {
          await sendImages(jobs);
          const n = at.n + 1;
          const line = Buffer.from(formatLine(store.device!, n, jobs.map(lineOf), records.map(lineOf)), 'utf8');
          const segment = at.segment && at.segmentBytes < SEGMENT_BYTES ? at.segment : segmentName(n);
          await target.append(segment, line);
          written += line.length;
          const segments = at.segments.includes(segment) ? at.segments : [...at.segments, segment];
          at = {
            ...at,
            n,
            segment,
            segments,
            segmentBytes: (segment === at.segment ? at.segmentBytes : 0) + line.length,
          };
        }
        const seen = page.hasMore ? page.lastSeq : upTo;
        for (const seq of echoes) if (seq <= seen) echoes.delete(seq);
        at = { ...at, seq: Math.max(at.seq, seen) };
        if (!page.hasMore) break;
      }
      // The head names this device from its first pass on, so the others can show whose jobs they hold.
      if (written > 0 || !headWritten) {
        headWritten = true;
        const head = { v: 1, deviceId: store.device, name: deps.deviceName, n: at.n, segment: at.segment };
        const bytes = Buffer.from(`${JSON.stringify(head)}\n`, 'utf8');
        await target.writeHead(bytes);
        written += bytes.length;
      }
      const before = state.read().published;
      if (!before || before.seq !== at.seq || before.n !== at.n || before.segments.length !== at.segments.length)
        await state.write({ ...state.read(), published: at });
      return written;
    },
  };
}
