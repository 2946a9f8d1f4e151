import { type ReadonlySignal, signal } from '@preact/signals';
import { browser } from 'wxt/browser';
import type { PanelStorage, StorageChangeListener } from '@/utils/storage/area';
import { COLOUR_BUCKETS, codesHold, colourCode, decodeBucket } from '@/utils/storage/colours';
import { COLOUR_BUCKET_PREFIX, isColourBucketKey, keys } from '@/utils/storage/keys';

/**
 * The panel's read side of the colour index (utils/storage/colours.ts): read whole when a colour filter is first
 * used (never on first paint), then kept by storage changes, bucket by bucket. Never writes storage.
 */
export interface ColourIndexReader {
  /** Reads every bucket once; a second call joins the first. */
  load(): Promise<void>;
  /** Bumped whenever what it holds changes (loaded, a bucket rewritten): a view reading it re-renders. */
  readonly version: ReadonlySignal<number>;
  /** Whether the buckets were read. */
  readonly loaded: boolean;
  /** Ids of the jobs whose image holds 0xRRGGBB `rgb`: an empty set until loaded. The same set until a change. */
  jobsWith(rgb: number): ReadonlySet<string>;
  /** How many jobs have their colours indexed. */
  readonly size: number;
  dispose(): void;
}

const EMPTY: ReadonlySet<string> = new Set();
const bucketOfKey = (key: string) => Number.parseInt(key.slice(COLOUR_BUCKET_PREFIX.length), 16);

export function createColourIndexReader(
  storage: PanelStorage = browser.storage.local as unknown as PanelStorage,
): ColourIndexReader {
  const version = signal(0);
  /** bucket -> (job id -> sorted colour codes). */
  const buckets = new Map<number, Map<string, string>>();
  let loading: Promise<void> | null = null;
  let loaded = false;
  /** Changes seen while the first read is in flight: applied over it. */
  const early = new Map<number, unknown>();
  const answers = new Map<number, ReadonlySet<string>>();

  function setBucket(n: number, value: unknown): void {
    const decoded = decodeBucket(value);
    const codes = new Map<string, string>();
    // An unreadable bucket shows as empty until the background rewrites it.
    for (const [id, entry] of decoded ?? []) codes.set(id, entry.slice(9));
    buckets.set(n, codes);
  }

  function changed(): void {
    answers.clear();
    version.value++;
  }

  const onChanged: StorageChangeListener = (changes) => {
    let any = false;
    for (const [key, change] of Object.entries(changes)) {
      if (!isColourBucketKey(key)) continue;
      const n = bucketOfKey(key);
      if (!loaded) early.set(n, change.newValue);
      else {
        setBucket(n, change.newValue);
        any = true;
      }
    }
    if (any) changed();
  };
  storage.onChanged.addListener(onChanged);

  return {
    load() {
      loading ??= (async () => {
        const all = Array.from({ length: COLOUR_BUCKETS }, (_, n) => keys.colourBucket(n));
        const raw = await storage.get(all);
        for (let n = 0; n < COLOUR_BUCKETS; n++) setBucket(n, early.has(n) ? early.get(n) : raw[all[n]!]);
        early.clear();
        loaded = true;
        changed();
      })();
      return loading;
    },
    version,
    get loaded() {
      return loaded;
    },
    jobsWith(rgb) {
      if (!loaded) return EMPTY;
      let answer = answers.get(rgb);
      if (!answer) {
        const code = colourCode(rgb);
        const ids = new Set<string>();
        for (const bucket of buckets.values())
          for (const [id, codes] of bucket) if (codesHold(codes, code)) ids.add(id);
        answer = ids;
        answers.set(rgb, answer);
      }
      return answer;
    },
    get size() {
      let n = 0;
      for (const bucket of buckets.values()) n += bucket.size;
      return n;
    },
    dispose() {
      storage.onChanged.removeListener(onChanged);
    },
  };
}
