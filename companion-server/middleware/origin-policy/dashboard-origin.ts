/** The routes of the old API: all the served old dashboard may reach, besides its own files. */
export const OLD_API_PATHS: readonly string[] = [
  '/health',
  '/balance',
  '/load-jobs',
  '/save-jobs',
  '/clear-history',
  '/generate-character',
  '/rotate-character',
];

/** Where --dashboard serves its folder. */
export const DASHBOARD_PREFIX = '/dashboard';

/** A file of the served dashboard (or its folder). */
export function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PREFIX || path.startsWith(`${DASHBOARD_PREFIX}/`);
}

/** The pairing approval page (routes/pair-page.ts), which the companion serves whether or not it serves the dashboard. */
export const PAIR_PAGE_PATH = '/pair';

/**
 * What a page the companion served may reach from its own origin: the pairing page always; the old API and the
 * dashboard's files only when it serves the dashboard.
 */
export function isDashboardReachable(path: string, dashboardServed = true): boolean {
  return path === PAIR_PAGE_PATH || (dashboardServed && (OLD_API_PATHS.includes(path) || isDashboardPath(path)));
}

/**
 * Whether `origin` is the companion's own (a page it served), given the loopback Host the request was
 * sent to: http://127.0.0.1, localhost or [::1], on the same port. A page of another local server has
 * another port; the Host was checked to be loopback before this runs.
 */
export function isOwnOrigin(origin: string, host: string): boolean {
  const m = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(?::(\d{1,5}))?$/.exec(origin);
  if (!m) return false;
  const hostPort = /:(\d{1,5})$/.exec(host)?.[1] ?? '80';
  return Number(m[2] ?? '80') === Number(hostPort);
}
