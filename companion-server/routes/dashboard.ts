import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { errorBody } from '../http/http-error';
import { DASHBOARD_PREFIX } from '../middleware/origin-policy/dashboard-origin';

/** The old dashboard's page; `/dashboard/` serves it. */
export const DASHBOARD_PAGE = 'pixellab_dashboard.html';

/**
 * Checks the --dashboard folder at start: its real path (symlinks resolved), or an Error in plain words.
 * A folder without the dashboard's page is served anyway, with a warning through `log`.
 */
export function openDashboardDir(dir: string, log: (line: string) => void): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw new Error(`--dashboard: the folder ${dir} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw new Error(`--dashboard: ${dir} is a file, not a folder`);
  try {
    statSync(join(real, DASHBOARD_PAGE));
  } catch {
    log(`Warning: --dashboard ${dir} has no ${DASHBOARD_PAGE}; /dashboard/ will answer 404.`);
  }
  return real;
}

/**
 * Serves the old dashboard's folder (its page and js/) at /dashboard/, so it talks to the companion
 * from the companion's own origin instead of `null`. Read-only; no dotfiles, no `..`, nothing a
 * symlink points to outside the folder; the page cannot be framed, and its CSP lets no inline script
 * run, so markup that slipped into a prompt cannot run script either.
 */
export function dashboardRoutes(root: string) {
  const notFound = (path: string) => errorBody('not_found', `No file ${path} in the dashboard folder`);
  return new Hono()
    .get(DASHBOARD_PREFIX, (c) => c.redirect(`${DASHBOARD_PREFIX}/`, 301))
    .use(
      `${DASHBOARD_PREFIX}/*`,
      secureHeaders({
        xFrameOptions: 'DENY',
        // Its same-origin GETs carry no Origin; the Referer is how the companion tells them from an extension's.
        referrerPolicy: 'same-origin',
        strictTransportSecurity: false,
        contentSecurityPolicy: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          // The old dashboard's default server URL is http://127.0.0.1:8787, which is another origin from localhost.
          connectSrc: ["'self'", 'http://127.0.0.1:*', 'http://localhost:*'],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
        },
      }),
    )
    .use(`${DASHBOARD_PREFIX}/*`, async (c, next) => {
      const rel = c.req.path.slice(DASHBOARD_PREFIX.length);
      // serveStatic refuses `..`, `%` and backslashes itself; dotfiles (.env, .git) and escaping symlinks are ours.
      if (/\/\./.test(rel) || !insideRoot(root, rel)) return c.json(notFound(c.req.path), 404);
      await next();
    })
    .get(
      `${DASHBOARD_PREFIX}/*`,
      serveStatic({
        root,
        index: DASHBOARD_PAGE,
        rewriteRequestPath: (path) => path.slice(DASHBOARD_PREFIX.length),
      }),
    );
}

/** Whether `rel` resolves (symlinks followed) inside `root`; a missing file counts as inside (serveStatic answers 404). */
function insideRoot(root: string, rel: string): boolean {
  let real: string;
  try {
    real = realpathSync(join(root, rel));
  } catch {
    return true;
  }
  return real === root || real.startsWith(root + sep);
}
