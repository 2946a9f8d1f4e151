/** Section 4's measurement: the panel's heap after first paint and after scrolling every row into view. */
import { type BenchBrowser, heapAfterGc } from '../browser';
import type { Dataset } from '../dataset';
import { scrollThrough } from '../page-scripts';
import { firstRowsOnce, waitForFullIndex } from './first-rows';
import { ROW_HEIGHT } from './profile';

export interface MemorySample {
  heapAfterFirstPaint: number;
  heapAfterScroll: number;
  seen: number;
  steps: number;
  stuck: number;
  scrollMs: number;
  domRows: number;
}

/**
 * A fresh panel tab: heap after first paint, then after scrolling every row into view; both after a forced GC.
 * `viewport`: a taller panel shows more rows per scroll step (the caches do not depend on it), which keeps
 * the walk through 10,000 rows, each waiting for its thumbnail, within the bench's time.
 */
export async function measureMemory(
  b: BenchBrowser,
  dataset: Dataset,
  viewport?: { width: number; height: number },
): Promise<MemorySample> {
  const { page } = await firstRowsOnce(
    b,
    { mode: 'panel', expectRows: dataset.count, rowHeight: ROW_HEIGHT },
    { keep: true, viewport },
  );
  try {
    await waitForFullIndex(page, dataset.count);
    const first = await heapAfterGc(b.context, page);
    const scroll = (await page.evaluate(scrollThrough(ROW_HEIGHT))) as {
      seen: number;
      steps: number;
      stuck: number;
      ms: number;
    };
    const after = await heapAfterGc(b.context, page);
    const domRows = (await page.evaluate(`document.querySelectorAll('[data-job-id]').length`)) as number;
    return {
      heapAfterFirstPaint: first.usedBytes,
      heapAfterScroll: after.usedBytes,
      seen: scroll.seen,
      steps: scroll.steps,
      stuck: scroll.stuck,
      scrollMs: scroll.ms,
      domRows,
    };
  } finally {
    await page.close();
  }
}

/** The baseline page's heap once it holds the whole history (as a page keeping it in memory would). */
export async function baselineHeap(b: BenchBrowser, key: string): Promise<number> {
  const { page } = await firstRowsOnce(
    b,
    { mode: 'baseline', key, rows: 30, keep: true, expectRows: 30, rowHeight: ROW_HEIGHT },
    { keep: true },
  );
  try {
    return (await heapAfterGc(b.context, page)).usedBytes;
  } finally {
    await page.close();
  }
}
