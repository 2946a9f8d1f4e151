import type { Context, MiddlewareHandler } from 'hono';
import { every } from 'hono/combine';
import { cors } from 'hono/cors';
import { errorBody } from '../../http/http-error';
import { printable } from '../../http/printable';
import type { Caller, CompanionEnv } from '../env';
import { isDashboardPath, isDashboardReachable, isOwnOrigin, OLD_API_PATHS } from './dashboard-origin';
import { isExtensionOrigin, isTrustedExtension } from './extension-ids';

export interface OriginPolicyOptions {
  /** Web origins allowed with --allow-origin. `null` is never allowed: any website can send it from a sandboxed frame. */
  allowOrigins: readonly string[];
  /** --allow-extension values, as parseAllowedExtension returns them. */
  allowExtensions: readonly string[];
  /** Whether the old dashboard is served at /dashboard/: its origin is then allowed, on the old API routes only. */
  dashboard: boolean;
  /**
   * The console. A refused web page cannot read the 403's words (no CORS headers), so the first refusal of
   * each origin is also printed here, with the way to let it in.
   */
  log?: (line: string) => void;
}

/** Origins whose refusal was printed; past this many, refusals are no longer printed (a page cannot flood the console). */
const MAX_REFUSALS_PRINTED = 20;

type Classified = { caller: Caller } | { refused: 'origin' | 'no-origin' };

/** Who is asking, from Origin, Sec-Fetch-Site and Host; or why the request is refused. */
export function classifyCaller(
  headers: { origin?: string; site?: string; referer?: string; host: string },
  options: Pick<OriginPolicyOptions, 'allowOrigins' | 'allowExtensions' | 'dashboard'>,
): Classified {
  const { origin, site, referer, host } = headers;
  if (origin === undefined) {
    // A web page's no-cors request (an <img>, a form, a no-cors fetch) carries no Origin, but the
    // browser marks it cross-site. Chrome marks an extension's requests `none`, Firefox `same-origin`; tools send nothing.
    if (site === 'cross-site' || site === 'same-site') return { refused: 'no-origin' };
    // A same-origin GET from the served dashboard carries no Origin either, but its Referer (the dashboard's
    // Referrer-Policy is same-origin). Firefox marks an extension's GETs same-origin too, with no Referer.
    if (site === 'same-origin' && options.dashboard && isDashboardPage(referer, host)) {
      return { caller: { kind: 'dashboard', origin: null } };
    }
    return { caller: { kind: 'script', origin: null } };
  }
  if (isExtensionOrigin(origin)) {
    const kind = isTrustedExtension(origin, options.allowExtensions) ? 'trusted-extension' : 'extension';
    return { caller: { kind, origin } };
  }
  // A page the companion served (the old dashboard, the pairing page): what it may reach is checked per route.
  if (isOwnOrigin(origin, host)) return { caller: { kind: 'dashboard', origin } };
  if (origin !== 'null' && options.allowOrigins.includes(origin)) return { caller: { kind: 'web', origin } };
  return { refused: 'origin' };
}

/**
 * Any web page can send requests to 127.0.0.1. This refuses web origins unless allowed, keeps the served
 * dashboard to the old API, records the caller (`c.get('caller')`), and answers CORS (Hono's `cors`)
 * only to the origins it let through.
 */
export function originPolicy(options: OriginPolicyOptions): MiddlewareHandler<CompanionEnv> {
  const printed = new Set<string>();
  const printRefusal = (c: Context, origin: string) => {
    if (!options.log || printed.has(origin) || printed.size >= MAX_REFUSALS_PRINTED) return;
    printed.add(origin);
    options.log(refusalLine(origin, c.req.method, c.req.path, c.req.header('host') ?? '127.0.0.1:8787'));
  };

  const classify: MiddlewareHandler<CompanionEnv> = async (c, next) => {
    const origin = c.req.header('origin');
    const found = classifyCaller(
      {
        origin,
        site: c.req.header('sec-fetch-site'),
        referer: c.req.header('referer'),
        host: c.req.header('host') ?? '',
      },
      options,
    );
    if ('refused' in found) {
      if (found.refused === 'no-origin') {
        return c.json(errorBody('origin_refused', 'Cross-site requests without an Origin are refused'), 403);
      }
      printRefusal(c, origin!);
      return c.json(errorBody('origin_refused', refusalMessage(origin!)), 403);
    }
    if (found.caller.kind === 'dashboard' && !isDashboardReachable(c.req.path, options.dashboard)) {
      return c.json(
        errorBody(
          'route_refused',
          options.dashboard
            ? `The old dashboard may only use the old API (${OLD_API_PATHS.join(', ')}); ${c.req.method} ${c.req.path} is refused to it`
            : `Pages of the companion's own origin may only use /pair; ${c.req.method} ${c.req.path} is refused to them (the old dashboard needs --dashboard)`,
        ),
        403,
      );
    }
    c.set('caller', found.caller);
    await next();
  };

  const answerCors = cors({
    // Only an origin this policy let through gets a header; a request without an Origin gets none.
    origin: (origin, c: Context<CompanionEnv>) => (origin && c.get('caller')?.origin === origin ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'Authorization'],
    maxAge: 600,
  });
  return every(classify, answerCors);
}

/** Whether a Referer is a page under /dashboard/ on the companion's own origin. */
function isDashboardPage(referer: string | undefined, host: string): boolean {
  if (!referer) return false;
  try {
    const url = new URL(referer);
    return isOwnOrigin(url.origin, host) && isDashboardPath(url.pathname);
  } catch {
    return false;
  }
}

function refusalMessage(origin: string): string {
  const shown = origin.slice(0, 200);
  if (origin === 'null') {
    return 'Requests from the origin "null" (a page opened from a file, or a sandboxed frame of any website) are refused and cannot be allowed; to use the old dashboard, start the companion with --dashboard <its folder> and open /dashboard/ on the companion';
  }
  return `Requests from the origin "${shown}" are refused; for the old dashboard, start the companion with --dashboard <its folder> and open /dashboard/ on the companion, or allow this origin with --allow-origin ${shown}`;
}

/** One console line per refused origin, every untrusted part through printable(). */
export function refusalLine(origin: string, method: string, path: string, host: string): string {
  const shownOrigin = printable(origin);
  const request = `${printable(method, 20)} ${printable(path)}`;
  const dashboard = `start the companion with --dashboard <the folder of pixellab_dashboard.html> and open http://${printable(host, 100)}/dashboard/`;
  if (origin === 'null') {
    return `Refused ${request} from the web origin "null" (a page opened from a file, such as the old dashboard, or a sandboxed frame). Any website can send "null" from a sandboxed frame, so it cannot be allowed; to use the old dashboard, ${dashboard}. Further requests from it are refused without a line.`;
  }
  const flag = /^[\x21-\x7e]+$/.test(origin) && printable(origin) === origin ? origin : '<origin>';
  return `Refused ${request} from the web origin "${shownOrigin}". If this is the old dashboard, ${dashboard} instead; to let that page use the companion, start it with --allow-origin ${flag}. Further requests from it are refused without a line.`;
}
