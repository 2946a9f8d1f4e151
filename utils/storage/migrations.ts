import { z } from 'zod';
import { errorMessage, type Job } from '@/utils/domain';
import { deriveLayout } from '@/utils/history/derive';
import { insightsItems } from '@/utils/history/insights-keys';
import { convertSeedJobs, lenientSeedFileSchema } from '@/utils/history/seed-import';
import { emptyInsights } from '@/utils/insights/aggregate';
import type { StorageAreaLike } from '@/utils/storage/area';
import { decodePage, emptyIndexMeta, encodePage, indexItems } from '@/utils/storage/index-pages';
import {
  isIndexPageKey,
  isInsightsMonthKey,
  isJobKey,
  isLayoutKey,
  keys,
  QUARANTINE_PREFIX,
} from '@/utils/storage/keys';
import {
  emptyStats,
  HISTORY_SCHEMA_VERSION,
  imagesWantedSchema,
  indexSchema,
  storedJobSchema,
  toIndexEntry,
} from '@/utils/storage/layout';
import { settingsSchema } from '@/utils/storage/settings';
import { appendWanted, emptyWantedMeta, encodeChunk } from '@/utils/storage/wanted';

/** Every key of chrome.storage.local at one moment (or the keys a migration reads). */
export type LayoutData = Record<string, unknown>;
/** `migrations[n]` turns layout n-1 into layout n. Pure: same input and `now`, same output. */
export type Migration = (data: LayoutData, context: { now: number }) => LayoutData;
/**
 * A migration that needs only some keys: it gets those and changes or removes nothing else. Reading every
 * key would read every image (64 MB at 10,000 jobs) to change the index.
 */
export interface PartialMigration {
  migrate: Migration;
  reads(key: string): boolean;
}

/** Version 0: the seed dashboard's localStorage blob `{ jobs, lastJobId }`, maybe as a JSON string. */
export const LEGACY_KEY = 'pixellab_jobs_v1';
/** Versions 1 and 2's index: one key holding every entry, newest first. */
export const LIST_INDEX_KEY = 'index';
/** Versions 1 and 2's wanted images: one list. */
export const LIST_WANTED_KEY = 'imagesWanted';

const schemaValueSchema = z.object({ version: z.number().int().nonnegative() });

/** Version 0 -> 1: the single blob becomes per-job keys, images under img: keys, all dirty for the companion. */
export function migrateV0toV1(data: LayoutData, { now }: { now: number }): LayoutData {
  const { [LEGACY_KEY]: blob, ...rest } = data;
  const value = typeof blob === 'string' ? (JSON.parse(blob) as unknown) : blob;
  const file = lenientSeedFileSchema.parse(value);
  const { jobs, images, failed } = convertSeedJobs(file.jobs, now);
  const derived = deriveLayout(jobs);
  const out: LayoutData = {
    ...rest,
    [LIST_INDEX_KEY]: derived.index,
    [keys.head]: derived.head,
    [keys.stats]: derived.stats,
    [keys.tombstones]: derived.tombstones,
    [keys.outbox]: jobs.map((j) => j.id),
  };
  for (const job of jobs) out[keys.job(job.id)] = job;
  for (const [hash, dataUrl] of Object.entries(images)) out[keys.image(hash)] = dataUrl;
  if (failed.length > 0) {
    out[`${QUARANTINE_PREFIX}${now}`] = {
      reason: `${failed.length} jobs of ${LEGACY_KEY} could not be read`,
      at: now,
      data: failed,
    };
  }
  return out;
}

/**
 * Version 1 -> 2: index entries carry the facts Insights needs (kind, size, cost, duration, failure reason, tags,
 * boards) and Insights' aggregates appear (`insights`, `insights:<YYYY-MM>`): all derived again from the job records.
 */
export function migrateV1toV2(data: LayoutData): LayoutData {
  const jobs: Job[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!isJobKey(key)) continue;
    const parsed = storedJobSchema.safeParse(value);
    if (parsed.success) jobs.push(parsed.data);
  }
  const derived = deriveLayout(jobs);
  const out: LayoutData = Object.fromEntries(Object.entries(data).filter(([key]) => !isInsightsMonthKey(key)));
  return {
    ...out,
    [LIST_INDEX_KEY]: derived.index,
    [keys.head]: derived.head,
    [keys.stats]: derived.stats,
    [keys.tombstones]: derived.tombstones,
    ...insightsItems(derived.insights),
  };
}

/**
 * Version 2 -> 3: the one `index` key becomes pages (`indexPages`, `index:<n>`; utils/storage/index-pages.ts),
 * and the one `imagesWanted` list becomes chunks (`wanted`, `wanted:<n>`; utils/storage/wanted.ts), so a
 * change rewrites the pages and the chunk it touches, not lists as long as the history. An unreadable value
 * is quarantined and its new key left unreadable, so the store rebuilds both from the job records at its
 * first write.
 */
export function migrateV2toV3(data: LayoutData, { now }: { now: number }): LayoutData {
  const { [LIST_INDEX_KEY]: index, [LIST_WANTED_KEY]: wanted, ...rest } = data;
  const out: LayoutData = { ...rest };
  const wants = wanted === undefined ? [] : imagesWantedSchema.safeParse(wanted).data;
  if (wants) {
    const chunks = appendWanted(emptyWantedMeta(), null, wants);
    out[keys.wanted] = chunks.meta;
    for (const [n, entries] of chunks.write) out[keys.wantedChunk(n)] = encodeChunk(entries);
  } else {
    out[`${QUARANTINE_PREFIX}${now}-imagesWanted-v2`] = {
      reason: 'an unreadable imagesWanted (version 2)',
      at: now,
      data: wanted,
    };
    out[keys.wanted] = UNREADABLE;
  }
  if (index === undefined) out[keys.indexPages] = emptyIndexMeta();
  else {
    const entries = indexSchema.safeParse(index);
    if (entries.success) Object.assign(out, indexItems(entries.data));
    else {
      // Named apart: this step reads only the index, so it cannot see which quarantine keys are taken.
      out[`${QUARANTINE_PREFIX}${now}-index-v2`] = { reason: 'an unreadable index (version 2)', at: now, data: index };
      out[keys.indexPages] = UNREADABLE;
    }
  }
  return out;
}
/**
 * Version 3 -> 4: index entries name their batch (`groupId`) and a rotation's source (`sourceId`), so the list
 * stacks them from the index alone. Each page's entries are made again from their job records, in place: pages,
 * head and everything else stay as they are. A page that cannot be read is left to the store's rebuild.
 */
export function migrateV3toV4(data: LayoutData): LayoutData {
  const out: LayoutData = {};
  for (const [key, value] of Object.entries(data)) {
    if (!isIndexPageKey(key)) continue;
    const entries = decodePage(value);
    if (!entries) continue;
    let changed = false;
    const next = entries.map((entry) => {
      const parsed = storedJobSchema.safeParse(data[keys.job(entry.id)]);
      if (!parsed.success || parsed.data.deleted) return entry;
      const made = toIndexEntry(parsed.data);
      if (JSON.stringify(made) !== JSON.stringify(entry)) changed = true;
      return made;
    });
    out[key] = changed ? encodePage(next) : value;
  }
  return { ...data, ...out };
}

/**
 * Version 4 -> 5: index entries name the device that accepted the job (`device`, issue 22), so rows show who made
 * it and the list filters by author from the index alone. Entries are made again from their job records, as for 4.
 */
export const migrateV4toV5: Migration = (data) => migrateV3toV4(data);

/** Fails the schema on purpose: the store rebuilds index and wanted images at its next write. */
const UNREADABLE = 'rebuild from the job records';

export const migrations: Record<number, Migration | PartialMigration> = {
  1: migrateV0toV1,
  2: migrateV1toV2,
  3: { migrate: migrateV2toV3, reads: (key) => key === LIST_INDEX_KEY || key === LIST_WANTED_KEY },
  4: { migrate: migrateV3toV4, reads: (key) => isIndexPageKey(key) || isJobKey(key) },
  5: { migrate: migrateV4toV5, reads: (key) => isIndexPageKey(key) || isJobKey(key) },
};

const migrateOf = (entry: Migration | PartialMigration): Migration =>
  typeof entry === 'function' ? entry : entry.migrate;

export interface MigrationReport {
  /** Version found; null on a fresh install. */
  from: number | null;
  to: number;
  /** Versions whose migration ran, in order. */
  ran: number[];
  /** The quarantine key written, if data had to be moved aside. */
  quarantined: string | null;
}

export interface RunMigrationsOptions {
  migrations?: Record<number, Migration>;
  currentVersion?: number;
  now?: () => number;
}

/** An empty layout at `version`, written directly on a fresh install (no old migration runs: wxt#1775). */
function freshLayout(version: number): LayoutData {
  return {
    [keys.schema]: { version },
    [keys.indexPages]: emptyIndexMeta(),
    [keys.wanted]: emptyWantedMeta(),
    [keys.head]: [],
    [keys.stats]: emptyStats(),
    [keys.outbox]: [],
    [keys.tombstones]: [],
    [keys.insights]: emptyInsights(),
  };
}

async function listKeys(storage: StorageAreaLike): Promise<string[]> {
  if (typeof storage.getKeys === 'function') return storage.getKeys();
  return Object.keys(await storage.get(null));
}

/**
 * Brings chrome.storage.local to the current layout version. Reads only `schema` when it is
 * current. Corrupt or unknown-version data is moved under `quarantine:<timestamp>` and the
 * layout starts empty (the companion's copy syncs back); it never throws for bad data.
 */
export async function runMigrations(
  storage: StorageAreaLike,
  options: RunMigrationsOptions = {},
): Promise<MigrationReport> {
  const table = options.migrations ?? migrations;
  const current = options.currentVersion ?? HISTORY_SCHEMA_VERSION;
  const now = options.now ?? Date.now;
  const head = await storage.get([keys.schema, LEGACY_KEY]);
  const rawSchema = head[keys.schema];

  let from: number;
  if (rawSchema === undefined) {
    if (head[LEGACY_KEY] === undefined) {
      const stray = (await listKeys(storage)).filter(isLayoutKey);
      if (stray.length > 0) return quarantineAll(storage, current, now(), 'layout data without a schema version', null);
      await storage.set(freshLayout(current));
      return { from: null, to: current, ran: [], quarantined: null };
    }
    from = 0;
  } else {
    const parsed = schemaValueSchema.safeParse(rawSchema);
    if (!parsed.success) return quarantineAll(storage, current, now(), 'unreadable schema version', null);
    from = parsed.data.version;
  }
  if (from === current) return { from, to: current, ran: [], quarantined: null };
  const steps: number[] = [];
  for (let v = from + 1; v <= current; v++) steps.push(v);
  if (from > current || steps.some((v) => table[v] === undefined)) {
    return quarantineAll(storage, current, now(), `unknown layout version ${from}`, from);
  }

  const before = await readFor(
    storage,
    steps.map((v) => table[v]!),
  );
  const at = now();
  let data: LayoutData = before;
  try {
    for (const v of steps) data = migrateOf(table[v]!)(data, { now: at });
  } catch (err) {
    const reason = `migration from version ${from} failed: ${errorMessage(err)}`;
    return quarantineAll(storage, current, at, reason, from);
  }
  data = { ...data, [keys.schema]: { version: current } };
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (before[key] !== value) set[key] = value;
  const remove = Object.keys(before).filter((key) => !(key in data));
  await storage.set(set);
  if (remove.length > 0) await storage.remove(remove);
  return { from, to: current, ran: steps, quarantined: null };
}

/** The keys the steps read: all of them, unless every step names its own. */
async function readFor(
  storage: StorageAreaLike,
  steps: readonly (Migration | PartialMigration)[],
): Promise<LayoutData> {
  const partial = steps.filter((s): s is PartialMigration => typeof s !== 'function');
  if (partial.length < steps.length || typeof storage.getKeys !== 'function') return storage.get(null);
  const wanted = (await storage.getKeys()).filter((key) => partial.some((s) => s.reads(key)));
  return wanted.length > 0 ? storage.get(wanted) : {};
}

/** Moves everything but valid settings and earlier quarantines aside, then writes a fresh layout. */
async function quarantineAll(
  storage: StorageAreaLike,
  version: number,
  at: number,
  reason: string,
  from: number | null,
): Promise<MigrationReport> {
  const all = await storage.get(null);
  const moved: LayoutData = {};
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(QUARANTINE_PREFIX)) continue;
    if (key === keys.settings && settingsSchema.safeParse(value).success) continue;
    moved[key] = value;
  }
  let target = `${QUARANTINE_PREFIX}${at}`;
  for (let n = 2; target in all; n++) target = `${QUARANTINE_PREFIX}${at}-${n}`;
  await storage.set({ [target]: { reason, at, data: moved } });
  const remove = Object.keys(moved);
  if (remove.length > 0) await storage.remove(remove);
  await storage.set(freshLayout(version));
  return { from, to: version, ran: [], quarantined: target };
}
