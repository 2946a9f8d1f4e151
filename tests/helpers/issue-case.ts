import { expect } from 'vitest';
import { DashboardStorage, dashboardOn } from './old-dashboard';
import { loadIds, until } from './until';

/** The four ids of issue 22's case. */
export const ISSUE_CASE_IDS = ['job-1', 'job-2', 'job-3', 'job-4'];

/**
 * Issue 22's case through the old API, on two companions that share a target (a folder or a server): A's dashboard
 * saves jobs 1 and 2, B's saves 3 (each dashboard counts on its own), then A's saves 4. Every save is answered 200,
 * and both companions' `/load-jobs` end with 1, 2, 3 and 4. Returns how long job-4 took to show on B.
 */
export async function issueCaseThroughOldApi(a: { url: string }, b: { url: string }): Promise<number> {
  const onA = dashboardOn(a);
  await onA.add('one');
  await onA.add('two');
  const onB = dashboardOn(
    b,
    Object.assign(new DashboardStorage(), { text: JSON.stringify({ jobs: [], lastJobId: 3 }) }),
  );
  await onB.add('three');
  onA.counter = 4;
  await onA.add('four');
  const saved = Date.now();
  await until(
    'B holding job-4',
    () => loadIds(b),
    (ids) => ids.includes('job-4'),
  );
  const showedMs = Date.now() - saved;
  for (const answer of [...onA.answers, ...onB.answers]) expect(answer.status).toBe(200);
  for (const c of [a, b])
    await until(
      `${c.url} holding 1-4`,
      () => loadIds(c),
      (ids) => ids.join() === ISSUE_CASE_IDS.join(),
    );
  return showedMs;
}
