/**
 * Section 12's colour filter, the engine alone in Node: the panel's colour index reader (utils/panel/colour-index.ts)
 * over buckets as the background writes them, for organised rows whose images hold 48 colours each out of 4,096,
 * then the finder with a colour and the other filters. Informational; the target is on the in-panel figures.
 */

import { createColourIndexReader } from '../../utils/panel/colour-index';
import { emptyFilter } from '../../utils/panel/filter';
import { createFinder, type FindQuery } from '../../utils/panel/find';
import type { PanelStorage } from '../../utils/storage/area';
import { colourBucketOf, colourCode, encodeBucket, encodeColourEntry, hexOfColour } from '../../utils/storage/colours';
import { keys } from '../../utils/storage/keys';
import { summarize } from '../stats';
import type { EngineFigure } from './find';
import { organisedRows } from './find';

/** Colours a row's image holds: 48 of a pool of 4,096, so a colour is in about 1 % of the rows. */
function paletteOf(i: number): number[] {
  let seed = ((i + 1) * 2654435761) % 2147483647 || 1;
  const r = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  r();
  return Array.from({ length: 48 }, () => Math.floor(r() * 4096) * 4097);
}

export async function colourEngineFigures(count: number, runs = 7): Promise<EngineFigure[]> {
  const rows = organisedRows(count);
  const buckets = new Map<number, Map<string, string>>();
  rows.forEach((row, i) => {
    const codes = [...new Set(paletteOf(i).map(colourCode))].sort().join('');
    const n = colourBucketOf(row.id);
    if (!buckets.has(n)) buckets.set(n, new Map());
    buckets.get(n)!.set(row.id, encodeColourEntry({ hash8: '00000000', codes }));
  });
  const stored: Record<string, string> = {};
  for (const [n, bucket] of buckets) stored[keys.colourBucket(n)] = encodeBucket(bucket);
  const storage: PanelStorage = {
    get: async (ks) => Object.fromEntries((Array.isArray(ks) ? ks : [ks]).map((k) => [k, stored[k]])),
    onChanged: { addListener() {}, removeListener() {} },
  };
  const load: number[] = [];
  let reader = createColourIndexReader(storage);
  for (let i = 0; i < Math.max(3, Math.floor(runs / 2)); i++) {
    reader = createColourIndexReader(storage);
    const t = performance.now();
    await reader.load();
    load.push(performance.now() - t);
  }
  const query: number[] = [];
  const filtered: number[] = [];
  const finder = createFinder();
  const base: FindQuery = { ...emptyFilter, sort: 'rating', minRating: 2, kind: 'generate' };
  for (let i = 0; i < runs; i++) {
    const rgb = paletteOf(count - 1 - i)[0]!;
    let t = performance.now();
    const ids = reader.jobsWith(rgb);
    query.push(performance.now() - t);
    t = performance.now();
    finder.run(rows, 1, { ...base, colour: hexOfColour(rgb) }, ids);
    filtered.push(performance.now() - t);
  }
  const bytes = Object.values(stored).reduce((n, s) => n + s.length, 0);
  return [
    {
      id: 'engine.colour.load',
      what: `colour index read and parsed (${(bytes / 1e6).toFixed(1)} MB of buckets, 48 colours a job)`,
      ms: summarize(load),
    },
    { id: 'engine.colour.query', what: 'jobs holding a new colour (a binary search per job)', ms: summarize(query) },
    {
      id: 'engine.colour.filter',
      what: 'that colour + rating + kind, sorted by rating (order cached)',
      ms: summarize(filtered),
    },
  ];
}
