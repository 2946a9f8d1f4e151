import type { StoreWriter } from '@/utils/history/writer';
import { COLOUR_BUCKETS, colourBucketOf, decodeBucket, encodeBucket } from '@/utils/storage/colours';
import { keys } from '@/utils/storage/keys';
import { coloursCleanSchema, HISTORY_SCHEMA_VERSION } from '@/utils/storage/layout';

/** The colour index's storage (utils/storage/colours.ts): read whole, changed a few buckets at a time. */
export interface ColourStore {
  /** Every job's encoded entry (job id -> `hash8:codes`); an unreadable bucket reads as empty and is rewritten. */
  getColourIndex(): Promise<Map<string, string>>;
  /** Sets these entries and drops those of `drop`, under the lock, rewriting only the buckets they fall in. */
  putColours(set: ReadonlyMap<string, string>, drop?: readonly string[]): Promise<void>;
  /** When a pass last left the colour index covering every job and image held (`coloursClean`), or null. */
  getColoursClean(): Promise<number | null>;
  /** Records a complete pass at `at`, or (null) that a job or image changed since. In call order, under the lock. */
  setColoursClean(at: number | null): Promise<void>;
}

const allBuckets = () => Array.from({ length: COLOUR_BUCKETS }, (_, n) => keys.colourBucket(n));

export function createColourStore(w: StoreWriter): ColourStore {
  return {
    async getColourIndex() {
      await w.whenReady();
      const raw = await w.storage.get(allBuckets());
      const out = new Map<string, string>();
      for (const key of allBuckets()) for (const [id, value] of decodeBucket(raw[key]) ?? []) out.set(id, value);
      return out;
    },

    putColours(set, drop = []) {
      return w.exclusive(async () => {
        const touched = new Set<number>([...set.keys(), ...drop].map(colourBucketOf));
        if (touched.size === 0) return;
        const bucketKeys = [...touched].map(keys.colourBucket);
        const raw = await w.storage.get(bucketKeys);
        const items: Record<string, unknown> = {};
        const remove: string[] = [];
        for (const n of touched) {
          const key = keys.colourBucket(n);
          const bucket = decodeBucket(raw[key]) ?? new Map<string, string>();
          for (const id of drop) if (colourBucketOf(id) === n) bucket.delete(id);
          for (const [id, value] of set) if (colourBucketOf(id) === n) bucket.set(id, value);
          if (bucket.size > 0) items[key] = encodeBucket(bucket);
          else if (raw[key] !== undefined) remove.push(key);
        }
        await w.write(items, remove);
      });
    },

    async getColoursClean() {
      await w.whenReady();
      const mark = coloursCleanSchema.safeParse((await w.storage.get(keys.coloursClean))[keys.coloursClean]).data;
      // Marked under another layout version: a migration may have changed the colours without a job changing.
      return mark && mark.schema === HISTORY_SCHEMA_VERSION ? mark.at : null;
    },

    setColoursClean(at) {
      return w.exclusive(() =>
        at === null
          ? w.write({}, [keys.coloursClean])
          : w.write({ [keys.coloursClean]: { at, schema: HISTORY_SCHEMA_VERSION } }),
      );
    },
  };
}
