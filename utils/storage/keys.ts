/**
 * Every key of chrome.storage.local, declared once. Only the background writes them; the panel reads them.
 * What each holds (schemas in layout.ts and settings.ts):
 *   schema          { version }                      layout version, migrated by pure functions (migrations.ts)
 *   head            string[]                         newest HEAD_SIZE live job ids: enough for first paint
 *   indexPages      IndexMeta                        the index's pages in order, each with its count and oldest entry
 *   index:<n>       string (JSON IndexEntry[])       one page of the index: every live job, newest first, in pages
 *                                                    of at most 1,000 (index-pages.ts): scroll, search, filter
 *   stats           StoredStats                      counts for the stats bar without reading the index
 *   job:<id>        Job                              one key per job, tombstones included until pushed
 *   img:<sha256>    string                           a PNG data URL, read lazily for visible rows
 *   sync            SyncState                        checkpoint, serverId, last sync, companion status
 *   outbox          string[]                         ids changed locally and not yet accepted by the companion
 *   settings        Settings
 *   storageError    { message, at } | null           the last storage failure, shown by the panel
 *   submit          SubmitEntry[]                    jobs waiting to be handed to the companion's runner
 *   pushPending     PendingPush | null               the push chunk in flight, so a retry reuses its request id
 *   clientId        string                           this replica's id, sent with every push
 *   tombstones      string[]                         deleted ids: out of `index`, still owed to a new companion
 *   records         SyncRecord[]                     boards and the queue (utils/domain/records.ts), merged per field,
 *                                                    deleted boards kept as tombstones (records-store.ts)
 *   recordOutbox    string[]                         `kind:id` of records changed here and not yet accepted by the companion
 *   wanted          WantedMeta                       the chunks of images wanted, oldest first, with their counts
 *   wanted:<n>      ImageWant[]                      images of finished jobs shown here but not held yet (pulled
 *                                                    without them, or the companion lacked them): the filler fetches
 *                                                    them newest chunk first, at every sync until they arrive (wanted.ts)
 *   insights        InsightsMain                     Insights' aggregates: all-time detail, a small series per day,
 *                                                    the newest price per kind and size (utils/insights/)
 *   insights:<YYYY-MM> InsightsMonth                 that month's days in detail, for ranges shorter than "all"
 *   colours:<bb>    string (JSON {id: entry})        the colour index: each job's exact colours, by a hash of its id
 *                                                    (colours.ts); computed by the background (colour-indexer.ts)
 *   coloursClean    { at, schema } (absent: not known) a pass left the colour index complete at `at`, and no job or
 *                                                    image changed since: the worker's start skips reading it all
 *                                                    again (a migration that changes colours drops it)
 *   quarantine:<t>  { reason, at, data }             data that failed to parse or migrate, kept, never deleted
 *
 * This module imports nothing: the panel's first reads (entrypoints/sidepanel/first-reads.ts) use it before
 * zod and the rest of the bundle are evaluated.
 */
export const JOB_PREFIX = 'job:';
export const IMAGE_PREFIX = 'img:';
export const INDEX_PAGE_PREFIX = 'index:';
export const WANTED_CHUNK_PREFIX = 'wanted:';
export const QUARANTINE_PREFIX = 'quarantine:';
export const INSIGHTS_MONTH_PREFIX = 'insights:';
export const COLOUR_BUCKET_PREFIX = 'colours:';

export const keys = {
  schema: 'schema',
  head: 'head',
  indexPages: 'indexPages',
  stats: 'stats',
  sync: 'sync',
  outbox: 'outbox',
  settings: 'settings',
  storageError: 'storageError',
  submit: 'submit',
  pushPending: 'pushPending',
  clientId: 'clientId',
  tombstones: 'tombstones',
  wanted: 'wanted',
  insights: 'insights',
  records: 'records',
  recordOutbox: 'recordOutbox',
  coloursClean: 'coloursClean',
  insightsMonth: (month: string) => `${INSIGHTS_MONTH_PREFIX}${month}`,
  job: (id: string) => `${JOB_PREFIX}${id}`,
  image: (hash: string) => `${IMAGE_PREFIX}${hash}`,
  indexPage: (n: number) => `${INDEX_PAGE_PREFIX}${n}`,
  wantedChunk: (n: number) => `${WANTED_CHUNK_PREFIX}${n}`,
  colourBucket: (n: number) => `${COLOUR_BUCKET_PREFIX}${n.toString(16).padStart(2, '0')}`,
} as const;

export const isJobKey = (key: string): boolean => key.startsWith(JOB_PREFIX);
export const isImageKey = (key: string): boolean => key.startsWith(IMAGE_PREFIX);
export const isIndexPageKey = (key: string): boolean => key.startsWith(INDEX_PAGE_PREFIX);
/** The page number of an `index:<n>` key. */
export const pageOfKey = (key: string): number => Number(key.slice(INDEX_PAGE_PREFIX.length));
export const isWantedChunkKey = (key: string): boolean => key.startsWith(WANTED_CHUNK_PREFIX);
export const isInsightsMonthKey = (key: string): boolean => key.startsWith(INSIGHTS_MONTH_PREFIX);
export const isColourBucketKey = (key: string): boolean => key.startsWith(COLOUR_BUCKET_PREFIX);
/** The job id of a `job:<id>` key. */
export const jobIdOfKey = (key: string): string => key.slice(JOB_PREFIX.length);
/** The sha-256 of an `img:<hash>` key. */
export const hashOfImageKey = (key: string): string => key.slice(IMAGE_PREFIX.length);

/** The small keys the panel reads before anything else, for its first paint. */
export const META_KEYS = [keys.head, keys.stats, keys.sync, keys.settings, keys.storageError] as const;

/** Keys that only this layout writes: finding them without a `schema` key means unknown data. */
export function isLayoutKey(key: string): boolean {
  return (
    isJobKey(key) ||
    isImageKey(key) ||
    isIndexPageKey(key) ||
    isWantedChunkKey(key) ||
    isInsightsMonthKey(key) ||
    isColourBucketKey(key) ||
    (LAYOUT_KEYS as readonly string[]).includes(key)
  );
}
const LAYOUT_KEYS = [
  keys.head,
  'index',
  keys.indexPages,
  keys.stats,
  keys.sync,
  keys.outbox,
  keys.submit,
  keys.pushPending,
  keys.tombstones,
  'imagesWanted',
  keys.wanted,
  keys.insights,
  keys.records,
  keys.recordOutbox,
  keys.coloursClean,
] as const;
