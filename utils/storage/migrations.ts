import { z } from 'zod';
import { errorMessage, type Job } from '@/utils/domain';
import { deriveLayout } from '@/utils/history/derive';
import { insightsItems } from '@/utils/history/insights-keys';
import { convertSeedJobs, lenientSeedFileSchema } from '@/utils/history/seed-import';
import { emptyInsights } from '@/utils/insights/aggregate';
import type { StorageAreaLike } from '@/utils/storage/area';
import { isInsightsMonthKey, isJobKey, isLayoutKey, keys, QUARANTINE_PREFIX } from '@/utils/storage/keys';
import { emptyStats, HISTORY_SCHEMA_VERSION, storedJobSchema } from '@/utils/storage/layout';
import { settingsSchema } from '@/utils/storage/settings';

/** Every key of chrome.storage.local at one moment. */
export type LayoutData = Record<string, unknown>;
/** `migrations[n]` turns layout n-1 into layout n. Pure: same input and `now`, same output. */
export type Migration = (data: LayoutData, context: { now: number }) => LayoutData;

/** Version 0: the seed dashboard's localStorage blob `{ jobs, lastJobId }`, maybe as a JSON string. */
export const LEGACY_KEY = 'pixellab_jobs_v1';

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
    [keys.index]: derived.index,
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
    [keys.index]: derived.index,
    [keys.head]: derived.head,
    [keys.stats]: derived.stats,
    [keys.tombstones]: derived.tombstones,
    ...insightsItems(derived.insights),
  };
}

export const migrations: Record<number, Migration> = {
  1: migrateV0toV1,
  2: migrateV1toV2,
};

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
    [keys.index]: [],
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
  if (from > current || steps.some((v) => typeof table[v] !== 'function')) {
    return quarantineAll(storage, current, now(), `unknown layout version ${from}`, from);
  }

  const before = await storage.get(null);
  const at = now();
  let data: LayoutData = before;
  try {
    for (const v of steps) data = table[v]!(data, { now: at });
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
