/**
 * Issue 21's figures: opening Insights over the whole history (click to the first plot painted), and the same
 * with a search typed first, when the plots are computed on demand over the matching jobs.
 */
import type { Page } from 'playwright-core';
import { AFTER_FRAME } from '../page-scripts';

export interface InsightsSample {
  /** What narrowed the history when Insights opened ('' for the whole of it). */
  search: string;
  /** click -> Insights shows its numbers and a plot's canvas (the DOM). */
  domMs: number;
  /** click -> after the next frame with that DOM. */
  paintedMs: number;
  /** click -> the top prompts shown too (they are counted over every row after the first paint). */
  completeMs: number;
}

/** Waits for the click on "Insights", then for its numbers and a drawn plot, then for the frame that paints them. */
const armInsights = `(() => {
  ${AFTER_FRAME}
  const S = (window.__benchInsights = { t0: null, dom: null, painted: null, complete: null });
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Insights');
  button.addEventListener('click', () => { S.t0 = performance.now(); }, { once: true, capture: true });
  // Its numbers shown, and every plot drawn (uPlot's canvas in each plot's box); the top prompts may still be
  // counting (the one part that walks every row, after the first paint).
  const ready = () => {
    const view = document.querySelector('[data-testid="insights"]');
    if (!view || view.querySelector('.insights-loading[aria-busy="true"]') || !view.querySelector('[data-testid="spent-today"]')) return false;
    const plots = [...view.querySelectorAll('.plot')];
    return plots.length > 0 && plots.every((p) => p.querySelector('canvas'));
  };
  const complete = () => !document.querySelector('[data-testid="insights"] [aria-busy="true"]');
  const observer = new MutationObserver(() => {
    if (S.t0 === null || !ready()) return;
    if (S.dom === null) {
      S.dom = performance.now();
      afterFrame((t) => { S.painted = t; });
    }
    if (complete()) {
      observer.disconnect();
      afterFrame((t) => { S.complete = t; });
    }
  });
  observer.observe(document.body, { childList: true, subtree: true, attributes: true });
})()`;

async function openOnce(page: Page, search: string): Promise<InsightsSample> {
  await page.evaluate(armInsights);
  await page.getByRole('button', { name: 'Insights', exact: true }).click();
  await page.waitForFunction(() => (window as any).__benchInsights?.complete != null, undefined, {
    polling: 20,
    timeout: 30_000,
  });
  const s = (await page.evaluate('window.__benchInsights')) as {
    t0: number;
    dom: number;
    painted: number;
    complete: number;
  };
  await page.getByRole('button', { name: 'Back to history' }).click();
  await page.getByRole('heading', { name: 'Insights', exact: true }).waitFor({ state: 'detached' });
  return { search, domMs: s.dom - s.t0, paintedMs: s.painted - s.t0, completeMs: s.complete - s.t0 };
}

/** Searches typed before Insights opens: a broad one and a narrow one (the dataset's prompts hold both). */
export const INSIGHTS_SEARCHES = ['knight', '#12'];

/**
 * `runs` opens over the whole history, then `runs` with each of `searches` typed first. The range is set to
 * "All" first (the panel keeps it while it is open): the dataset's jobs are dated 2025, and every one of them
 * is then in every plot.
 */
export async function measureInsights(page: Page, runs: number, searches: string[]): Promise<InsightsSample[]> {
  await page.getByRole('button', { name: 'Insights', exact: true }).click();
  await page.getByRole('radio', { name: 'All', exact: true }).click();
  await page.locator('[data-testid="insights"] .plot canvas').first().waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Back to history' }).click();
  const samples: InsightsSample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await openOnce(page, ''));
  const input = page.getByLabel('Search', { exact: true });
  for (const search of searches) {
    await input.fill(search);
    await page.waitForTimeout(300);
    for (let i = 0; i < runs; i++) samples.push(await openOnce(page, search));
  }
  await input.fill('');
  return samples;
}
