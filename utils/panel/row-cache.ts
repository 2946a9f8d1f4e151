import type { Job } from '@/utils/domain/job';
import type { EarlyRead } from '@/utils/panel/early-reads';
import { LruMap } from '@/utils/panel/lru-map';
import type { PanelStorage } from '@/utils/storage/area';
import { hashOfImageKey, jobIdOfKey, keys } from '@/utils/storage/keys';
import { storedJobSchema } from '@/utils/storage/layout';

/**
 * What the panel has read of the rows: job records, an LRU of their images, and the keys found absent.
 * Every read is stamped: onChanged counts changes per key, and a read's answer for a key that changed
 * after the read was issued is dropped, so a late answer never overwrites a newer change.
 */
export interface RowCache {
  readonly jobs: Map<string, Job>;
  readonly images: LruMap<string, string>;
  /** Keys read and found absent (or unreadable): not read again until onChanged sets them. */
  readonly absent: Set<string>;
  /** Counts one change of `key` (onChanged). */
  bump(key: string): void;
  /** Takes over the change counts the early reads kept. */
  adoptStamps(stamps: Map<string, number>): void;
  hasStamp(key: string): boolean;
  /** One storage.get; drops keys that onChanged set while the read was in flight. */
  read(list: string[]): Promise<Record<string, unknown>>;
  /** An early read's answer, settled now; null if it failed (the caller reads for itself). */
  adopt(early: Promise<EarlyRead>): Promise<Record<string, unknown> | null>;
  applyJob(key: string, value: unknown): void;
  applyJobs(list: readonly string[], got: Record<string, unknown>): void;
  applyImages(got: Record<string, unknown>): void;
  /** Image keys of these rows' jobs that are neither cached nor known absent. */
  missingImageKeys(ids: readonly string[]): string[];
}

export function createRowCache(storage: PanelStorage, imageCacheSize: number): RowCache {
  const jobs = new Map<string, Job>();
  const images = new LruMap<string, string>(imageCacheSize);
  const absent = new Set<string>();
  /** Bumped per key by onChanged, so a read that raced a change does not overwrite it. */
  let stamps = new Map<string, number>();

  /** A read's answer minus keys that onChanged set since it was issued; absent keys are remembered. */
  function settle(
    list: readonly string[],
    before: readonly number[],
    got: Record<string, unknown>,
  ): Record<string, unknown> {
    const fresh: Record<string, unknown> = {};
    list.forEach((k, i) => {
      if ((stamps.get(k) ?? 0) !== before[i]) return;
      const value = got[k];
      if (value === undefined || value === null) absent.add(k);
      else fresh[k] = value;
    });
    return fresh;
  }

  function applyJob(key: string, value: unknown): void {
    const id = jobIdOfKey(key);
    if (value === undefined || value === null) {
      jobs.delete(id);
      return;
    }
    const parsed = storedJobSchema.safeParse(value);
    if (parsed.success) {
      jobs.set(id, parsed.data);
      absent.delete(key);
    } else {
      // Shown from its index entry alone; not read again until it changes.
      jobs.delete(id);
      absent.add(key);
    }
  }

  return {
    jobs,
    images,
    absent,
    bump(key) {
      stamps.set(key, (stamps.get(key) ?? 0) + 1);
    },
    adoptStamps(next) {
      stamps = next;
    },
    hasStamp: (key) => stamps.has(key),
    async read(list) {
      const before = list.map((k) => stamps.get(k) ?? 0);
      return settle(list, before, await storage.get(list));
    },
    async adopt(early) {
      try {
        const { keys: list, before, got } = await early;
        return settle(list, before, got);
      } catch {
        return null;
      }
    },
    applyJob,
    applyJobs(list, got) {
      for (const key of list) if (key in got) applyJob(key, got[key]);
    },
    applyImages(got) {
      for (const [key, value] of Object.entries(got)) {
        if (typeof value === 'string') images.set(hashOfImageKey(key), value);
        else absent.add(key);
      }
    },
    missingImageKeys(ids) {
      const out = new Set<string>();
      for (const id of ids) {
        const hash = jobs.get(id)?.image;
        if (!hash || images.has(hash)) continue;
        const key = keys.image(hash);
        if (!absent.has(key)) out.add(key);
      }
      return [...out];
    },
  };
}
