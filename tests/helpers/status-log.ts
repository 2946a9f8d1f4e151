/**
 * Every status each row shows, recorded in the page by a MutationObserver, so a state shorter than a poll
 * interval is still seen. Shared by the Chromium (playwright-core) and Firefox (puppeteer-core) harnesses: both
 * pages run a function given to `evaluate` in the page, with one serialisable argument.
 */

/** What both libraries' pages offer. */
interface EvaluatingPage {
  // `any`: playwright's and puppeteer's evaluate signatures differ in their generics.
  evaluate: (...args: any[]) => Promise<any>;
}

/** Starts recording (once per page); read it with statusHistory(). */
export async function recordStatuses(page: EvaluatingPage): Promise<void> {
  await page.evaluate(() => {
    const w = window as any;
    if (w.__e2eStatusLog) return;
    const log: [string, string][] = (w.__e2eStatusLog = []);
    const last = new Map<string, string>();
    const scan = () => {
      for (const el of document.querySelectorAll('[data-job-id]')) {
        const id = el.getAttribute('data-job-id')!;
        const status = el.getAttribute('data-status') ?? '';
        if (last.get(id) !== status) {
          last.set(id, status);
          log.push([id, status]);
        }
      }
    };
    new MutationObserver(scan).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status', 'data-job-id'],
    });
    scan();
  });
}

/** The distinct statuses a row went through since recordStatuses(), in order. */
export function statusHistory(page: EvaluatingPage, id: string): Promise<string[]> {
  return page.evaluate(
    (jobId: string) =>
      ((window as any).__e2eStatusLog as [string, string][]).filter(([i]) => i === jobId).map(([, s]) => s),
    id,
  );
}
