import type { Job } from '@/utils/domain';
import { addToStats, deriveLayout, toIndexEntry } from '@/utils/history/derive';
import { imageItems, showsImage } from '@/utils/history/images';
import { writeIndexChange } from '@/utils/history/index-write';
import { factsChanges, insightsItems, parseInsights, updatedInsightsItems } from '@/utils/history/insights-keys';
import { parseIndexMeta, parseJob } from '@/utils/history/reads';
import { appendWantedItems, parseWantedMeta } from '@/utils/history/wanted-store';
import type { StoreWriter } from '@/utils/history/writer';
import type { InsightsMain } from '@/utils/insights/aggregate';
import { decodePage, encodePage, type IndexChange, type IndexMeta, paginate } from '@/utils/storage/index-pages';
import {
  hashOfImageKey,
  isImageKey,
  isIndexPageKey,
  isInsightsMonthKey,
  isJobKey,
  isWantedChunkKey,
  keys,
  pageOfKey,
} from '@/utils/storage/keys';
import {
  emptyStats,
  type ImageWant,
  type IndexEntry,
  idListSchema,
  type StoredStats,
  type SubmitEntry,
  storedStatsSchema,
  submitQueueSchema,
} from '@/utils/storage/layout';
import { appendWanted, emptyWantedMeta, encodeChunk, type WantedMeta } from '@/utils/storage/wanted';

/**
 * How a batch of job versions is stored: one `get` of the changed jobs and every small derived key
 * (`Snapshot`), one `get` of the index pages and one of the Insights months they fall in, then one `set` of
 * the jobs with the index pages, head, stats, Insights' aggregates, tombstones, outbox, submit queue, images and
 * wanted images they change. Index, stats and aggregates are updated from the changed jobs alone; when they
 * cannot be (unreadable layout data, corrupt records), they are rebuilt from every job record.
 */

export interface Snapshot {
  jobs: Map<string, Job>;
  corrupt: Record<string, unknown>;
  /** `indexPages`; null when unreadable. */
  index: IndexMeta | null;
  head: string[];
  stats: StoredStats | null;
  /** Insights' aggregates; null when they must be rebuilt (insights-keys.ts). */
  insights: InsightsMain | null;
  tombstones: Set<string>;
  outbox: Set<string>;
  submit: SubmitEntry[];
  /** `wanted`; null when unreadable. */
  wanted: WantedMeta | null;
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
    keys.indexPages,
    keys.head,
    keys.stats,
    keys.insights,
    keys.outbox,
    keys.tombstones,
    keys.submit,
    keys.wanted,
  ]);
  const jobs = new Map<string, Job>();
  const corrupt: Record<string, unknown> = {};
  for (const id of ids) {
    const job = parseJob(raw[keys.job(id)]);
    if (job === 'corrupt') corrupt[keys.job(id)] = raw[keys.job(id)];
    else if (job) jobs.set(id, job);
  }
  const stats =
    raw[keys.stats] === undefined ? emptyStats() : (storedStatsSchema.safeParse(raw[keys.stats]).data ?? null);
  return {
    jobs,
    corrupt,
    index: parseIndexMeta(raw[keys.indexPages]),
    head: idListSchema.safeParse(raw[keys.head]).data ?? [],
    stats,
    insights: parseInsights(raw[keys.insights], raw[keys.indexPages]),
    tombstones: new Set(idListSchema.safeParse(raw[keys.tombstones]).data ?? []),
    outbox: new Set(idListSchema.safeParse(raw[keys.outbox]).data ?? []),
    submit: submitQueueSchema.safeParse(raw[keys.submit]).data ?? [],
    wanted: parseWantedMeta(raw[keys.wanted]),
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
  const change: { remove: Pick<IndexEntry, 'createdAt' | 'id'>[]; add: IndexEntry[] } = { remove: [], add: [] };
  for (const [id, job] of batch.jobs) {
    const old = snap.jobs.get(id);
    if (old && !old.deleted) addToStats(stats, old, -1);
    // Every changed id leaves the index (found by the entry it had) and comes back if live.
    change.remove.push(old && !old.deleted ? old : job);
    if (job.deleted) tombstones.add(id);
    else {
      tombstones.delete(id);
      addToStats(stats, job, 1);
      change.add.push(toIndexEntry(job));
    }
    items[keys.job(id)] = job;
  }

  const removeKeys: string[] = [];
  // Appended only: entries whose job moved on are dropped by the filler when it reaches them.
  const wantedAdd = (batch.wantedAdd ?? []).filter((x) => !batch.images?.[x.hash]);
  const indexed = batch.jobs.size > 0 && snap.index !== null;
  // The index pages, months and wanted chunk are read at once: one wait in storage's queue, not three.
  const [index, insights, wanted] = await Promise.all([
    indexed ? writeIndexChange(w.storage, snap.index!, snap.head, change as IndexChange, w.indexPageMax) : null,
    indexed && snap.insights
      ? updatedInsightsItems(w.storage, snap.insights, factsChanges(snap.jobs, batch.jobs))
      : null,
    snap.wanted ? appendWantedItems(w.storage, snap.wanted, wantedAdd) : null,
  ]);
  if (indexed) {
    if (index) {
      Object.assign(items, index.items);
      removeKeys.push(...index.remove);
    } else needsRebuild = true;
    items[keys.stats] = stats;
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
  if (wanted) Object.assign(items, wanted);
  else needsRebuild = true;
  // Dropped pages go after the set: left behind by a stopped worker, no list names them (rebuild removes them).
  await w.write(items, removeKeys);
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
  const listed = await allKeys(w);
  const jobKeys = listed.filter(isJobKey);
  const pageKeys = listed.filter(isIndexPageKey);
  const wantedKeys = listed.filter(isWantedChunkKey);
  const held = new Set(listed.filter(isImageKey).map(hashOfImageKey));
  const raw = jobKeys.length > 0 ? await storage.get(jobKeys) : {};
  const jobs: Job[] = [];
  const corrupt: Record<string, unknown> = {};
  for (const key of jobKeys) {
    const job = parseJob(raw[key]);
    if (job === 'corrupt') corrupt[key] = raw[key];
    else if (job) jobs.push(job);
  }
  const derived = deriveLayout(jobs);
  const { meta, pages } = paginate(derived.index, 0, w.indexPageMax);
  const items: Record<string, unknown> = {
    [keys.indexPages]: meta,
    [keys.head]: derived.head,
    [keys.stats]: derived.stats,
    [keys.tombstones]: derived.tombstones,
    ...insightsItems(derived.insights),
  };
  for (const [n, entries] of pages) items[keys.indexPage(n)] = encodePage(entries);
  // What is wanted is what the live finished jobs show and this replica does not hold.
  const wants = jobs.filter((j) => showsImage(j) && !held.has(j.image!)).map((j) => ({ id: j.id, hash: j.image! }));
  const wanted = appendWanted(emptyWantedMeta(), null, wants);
  items[keys.wanted] = wanted.meta;
  for (const [n, entries] of wanted.write) items[keys.wantedChunk(n)] = encodeChunk(entries);
  const staleMonths = listed.filter((key) => isInsightsMonthKey(key) && !(key in items));
  const current = await storage.get([keys.indexPages, keys.stats, ...pageKeys]);
  const quarantined: Record<string, unknown> = { ...corrupt };
  if (parseIndexMeta(current[keys.indexPages]) === null) quarantined[keys.indexPages] = current[keys.indexPages];
  for (const key of pageKeys) if (decodePage(current[key]) === null) quarantined[key] = current[key];
  if (current[keys.stats] !== undefined && !storedStatsSchema.safeParse(current[keys.stats]).success)
    quarantined[keys.stats] = current[keys.stats];
  if (Object.keys(quarantined).length > 0) {
    items[w.quarantineKey()] = {
      reason: 'unreadable layout data; rebuilt from the job records',
      at: w.now(),
      data: quarantined,
    };
  }
  const stalePages = pageKeys.filter((key) => !pages.has(pageOfKey(key)));
  const staleChunks = wantedKeys.filter((key) => !(key in items));
  await w.write(items, [...Object.keys(corrupt), ...stalePages, ...staleChunks, ...staleMonths]);
}
