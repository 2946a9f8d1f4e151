/**
 * Section 5's floor: the least any first sync could cost in this browser. A fresh profile's service worker
 * fetches the same /api/v1/changes pages as the extension (the next asked for while one is stored) and sets each
 * page's job records into chrome.storage.local as they came: no validation, no merge, no index, no aggregates,
 * no images. What a real first sync adds above it is the store's own work; what it costs is the browser's.
 */
import { openProfile } from './profile';

export interface FirstSyncFloorSample {
  ms: number;
  pages: number;
  jobs: number;
}

/** Runs inside the worker: only fetch, JSON and storage.set. */
const FLOOR = `async ({ url, size }) => {
  const page = (since) => fetch(url + '/api/v1/changes?since=' + since + '&limit=' + size + '&v=2', {
    headers: { Accept: 'application/json' },
  }).then((r) => { if (!r.ok) throw new Error('changes answered ' + r.status); return r.json(); });
  const t = performance.now();
  let since = 0, pages = 0, jobs = 0;
  let next = page(0);
  for (;;) {
    const got = await next;
    const more = got.hasMore && got.lastSeq > since;
    if (more) next = page(got.lastSeq);
    const items = {};
    for (const job of got.changes) items['job:' + job.id] = job;
    await chrome.storage.local.set(items);
    pages++;
    jobs += got.changes.length;
    since = got.lastSeq;
    if (!more) break;
  }
  return { ms: performance.now() - t, pages, jobs };
}`;

export async function firstSyncFloor(
  extDir: string,
  dir: string,
  companionUrl: string,
  pageSize: number,
): Promise<FirstSyncFloorSample> {
  const b = await openProfile(extDir, dir);
  try {
    // A fresh profile has no companion set: the extension's own background stays idle meanwhile.
    return (await b.worker.evaluate(
      `(${FLOOR})(${JSON.stringify({ url: companionUrl, size: pageSize })})`,
    )) as FirstSyncFloorSample;
  } finally {
    await b.close();
  }
}
