/**
 * The panel's first storage reads, begun by early-read.ts before the rest of the panel's bundle evaluates:
 * `head` and the small keys, then the job records of the first rows of `head`, then those jobs' images,
 * each read issued as soon as the one before answers. utils/panel/data.ts adopts them (`start({ early })`)
 * instead of issuing its own. Read-only.
 *
 * This module runs before zod and preact are evaluated, so at run time it imports only the key names
 * (utils/storage/keys.ts imports nothing); the row metrics below are copies, and first-reads.test.ts checks
 * them against components/JobRow.tsx and components/JobList.tsx.
 */
import type { EarlyRead, FirstReads } from '@/utils/panel/early-reads';
import type { StorageChange } from '@/utils/storage/area';
import { IMAGE_PREFIX, JOB_PREFIX, META_KEYS } from '@/utils/storage/keys';

/** components/JobRow.tsx ROW_HEIGHT. */
export const ROW_HEIGHT = 92;
/** components/JobList.tsx OVERSCAN. */
export const OVERSCAN = 4;

/** An upper bound of the rows on screen in a panel this tall, plus the list's overscan. */
export function firstRowsFor(viewportHeight: number): number {
  return Math.max(1, Math.ceil(Math.max(0, viewportHeight) / ROW_HEIGHT) + OVERSCAN);
}

/** The part of a storage area the first reads use. */
export interface ReadArea {
  get(list: string[]): Promise<Record<string, unknown>>;
  onChanged: {
    addListener(listener: (changes: Record<string, StorageChange>) => void): void;
    removeListener(listener: (changes: Record<string, StorageChange>) => void): void;
  };
}

/**
 * Starts the three reads. Changes seen while they run are counted per key (`stamps`, taken over by the
 * panel data, which drops a value whose key changed after its read was issued) and kept for the panel data
 * to apply (`handOver`).
 */
export function beginFirstReads(area: ReadArea, firstRows: number): FirstReads {
  const stamps = new Map<string, number>();
  let buffered: Record<string, StorageChange>[] | null = [];
  const listener = (changes: Record<string, StorageChange>) => {
    for (const key of Object.keys(changes)) stamps.set(key, (stamps.get(key) ?? 0) + 1);
    buffered?.push(changes);
  };
  area.onChanged.addListener(listener);

  const read = async (list: string[]): Promise<EarlyRead> => {
    const before = list.map((k) => stamps.get(k) ?? 0);
    const got = list.length ? await area.get(list) : {};
    return { keys: list, before, got: got ?? {} };
  };

  const meta = read([...META_KEYS]);
  const jobs = meta.then(({ got }) => {
    const head = Array.isArray(got.head) ? got.head.filter((id): id is string => typeof id === 'string') : [];
    return read(head.slice(0, firstRows).map((id) => JOB_PREFIX + id));
  });
  const images = jobs.then((answer) => {
    const { got } = answer;
    const hashes = new Set<string>();
    for (const key of answer.keys) {
      const job = got[key] as { image?: unknown; deleted?: unknown } | null | undefined;
      if (job && typeof job === 'object' && typeof job.image === 'string' && job.image && job.deleted !== true)
        hashes.add(job.image);
    }
    return read([...hashes].map((hash) => IMAGE_PREFIX + hash));
  });
  // Adopted later (or never, if the panel data does not start): no unhandled rejection meanwhile.
  for (const p of [meta, jobs, images]) p.catch(() => undefined);

  return {
    firstRows,
    meta,
    jobs,
    images,
    handOver() {
      area.onChanged.removeListener(listener);
      const changes = buffered ?? [];
      buffered = null;
      return { changes, stamps };
    },
  };
}

interface ChromeLike {
  runtime?: { lastError?: { message?: string } };
  storage?: {
    local?: {
      get(list: string[], callback: (items: Record<string, unknown>) => void): void;
      onChanged: ReadArea['onChanged'];
    };
  };
}

/** `chrome.storage.local` (callback form: promises and the `browser` namespace differ between browsers), or null. */
export function chromeLocalArea(
  api: ChromeLike | undefined = (globalThis as { chrome?: ChromeLike }).chrome,
): ReadArea | null {
  const local = api?.storage?.local;
  if (!local || typeof local.get !== 'function' || !local.onChanged) return null;
  return {
    get: (list) =>
      new Promise((resolve, reject) => {
        local.get(list, (items) => {
          const error = api.runtime?.lastError;
          if (error) reject(new Error(error.message ?? 'storage read failed'));
          else resolve(items ?? {});
        });
      }),
    onChanged: local.onChanged,
  };
}
