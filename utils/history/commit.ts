import type { Job } from '@/utils/domain';
import { addToStats, deriveLayout, headOf, mergeIndex, sameIds, toIndexEntry } from '@/utils/history/derive';
import { imageItems, nextWanted } from '@/utils/history/images';
import { factsChanges, insightsItems, parseInsights, updatedInsightsItems } from '@/utils/history/insights-keys';
import { parseJob } from '@/utils/history/reads';
import type { StoreWriter } from '@/utils/history/writer';
import type { InsightsMain } from '@/utils/insights/aggregate';
import { isInsightsMonthKey, isJobKey, keys } from '@/utils/storage/keys';
import {
  emptyStats,
  type ImageWant,
  type IndexEntry,
  idListSchema,
  imagesWantedSchema,
  indexSchema,
  type StoredStats,
  type SubmitEntry,
  storedStatsSchema,
  submitQueueSchema,
} from '@/utils/storage/layout';

/**
 * How a batch of job versions is stored: one `get` of the changed jobs and every derived key (`Snapshot`),
 * then one `set` of the jobs with the index, head, stats, tombstones, outbox, submit queue, images and
 * wanted images they change. Index and stats are updated from the changed jobs alone; when they cannot be
 * (unreadable layout data, corrupt records), they are rebuilt from every job record.
 */

export interface Snapshot {
  jobs: Map<string, Job>;
  corrupt: Record<string, unknown>;
  index: IndexEntry[] | null;
  stats: StoredStats | null;
  /** Insights' aggregates; null when they must be rebuilt (insights-keys.ts). */
  insights: InsightsMain | null;
  tombstones: Set<string>;
  outbox: Set<string>;
  submit: SubmitEntry[];
  wanted: ImageWant[];
}

export interface Batch {
  /** Final versions to store, by id. */
  jobs: Map<string, Job>;
  outboxAdd?: Iterable<string>;
  outboxRemove?: Iterable<string>;
  submitAdd?: SubmitEntry[];
  submitRemove?: readonly string[];
  images?: Record<string, string>;
  /** Images to fetch later (see merge-remote.ts). */
  wantedAdd?: ImageWant[];
  extra?: Record<string, unknown>;
}

/** One `get` for the changed jobs and every derived key a batch may touch. */
export async function readSnapshot(w: StoreWriter, ids: readonly string[]): Promise<Snapshot> {
  const raw = await w.storage.get([
    ...ids.map(keys.job),
    keys.index,
    keys.stats,
    keys.insights,
    keys.outbox,
    keys.tombstones,
    keys.submit,
    keys.imagesWanted,
  ]);
  const jobs = new Map<string, Job>();
  const corrupt: Record<string, unknown> = {};
  for (const id of ids) {
    const job = parseJob(raw[keys.job(id)]);
    if (job === 'corrupt') corrupt[keys.job(id)] = raw[keys.job(id)];
    else if (job) jobs.set(id, job);
  }
  const index = raw[keys.index] === undefined ? [] : (indexSchema.safeParse(raw[keys.index]).data ?? null);
  const stats =
    raw[keys.stats] === undefined ? emptyStats() : (storedStatsSchema.safeParse(raw[keys.stats]).data ?? null);
  return {
    jobs,
    corrupt,
    index,
    stats,
    insights: parseInsights(raw[keys.insights], raw[keys.index]),
    tombstones: new Set(idListSchema.safeParse(raw[keys.tombstones]).data ?? []),
    outbox: new Set(idListSchema.safeParse(raw[keys.outbox]).data ?? []),
    submit: submitQueueSchema.safeParse(raw[keys.submit]).data ?? [],
    wanted: imagesWantedSchema.safeParse(raw[keys.imagesWanted]).data ?? [],
  };
}

/** Stores a batch of job versions with everything derived from them in one `set`. Call under the lock. */
export async function commit(w: StoreWriter, snap: Snapshot, batch: Batch): Promise<void> {
  const items: Record<string, unknown> = { ...batch.extra };
  let needsRebuild = snap.index === null || snap.stats === null || Object.keys(snap.corrupt).length > 0;
  if (Object.keys(snap.corrupt).length > 0) {
    items[w.quarantineKey()] = { reason: 'unreadable job records', at: w.now(), data: snap.corrupt };
  }

  const stats = snap.stats ? { ...snap.stats } : emptyStats();
  const tombstones = new Set(snap.tombstones);
  const removeFromIndex = new Set<string>();
  const addToIndex: IndexEntry[] = [];
  for (const [id, job] of batch.jobs) {
    const old = snap.jobs.get(id);
    if (old && !old.deleted) addToStats(stats, old, -1);
    // Every changed id leaves the index and comes back if live: also drops stale entries.
    removeFromIndex.add(id);
    if (job.deleted) tombstones.add(id);
    else {
      tombstones.delete(id);
      addToStats(stats, job, 1);
      addToIndex.push(toIndexEntry(job));
    }
    items[keys.job(id)] = job;
  }

  if (batch.jobs.size > 0 && snap.index !== null) {
    const index = mergeIndex(snap.index, removeFromIndex, addToIndex);
    items[keys.index] = index;
    const head = headOf(index);
    if (!sameIds(head, headOf(snap.index))) items[keys.head] = head;
    items[keys.stats] = stats;
    const insights =
      snap.insights && (await updatedInsightsItems(w.storage, snap.insights, factsChanges(snap.jobs, batch.jobs)));
    if (insights) Object.assign(items, insights);
    else needsRebuild = true;
    if (tombstones.size !== snap.tombstones.size || [...tombstones].some((id) => !snap.tombstones.has(id))) {
      items[keys.tombstones] = [...tombstones];
    }
  } else if (batch.jobs.size > 0) {
    needsRebuild = true;
  }

  const outbox = new Set(snap.outbox);
  for (const id of batch.outboxRemove ?? []) outbox.delete(id);
  for (const id of batch.outboxAdd ?? []) outbox.add(id);
  if (outbox.size !== snap.outbox.size || [...outbox].some((id) => !snap.outbox.has(id))) {
    items[keys.outbox] = [...outbox];
  }

  if ((batch.submitAdd?.length ?? 0) > 0 || (batch.submitRemove?.length ?? 0) > 0) {
    const drop = new Set(batch.submitRemove ?? []);
    const submit = snap.submit.filter((e) => !drop.has(e.id));
    const queued = new Set(submit.map((e) => `${e.action}:${e.id}`));
    for (const entry of batch.submitAdd ?? []) if (!queued.has(`${entry.action}:${entry.id}`)) submit.push(entry);
    items[keys.submit] = submit;
  }

  Object.assign(items, imageItems(batch.images));
  const wanted = nextWanted(snap.wanted, batch.wantedAdd ?? [], batch.jobs, batch.images);
  if (wanted) items[keys.imagesWanted] = wanted;
  await w.write(items);
  if (needsRebuild) await rebuild(w);
}

async function allKeys(w: StoreWriter): Promise<string[]> {
  const { storage } = w;
  if (typeof storage.getKeys === 'function') return storage.getKeys();
  return Object.keys(await storage.get(null));
}

/** Full rebuild of derived keys (Insights' aggregates too) from the job keys; unreadable records go to quarantine. Call under the lock. */
export async function rebuild(w: StoreWriter): Promise<void> {
  const { storage } = w;
  const every = await allKeys(w);
  const jobKeys = every.filter(isJobKey);
  const raw = jobKeys.length > 0 ? await storage.get(jobKeys) : {};
  const jobs: Job[] = [];
  const corrupt: Record<string, unknown> = {};
  for (const key of jobKeys) {
    const job = parseJob(raw[key]);
    if (job === 'corrupt') corrupt[key] = raw[key];
    else if (job) jobs.push(job);
  }
  const derived = deriveLayout(jobs);
  const items: Record<string, unknown> = {
    [keys.index]: derived.index,
    [keys.head]: derived.head,
    [keys.stats]: derived.stats,
    [keys.tombstones]: derived.tombstones,
    ...insightsItems(derived.insights),
  };
  const staleMonths = every.filter((key) => isInsightsMonthKey(key) && !(key in items));
  const current = await storage.get([keys.index, keys.stats]);
  const quarantined: Record<string, unknown> = { ...corrupt };
  if (current[keys.index] !== undefined && !indexSchema.safeParse(current[keys.index]).success)
    quarantined[keys.index] = current[keys.index];
  if (current[keys.stats] !== undefined && !storedStatsSchema.safeParse(current[keys.stats]).success)
    quarantined[keys.stats] = current[keys.stats];
  if (Object.keys(quarantined).length > 0) {
    items[w.quarantineKey()] = {
      reason: 'unreadable layout data; rebuilt from the job records',
      at: w.now(),
      data: quarantined,
    };
  }
  await w.write(items, [...Object.keys(corrupt), ...staleMonths]);
}
