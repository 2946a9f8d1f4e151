import { browser } from 'wxt/browser';
import { z } from 'zod';
import {
  type Clock,
  compareVersions,
  createClock,
  errorMessage,
  type Job,
  jobSchema,
  lastSeedJobId,
  pickWinner,
  pngDataUrlToBytes,
  toSeedJob,
} from './domain';
import {
  HEAD_SIZE,
  HISTORY_SCHEMA_VERSION,
  type IndexEntry,
  indexEntrySchema,
  keys,
  type SyncState,
  statsSchema,
  storedJobSchema,
  syncStateSchema,
} from './history-layout';
import { defaultSettings, type Settings, settingsSchema } from './messaging';

/**
 * Keys this module adds to the layout of history-layout.ts (only the background writes them):
 *   submit        SubmitEntry[]              jobs to hand to the companion's runner (create or retry)
 *   pushPending   PendingPush | null         the push chunk in flight, with its request id, so a retry reuses it
 *   clientId      string                     this replica's id, sent with every push
 *   tombstones    string[]                   ids of deleted jobs (they leave `index`), for a full re-push
 *   imagesWanted  ImageWant[]                images of finished jobs this replica shows but does not hold, fetched at every sync
 *   quarantine:<timestamp>  { reason, data } data that could not be read or migrated, kept for a human
 * `stats` also carries durationSum/durationCount so avgDuration stays incremental.
 */
export const storeKeys = {
  submit: 'submit',
  pushPending: 'pushPending',
  clientId: 'clientId',
  tombstones: 'tombstones',
  imagesWanted: 'imagesWanted',
  quarantinePrefix: 'quarantine:',
} as const;

/** The subset of `browser.storage.local` the store needs; fakeBrowser and Chrome both satisfy it. */
export interface StorageAreaLike {
  get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
  /** Chrome 130+: key names without values (cheaper than get(null) when images are stored). */
  getKeys?: () => Promise<string[]>;
}

export const submitEntrySchema = z.object({ id: z.string(), action: z.enum(['create', 'retry']) });
export type SubmitEntry = z.infer<typeof submitEntrySchema>;

/** An image to fetch, and a job that shows it (the entry is dropped once that job no longer does). */
export const imageWantSchema = z.object({ id: z.string(), hash: z.string() });
export type ImageWant = z.infer<typeof imageWantSchema>;

export const pendingPushSchema = z.object({ requestId: z.string(), jobs: z.array(jobSchema) });
export type PendingPush = z.infer<typeof pendingPushSchema>;

/** Stats as stored: the layout's counts plus the running sum behind avgDuration. */
export const storedStatsSchema = statsSchema.extend({
  durationSum: z.number().default(0),
  durationCount: z.number().int().default(0),
});
export type StoredStats = z.infer<typeof storedStatsSchema>;

export const emptyStats = (): StoredStats => ({
  total: 0,
  idle: 0,
  queued: 0,
  running: 0,
  success: 0,
  error: 0,
  avgDuration: null,
  durationSum: 0,
  durationCount: 0,
});

export interface MergeOutcome {
  /** Ids whose incoming version replaced the local one. */
  applied: string[];
  /** Ids where the local version is newer and stays (or became) dirty. */
  keptLocal: string[];
}

export interface ApplyOptions {
  markDirty?: boolean;
  submit?: SubmitEntry['action'];
  removeFromSubmit?: readonly string[];
  images?: Record<string, string>;
}

/** What an `editJobs` callback decides: versions to write (none is fine) and what the caller gets back. */
export interface JobEdit<T> {
  jobs?: readonly Job[];
  options?: ApplyOptions;
  result: T;
}

export interface HistoryStore {
  getJob(id: string): Promise<Job | null>;
  getJobs(ids: readonly string[]): Promise<Map<string, Job>>;
  getIndex(): Promise<IndexEntry[]>;
  getStats(): Promise<StoredStats>;
  /**
   * Writes these versions as they are: new jobs, or versions made from what `editJobs` just read.
   * `markDirty` queues them for push, `submit` for the runner.
   */
  applyJobs(jobs: readonly Job[], options?: ApplyOptions): Promise<void>;
  /**
   * A local edit as one read-modify-write under the store's lock: `edit` gets the current versions of
   * `ids` (missing ones are absent) and returns the versions to write, their options and a result.
   * An edit made from a version read before an `await` could bury a version merged meanwhile (a
   * delete stamped from a stale `queued` over a fresher `success`), so edits of existing jobs go here.
   */
  editJobs<T>(
    ids: readonly string[],
    edit: (current: ReadonlyMap<string, Job>, clock: Clock) => JobEdit<T>,
  ): Promise<T>;
  /**
   * Last-writer-wins merge of versions from the companion, with their images and a sync-state
   * patch (the checkpoint) in the same write, so a page is stored whole or not at all.
   * One exception to LWW: a job deleted here never comes back (see the code).
   * A winning finished version whose image is neither given nor held here is added to
   * `imagesWanted` in the same write, so the image is fetched later even if the worker stops.
   * `submitted`: ids the companion's answer handed to its runner; their submit entries go, unless
   * the local version stays idle and newer (asked again meanwhile): then it is submitted again as a retry.
   */
  mergeRemote(
    jobs: readonly Job[],
    options?: {
      images?: Record<string, string>;
      sync?: Partial<SyncState>;
      clearPendingPush?: boolean;
      submitted?: readonly string[];
    },
  ): Promise<MergeOutcome>;
  putImage(hash: string, dataUrl: string): Promise<void>;
  putImages(images: Record<string, string>): Promise<void>;
  getImages(hashes: readonly string[]): Promise<Map<string, string>>;
  /** The subset of `hashes` held locally. */
  hasImages(hashes: readonly string[]): Promise<Set<string>>;
  /** Images of finished jobs this replica shows but does not hold (the companion lacked them when asked). */
  getImagesWanted(): Promise<ImageWant[]>;
  /** Stores fetched images and forgets the wanted entries they answer, and the `stale` ones, in one write. */
  settleImagesWanted(images: Record<string, string>, stale?: readonly ImageWant[]): Promise<void>;
  getOutbox(): Promise<string[]>;
  removeFromOutbox(ids: readonly string[]): Promise<void>;
  /** A new or replaced companion: checkpoint 0, every job (tombstones too) dirty, pending push dropped. */
  resetForServer(serverId: string): Promise<void>;
  getSubmitQueue(): Promise<SubmitEntry[]>;
  getPendingPush(): Promise<PendingPush | null>;
  setPendingPush(pending: PendingPush | null): Promise<void>;
  getClientId(random?: () => number): Promise<string>;
  getSyncState(): Promise<SyncState>;
  setSyncState(patch: Partial<SyncState>): Promise<SyncState>;
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  /** Changes some settings on top of the stored ones, under the lock (a save in between is not lost). */
  patchSettings(patch: Partial<Settings>): Promise<Settings>;
  /** Tombstones every live job and marks them dirty; returns how many. */
  clear(): Promise<number>;
  /** The live history in the seed's file format (oldest first, images as data URLs). */
  exportSeed(): Promise<{ jobs: Record<string, unknown>[]; lastJobId: number; savedAt: string; version: string }>;
  /** Rebuilds index, head, stats and tombstones from the job keys (after corruption). */
  rebuildDerived(): Promise<void>;
}

export interface HistoryStoreOptions {
  now?: () => number;
  /** Resolves when migrations are done; every operation waits for it. */
  ready?: Promise<unknown>;
}

/** Newest first; ties by id so every replica lists the same order. */
export function compareIndexEntries(a: IndexEntry, b: IndexEntry): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function toIndexEntry(job: Job): IndexEntry {
  return { id: job.id, createdAt: job.createdAt, status: job.status, prompt: job.prompt };
}

/** Adds (sign 1) or removes (sign -1) one live job's contribution to the stats. */
export function addToStats(stats: StoredStats, job: Job, sign: 1 | -1): void {
  if (job.deleted) return;
  stats.total += sign;
  stats[job.status] += sign;
  if (job.status === 'success' && job.duration !== null) {
    stats.durationSum += sign * job.duration;
    stats.durationCount += sign;
  }
  stats.avgDuration = stats.durationCount > 0 ? Math.max(0, stats.durationSum) / stats.durationCount : null;
  if (stats.durationCount === 0) stats.durationSum = 0;
}

/** index, head, stats and tombstones of a set of jobs, computed from scratch (migrations, repair). */
export function deriveLayout(jobs: Iterable<Job>) {
  const stats = emptyStats();
  const index: IndexEntry[] = [];
  const tombstones: string[] = [];
  for (const job of jobs) {
    if (job.deleted) tombstones.push(job.id);
    else {
      index.push(toIndexEntry(job));
      addToStats(stats, job, 1);
    }
  }
  index.sort(compareIndexEntries);
  return { index, head: index.slice(0, HEAD_SIZE).map((e) => e.id), stats, tombstones };
}

const indexSchema = z.array(indexEntrySchema);
const idListSchema = z.array(z.string());
const submitQueueSchema = z.array(submitEntrySchema);
const imagesWantedSchema = z.array(imageWantSchema);

const wantKey = (w: ImageWant) => `${w.id}\u0000${w.hash}`;

/** A live finished job with an image: one whose image the panel shows. */
function showsImage(job: Job): job is Job & { image: string } {
  return !job.deleted && job.status === 'success' && job.image !== null;
}

function stripSeq(job: Job): Job {
  if (!('seq' in job)) return job;
  const { seq: _seq, ...rest } = job as Job & { seq?: unknown };
  return rest as Job;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * The chrome.storage.local replica of the history (layout: history-layout.ts). The one writer:
 * writes are serialized, each batch goes out in one `set`, and index, head and stats are
 * updated from the changed jobs alone.
 */
export function createHistoryStore(
  storage: StorageAreaLike = browser.storage.local as unknown as StorageAreaLike,
  options: HistoryStoreOptions = {},
): HistoryStore {
  const now = options.now ?? Date.now;
  const ready = options.ready ?? Promise.resolve();
  let chain: Promise<unknown> = Promise.resolve();
  let quarantineCounter = 0;
  /** undefined until first checked: whether a storageError is shown that a good write should clear. */
  let errorShown: boolean | undefined;

  /** Runs `fn` after every earlier write; its error goes to the caller, the chain keeps going. */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(() => ready).then(fn);
    chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Reads need no lock (each write is one atomic `set`), only finished migrations. */
  async function whenReady(): Promise<void> {
    await ready;
  }

  async function recordError(err: unknown): Promise<void> {
    try {
      await storage.set({ [keys.storageError]: { message: errorMessage(err), at: now() } });
      errorShown = true;
    } catch {
      // Best effort: the storage itself refused; the caller still gets the original error.
    }
  }

  /** The one place that writes: records the failure for the panel and rethrows it. */
  async function write(items: Record<string, unknown>, remove: string[] = []): Promise<void> {
    try {
      if (errorShown === undefined) errorShown = (await storage.get(keys.storageError))[keys.storageError] != null;
      if (errorShown) items = { ...items, [keys.storageError]: null };
      if (Object.keys(items).length > 0) await storage.set(items);
      if (remove.length > 0) await storage.remove(remove);
      if (errorShown) errorShown = false;
    } catch (err) {
      await recordError(err);
      throw err;
    }
  }

  /** This replica's id; minted and stored the first time. Call under the lock. */
  async function ensureClientId(random: () => number = Math.random): Promise<string> {
    const existing = (await storage.get(storeKeys.clientId))[storeKeys.clientId];
    if (typeof existing === 'string' && existing.length > 0) return existing;
    let id = 'ext-';
    for (let i = 0; i < 16; i++) id += Math.floor(random() * 36).toString(36);
    await write({ [storeKeys.clientId]: id });
    return id;
  }

  let clock: Clock | null = null;
  /** The replica's clock, named after its client id. Call under the lock. */
  async function clockOf(): Promise<Clock> {
    clock ??= createClock(await ensureClientId(), now);
    return clock;
  }

  function quarantineKey(): string {
    quarantineCounter += 1;
    return `${storeKeys.quarantinePrefix}${now()}${quarantineCounter > 1 ? `-${quarantineCounter}` : ''}`;
  }

  function parseJob(value: unknown): Job | null | 'corrupt' {
    if (value === undefined || value === null) return null;
    const parsed = storedJobSchema.safeParse(value);
    return parsed.success ? parsed.data : 'corrupt';
  }

  interface Snapshot {
    jobs: Map<string, Job>;
    corrupt: Record<string, unknown>;
    index: IndexEntry[] | null;
    stats: StoredStats | null;
    tombstones: Set<string>;
    outbox: Set<string>;
    submit: SubmitEntry[];
    wanted: ImageWant[];
  }

  /** One `get` for the changed jobs and every derived key a batch may touch. */
  async function snapshot(ids: readonly string[]): Promise<Snapshot> {
    const jobKeys = ids.map(keys.job);
    const raw = await storage.get([
      ...jobKeys,
      keys.index,
      keys.stats,
      keys.outbox,
      storeKeys.tombstones,
      storeKeys.submit,
      storeKeys.imagesWanted,
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
      tombstones: new Set(idListSchema.safeParse(raw[storeKeys.tombstones]).data ?? []),
      outbox: new Set(idListSchema.safeParse(raw[keys.outbox]).data ?? []),
      submit: submitQueueSchema.safeParse(raw[storeKeys.submit]).data ?? [],
      wanted: imagesWantedSchema.safeParse(raw[storeKeys.imagesWanted]).data ?? [],
    };
  }

  interface Batch {
    /** Final versions to store, by id. */
    jobs: Map<string, Job>;
    outboxAdd?: Iterable<string>;
    outboxRemove?: Iterable<string>;
    submitAdd?: SubmitEntry[];
    submitRemove?: readonly string[];
    images?: Record<string, string>;
    /** Images to fetch later (see mergeRemote). */
    wantedAdd?: ImageWant[];
    extra?: Record<string, unknown>;
  }

  /** Stores a batch of job versions with everything derived from them in one `set`. */
  async function commit(snap: Snapshot, batch: Batch): Promise<void> {
    const items: Record<string, unknown> = { ...batch.extra };
    let needsRebuild = snap.index === null || snap.stats === null || Object.keys(snap.corrupt).length > 0;
    if (Object.keys(snap.corrupt).length > 0) {
      items[quarantineKey()] = { reason: 'unreadable job records', at: now(), data: snap.corrupt };
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
      const head = index.slice(0, HEAD_SIZE).map((e) => e.id);
      const oldHead = snap.index.slice(0, HEAD_SIZE).map((e) => e.id);
      if (!sameIds(head, oldHead)) items[keys.head] = head;
      items[keys.stats] = stats;
      if (tombstones.size !== snap.tombstones.size || [...tombstones].some((id) => !snap.tombstones.has(id))) {
        items[storeKeys.tombstones] = [...tombstones];
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
      items[storeKeys.submit] = submit;
    }

    for (const [hash, dataUrl] of Object.entries(batch.images ?? {})) items[keys.image(hash)] = dataUrl;

    // Wanted images: new entries in; entries answered by this batch's images, or whose job moved on, out.
    if (snap.wanted.length > 0 || (batch.wantedAdd?.length ?? 0) > 0) {
      const stored = new Set(Object.keys(batch.images ?? {}));
      const keep = (w: ImageWant) => {
        if (stored.has(w.hash)) return false;
        const job = batch.jobs.get(w.id);
        return !job || (showsImage(job) && job.image === w.hash);
      };
      const wanted = new Map(snap.wanted.filter(keep).map((w) => [wantKey(w), w]));
      for (const w of batch.wantedAdd ?? []) if (keep(w)) wanted.set(wantKey(w), w);
      if (wanted.size !== snap.wanted.length || snap.wanted.some((w) => !wanted.has(wantKey(w))))
        items[storeKeys.imagesWanted] = [...wanted.values()];
    }
    await write(items);
    if (needsRebuild) await rebuild();
  }

  /** Drops `remove` and inserts `add` keeping newest-first order: O(n + k log k). */
  function mergeIndex(index: IndexEntry[], remove: Set<string>, add: IndexEntry[]): IndexEntry[] {
    const kept = remove.size > 0 ? index.filter((e) => !remove.has(e.id)) : index;
    if (add.length === 0) return kept === index ? [...index] : kept;
    add.sort(compareIndexEntries);
    const out: IndexEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < kept.length || j < add.length) {
      if (j >= add.length || (i < kept.length && compareIndexEntries(kept[i]!, add[j]!) <= 0)) out.push(kept[i++]!);
      else out.push(add[j++]!);
    }
    return out;
  }

  async function allJobKeys(): Promise<string[]> {
    if (typeof storage.getKeys === 'function') return (await storage.getKeys()).filter((k) => k.startsWith('job:'));
    return Object.keys(await storage.get(null)).filter((k) => k.startsWith('job:'));
  }

  /** Full rebuild of derived keys from the job keys; unreadable records go to quarantine. */
  async function rebuild(): Promise<void> {
    const jobKeys = await allJobKeys();
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
      [storeKeys.tombstones]: derived.tombstones,
    };
    const current = await storage.get([keys.index, keys.stats]);
    const quarantined: Record<string, unknown> = { ...corrupt };
    if (current[keys.index] !== undefined && !indexSchema.safeParse(current[keys.index]).success)
      quarantined[keys.index] = current[keys.index];
    if (current[keys.stats] !== undefined && !storedStatsSchema.safeParse(current[keys.stats]).success)
      quarantined[keys.stats] = current[keys.stats];
    if (Object.keys(quarantined).length > 0) {
      items[quarantineKey()] = {
        reason: 'unreadable layout data; rebuilt from the job records',
        at: now(),
        data: quarantined,
      };
    }
    await write(items, Object.keys(corrupt));
  }

  async function readList(key: string): Promise<string[]> {
    await whenReady();
    return idListSchema.safeParse((await storage.get(key))[key]).data ?? [];
  }

  async function getJobs(ids: readonly string[]): Promise<Map<string, Job>> {
    await whenReady();
    const out = new Map<string, Job>();
    if (ids.length === 0) return out;
    const raw = await storage.get(ids.map(keys.job));
    for (const id of ids) {
      const job = parseJob(raw[keys.job(id)]);
      if (job && job !== 'corrupt') out.set(id, job);
    }
    return out;
  }

  async function getSyncStateRaw(): Promise<SyncState> {
    const raw = (await storage.get(keys.sync))[keys.sync];
    return syncStateSchema.safeParse(raw ?? {}).data ?? syncStateSchema.parse({});
  }

  /** Local versions written as they are, over a snapshot that holds their ids. */
  function commitApplied(snap: Snapshot, jobs: readonly Job[], opts: ApplyOptions): Promise<void> {
    const versions = new Map(jobs.map((job) => [job.id, stripSeq(job)]));
    return commit(snap, {
      jobs: versions,
      outboxAdd: opts.markDirty ? versions.keys() : undefined,
      submitAdd: opts.submit ? [...versions.keys()].map((id) => ({ id, action: opts.submit! })) : undefined,
      submitRemove: opts.removeFromSubmit,
      images: opts.images,
    });
  }

  const store: HistoryStore = {
    async getJob(id) {
      return (await getJobs([id])).get(id) ?? null;
    },
    getJobs,

    async getIndex() {
      await whenReady();
      return indexSchema.safeParse((await storage.get(keys.index))[keys.index]).data ?? [];
    },

    async getStats() {
      await whenReady();
      return storedStatsSchema.safeParse((await storage.get(keys.stats))[keys.stats]).data ?? emptyStats();
    },

    applyJobs(jobs, opts = {}) {
      return exclusive(async () => {
        const snap = await snapshot([...new Set(jobs.map((j) => j.id))]);
        await commitApplied(snap, jobs, opts);
      });
    },

    editJobs(ids, edit) {
      return exclusive(async () => {
        const snap = await snapshot([...new Set(ids)]);
        // Copies: the snapshot's versions are what the stats are corrected from.
        const {
          jobs = [],
          options = {},
          result,
        } = edit(new Map([...snap.jobs].map(([id, job]) => [id, structuredClone(job)])), await clockOf());
        const unread = jobs.filter((j) => !ids.includes(j.id));
        if (unread.length > 0) throw new Error(`editJobs wrote ${unread[0]!.id}, which it did not read`);
        if (jobs.length > 0 || options.removeFromSubmit?.length || Object.keys(options.images ?? {}).length > 0)
          await commitApplied(snap, jobs, options);
        return result;
      });
    },

    mergeRemote(incoming, opts = {}) {
      return exclusive(async () => {
        const snap = await snapshot([...new Set(incoming.map((j) => j.id))]);
        const current = new Map(snap.jobs);
        const winners = new Map<string, Job>();
        const outboxAdd = new Set<string>();
        const outboxRemove = new Set<string>();
        const keptLocal = new Set<string>();
        for (const raw of incoming) {
          const job = stripSeq(raw);
          const local = current.get(job.id);
          if (local?.deleted && !job.deleted && compareVersions(job, local) > 0) {
            // A delete is final: a later live version (a run that finished after the user
            // deleted it) is buried again on top of that version, and the companion told.
            const buried: Job = (await clockOf()).stamp({ ...job, deleted: true }, job);
            winners.set(job.id, buried);
            current.set(job.id, buried);
            outboxAdd.add(job.id);
            outboxRemove.delete(job.id);
            keptLocal.add(job.id);
          } else if (pickWinner(local, job) === job) {
            winners.set(job.id, job);
            current.set(job.id, job);
            // The local version lost (or was equal): nothing of ours is left to push.
            outboxRemove.add(job.id);
            outboxAdd.delete(job.id);
            keptLocal.delete(job.id);
          } else if (local && compareVersions(local, job) > 0) {
            // Ours is newer: the companion must receive it.
            outboxAdd.add(job.id);
            outboxRemove.delete(job.id);
            keptLocal.add(job.id);
          } else {
            outboxRemove.add(job.id);
          }
        }
        // Images the winners show that are neither given nor held here: wanted, in this same write.
        const given = new Set(Object.keys(opts.images ?? {}));
        const unheld = [...winners.values()].filter(showsImage).filter((j) => !given.has(j.image));
        const wantedAdd: ImageWant[] = [];
        if (unheld.length > 0) {
          const held = await storage.get([...new Set(unheld.map((j) => keys.image(j.image)))]);
          for (const j of unheld)
            if (typeof held[keys.image(j.image)] !== 'string') wantedAdd.push({ id: j.id, hash: j.image });
        }
        // A submission answered: its entry goes. A local idle version that stays (newer than a live answer)
        // was asked for again while the submission was in flight: it goes to the runner again, as a retry.
        // A tombstone answer ends it: the push carries the local version and the deleting replica buries it.
        const submitAdd: SubmitEntry[] = [];
        const answered = new Map(incoming.map((j) => [j.id, j]));
        for (const id of opts.submitted ?? []) {
          const local = current.get(id);
          const answer = answered.get(id);
          if (keptLocal.has(id) && answer && !answer.deleted && local && !local.deleted && local.status === 'idle')
            submitAdd.push({ id, action: 'retry' });
        }
        const extra: Record<string, unknown> = {};
        if (opts.sync) extra[keys.sync] = { ...(await getSyncStateRaw()), ...opts.sync };
        if (opts.clearPendingPush) extra[storeKeys.pushPending] = null;
        await commit(snap, {
          jobs: winners,
          outboxAdd,
          outboxRemove,
          images: opts.images,
          wantedAdd,
          extra,
          submitRemove: opts.submitted,
          submitAdd,
        });
        return { applied: [...winners.keys()], keptLocal: [...keptLocal] };
      });
    },

    putImage(hash, dataUrl) {
      return exclusive(() => write({ [keys.image(hash)]: dataUrl }));
    },

    putImages(images) {
      return exclusive(async () => {
        const items: Record<string, unknown> = {};
        for (const [hash, dataUrl] of Object.entries(images)) items[keys.image(hash)] = dataUrl;
        await write(items);
      });
    },

    async getImages(hashes) {
      await whenReady();
      const out = new Map<string, string>();
      if (hashes.length === 0) return out;
      const raw = await storage.get(hashes.map(keys.image));
      for (const hash of hashes) {
        const value = raw[keys.image(hash)];
        if (typeof value === 'string') out.set(hash, value);
      }
      return out;
    },

    async hasImages(hashes) {
      return new Set((await store.getImages(hashes)).keys());
    },

    async getImagesWanted() {
      await whenReady();
      return (
        imagesWantedSchema.safeParse((await storage.get(storeKeys.imagesWanted))[storeKeys.imagesWanted]).data ?? []
      );
    },

    settleImagesWanted(images, stale = []) {
      return exclusive(async () => {
        const wanted =
          imagesWantedSchema.safeParse((await storage.get(storeKeys.imagesWanted))[storeKeys.imagesWanted]).data ?? [];
        const drop = new Set(stale.map(wantKey));
        const fetched = new Set(Object.keys(images));
        const kept = wanted.filter((w) => !fetched.has(w.hash) && !drop.has(wantKey(w)));
        const items: Record<string, unknown> = {};
        for (const [hash, dataUrl] of Object.entries(images)) items[keys.image(hash)] = dataUrl;
        if (kept.length !== wanted.length) items[storeKeys.imagesWanted] = kept;
        if (Object.keys(items).length > 0) await write(items);
      });
    },

    getOutbox: () => readList(keys.outbox),

    removeFromOutbox(ids) {
      return exclusive(async () => {
        const outbox = idListSchema.safeParse((await storage.get(keys.outbox))[keys.outbox]).data ?? [];
        const drop = new Set(ids);
        const kept = outbox.filter((id) => !drop.has(id));
        if (kept.length !== outbox.length) await write({ [keys.outbox]: kept });
      });
    },

    resetForServer(serverId) {
      return exclusive(async () => {
        const raw = await storage.get([keys.index, storeKeys.tombstones]);
        const index = indexSchema.safeParse(raw[keys.index]).data ?? [];
        const tombstones = idListSchema.safeParse(raw[storeKeys.tombstones]).data ?? [];
        const sync = { ...(await getSyncStateRaw()), serverId, checkpoint: 0 };
        await write({
          [keys.sync]: sync,
          [keys.outbox]: [...new Set([...index.map((e) => e.id), ...tombstones])],
          [storeKeys.pushPending]: null,
        });
      });
    },

    async getSubmitQueue() {
      await whenReady();
      return submitQueueSchema.safeParse((await storage.get(storeKeys.submit))[storeKeys.submit]).data ?? [];
    },

    async getPendingPush() {
      await whenReady();
      const raw = (await storage.get(storeKeys.pushPending))[storeKeys.pushPending];
      return raw == null ? null : (pendingPushSchema.safeParse(raw).data ?? null);
    },

    setPendingPush(pending) {
      return exclusive(() => write({ [storeKeys.pushPending]: pending }));
    },

    getClientId(random = Math.random) {
      return exclusive(() => ensureClientId(random));
    },

    async getSyncState() {
      await whenReady();
      return getSyncStateRaw();
    },

    setSyncState(patch) {
      return exclusive(async () => {
        const next = { ...(await getSyncStateRaw()), ...patch };
        await write({ [keys.sync]: next });
        return next;
      });
    },

    async getSettings() {
      await whenReady();
      const raw = (await storage.get(keys.settings))[keys.settings];
      return settingsSchema.safeParse(raw ?? {}).data ?? defaultSettings;
    },

    saveSettings(settings) {
      return exclusive(() => write({ [keys.settings]: settingsSchema.parse(settings) }));
    },

    patchSettings(patch) {
      return exclusive(async () => {
        const raw = (await storage.get(keys.settings))[keys.settings];
        const next = settingsSchema.parse({
          ...(settingsSchema.safeParse(raw ?? {}).data ?? defaultSettings),
          ...patch,
        });
        await write({ [keys.settings]: next });
        return next;
      });
    },

    clear() {
      return exclusive(async () => {
        const index = indexSchema.safeParse((await storage.get(keys.index))[keys.index]).data ?? [];
        let cleared = 0;
        // Chunks keep each write small; every chunk is consistent on its own.
        for (let i = 0; i < index.length; i += 500) {
          const ids = index.slice(i, i + 500).map((e) => e.id);
          const snap = await snapshot(ids);
          const tombstoned = new Map<string, Job>();
          for (const job of snap.jobs.values()) {
            if (job.deleted) continue;
            tombstoned.set(job.id, (await clockOf()).stamp({ ...job, deleted: true }, job));
          }
          await commit(snap, { jobs: tombstoned, outboxAdd: tombstoned.keys() });
          cleared += tombstoned.size;
        }
        return cleared;
      });
    },

    async exportSeed() {
      const index = await store.getIndex();
      const ids = index.map((e) => e.id).reverse();
      const jobs: Job[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = await getJobs(ids.slice(i, i + 500));
        for (const id of ids.slice(i, i + 500)) {
          const job = chunk.get(id);
          if (job && !job.deleted) jobs.push(job);
        }
      }
      const out: Record<string, unknown>[] = [];
      for (let i = 0; i < jobs.length; i += 200) {
        const slice = jobs.slice(i, i + 200);
        const hashes = new Set<string>();
        for (const job of slice) {
          if (job.image) hashes.add(job.image);
          if (job.rotate) hashes.add(job.rotate.sourceImage);
        }
        const images = await store.getImages([...hashes]);
        const getImage = (hash: string) => {
          const dataUrl = images.get(hash);
          return dataUrl ? pngDataUrlToBytes(dataUrl) : null;
        };
        for (const job of slice) out.push(toSeedJob(job, getImage));
      }
      return {
        jobs: out,
        lastJobId: lastSeedJobId(jobs),
        savedAt: new Date(now()).toISOString(),
        version: String(HISTORY_SCHEMA_VERSION),
      };
    },

    rebuildDerived() {
      return exclusive(rebuild);
    },
  };
  return store;
}
