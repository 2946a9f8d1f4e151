import type { Job } from '@/utils/domain';
import type { StorageAreaLike } from '@/utils/storage/area';
import { decodePage, emptyIndexMeta, type IndexMeta, indexMetaSchema } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import {
  type IndexEntry,
  idListSchema,
  type SyncState,
  storedJobSchema,
  syncStateSchema,
} from '@/utils/storage/layout';
import { defaultSettings, type Settings, settingsSchema } from '@/utils/storage/settings';

/** Reads of one key each, parsed with its schema; a missing or unreadable value reads as its empty value. */

/** A job record: null when absent, 'corrupt' when it fails its schema. */
export function parseJob(value: unknown): Job | null | 'corrupt' {
  if (value === undefined || value === null) return null;
  const parsed = storedJobSchema.safeParse(value);
  return parsed.success ? parsed.data : 'corrupt';
}

/** The readable records of `ids` (absent and corrupt ones left out). */
export async function readJobs(storage: StorageAreaLike, ids: readonly string[]): Promise<Map<string, Job>> {
  const out = new Map<string, Job>();
  if (ids.length === 0) return out;
  const raw = await storage.get(ids.map(keys.job));
  for (const id of ids) {
    const job = parseJob(raw[keys.job(id)]);
    if (job && job !== 'corrupt') out.set(id, job);
  }
  return out;
}

/** `indexPages`: empty when absent, null when unreadable. */
export async function readIndexMeta(storage: StorageAreaLike): Promise<IndexMeta | null> {
  return parseIndexMeta((await storage.get(keys.indexPages))[keys.indexPages]);
}

export function parseIndexMeta(value: unknown): IndexMeta | null {
  return value === undefined ? emptyIndexMeta() : (indexMetaSchema.safeParse(value).data ?? null);
}

/** Every entry, newest first: the pages in order (unreadable ones left out; commit rebuilds them). */
export async function readIndex(storage: StorageAreaLike): Promise<IndexEntry[]> {
  const meta = await readIndexMeta(storage);
  if (!meta || meta.pages.length === 0) return [];
  const raw = await storage.get(meta.pages.map((p) => keys.indexPage(p.n)));
  return meta.pages.flatMap((p) => decodePage(raw[keys.indexPage(p.n)]) ?? []);
}

export async function readIdList(storage: StorageAreaLike, key: string): Promise<string[]> {
  return idListSchema.safeParse((await storage.get(key))[key]).data ?? [];
}

export async function readSyncState(storage: StorageAreaLike): Promise<SyncState> {
  const raw = (await storage.get(keys.sync))[keys.sync];
  return syncStateSchema.safeParse(raw ?? {}).data ?? syncStateSchema.parse({});
}

export async function readSettings(storage: StorageAreaLike): Promise<Settings> {
  const raw = (await storage.get(keys.settings))[keys.settings];
  return settingsSchema.safeParse(raw ?? {}).data ?? defaultSettings;
}

/** `job` without the companion's `seq`: versions are stored as replicas share them. */
export function stripSeq(job: Job): Job {
  if (!('seq' in job)) return job;
  const { seq: _seq, ...rest } = job as Job & { seq?: unknown };
  return rest as Job;
}
