/**
 * The colour index of the bench's history (utils/storage/colours.ts), computed in Node with the same functions the
 * background uses, so a seeded profile holds it as the background would have written it (and its indexer, finding
 * every job indexed, stays idle during the measurements). The colours of each image are computed once per run.
 */
import { decodePng } from '../utils/export/png';
import { colourBucketOf, colourCodes, encodeBucket, encodeColourEntry, hash8Of } from '../utils/storage/colours';
import { keys } from '../utils/storage/keys';
import type { Dataset } from './dataset';

/** image hash -> its sorted colour codes. */
const codesByImage = new Map<string, string>();

/** The sorted colour codes of each job's image, oldest first. */
export function jobColourCodes(dataset: Pick<Dataset, 'jobs' | 'images'>): string[] {
  return dataset.jobs.map((job) => {
    let codes = codesByImage.get(job.image!);
    if (codes === undefined) {
      codes = colourCodes(decodePng(dataset.images.get(job.image!)!).data);
      codesByImage.set(job.image!, codes);
    }
    return codes;
  });
}

/** The `colours:<bb>` items of the dataset. */
export function colourItems(dataset: Pick<Dataset, 'jobs' | 'images'>): Record<string, string> {
  const codes = jobColourCodes(dataset);
  const buckets = new Map<number, Map<string, string>>();
  dataset.jobs.forEach((job, i) => {
    const n = colourBucketOf(job.id);
    if (!buckets.has(n)) buckets.set(n, new Map());
    buckets.get(n)!.set(job.id, encodeColourEntry({ hash8: hash8Of(job.image!), codes: codes[i]! }));
  });
  const items: Record<string, string> = {};
  for (const [n, bucket] of buckets) items[keys.colourBucket(n)] = encodeBucket(bucket);
  return items;
}

/** Sizes of the stored index and of an inverted one (colour -> ids, as JSON) for the same jobs: why this shape. */
export function colourIndexSizes(dataset: Pick<Dataset, 'jobs' | 'images'>): {
  storedBytes: number;
  invertedBytes: number;
  coloursPerJob: number;
  distinctColours: number;
} {
  const items = colourItems(dataset);
  const storedBytes = Object.values(items).reduce((n, s) => n + s.length, 0);
  const inverted = new Map<string, string[]>();
  const codes = jobColourCodes(dataset);
  dataset.jobs.forEach((job, i) => {
    for (const cell of codes[i]!.match(/.{4}/g) ?? []) {
      if (!inverted.has(cell)) inverted.set(cell, []);
      inverted.get(cell)!.push(job.id);
    }
  });
  let invertedBytes = 0;
  for (const [cell, ids] of inverted) invertedBytes += JSON.stringify({ [cell]: ids }).length;
  return {
    storedBytes,
    invertedBytes,
    coloursPerJob: codes.reduce((n, c) => n + c.length / 4, 0) / codes.length,
    distinctColours: inverted.size,
  };
}
