import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './http-error';

export interface SecurityOptions {
  /** Exact origins allowed besides extension origins, e.g. `http://localhost:5500` or `null`. */
  allowOrigins: readonly string[];
  /** When set, every route but `/health` needs `Authorization: Bearer <token>`. */
  token: string | null;
  /** Paths reachable without the token (health, so the extension can recognise the companion). */
  publicPaths?: readonly string[];
  /**
   * When set, pairing is required: tokens it issued are accepted (besides `token`), the pairing
   * routes are public, and anything else without a token gets 401 `pairing_required`.
   */
  pairing?: { verify(token: string): boolean } | null;
  /**
   * The console. A refused web page cannot read the 403's words (no CORS headers), so the first refusal of
   * each origin is also printed here, with the flag that would allow it.
   */
  log?: (line: string) => void;
}

/** Origins whose refusal was printed; past this many, refusals are no longer printed (a page cannot flood the console). */
const MAX_REFUSALS_PRINTED = 20;

/** Reachable without a token when pairing is required: how an unpaired client gets one. */
export const PAIRING_PUBLIC_PATHS = ['/pair/request', '/pair/confirm'] as const;

/** CORS-safelisted request content types: what a web page can POST without a preflight. */
const SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

const EXTENSION_ORIGIN = /^(chrome|moz|safari-web)-extension:\/\/[A-Za-z0-9._-]+$/;

/** Loopback names only: anything else in Host is a DNS-rebinding attempt. */
export function isLoopbackHost(host: string | undefined): boolean {
  // Only host[:port]: no userinfo, paths or spaces that a URL parser would quietly drop.
  if (!host || !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (hostname === '[::1]') return true;
  return /^127(\.\d{1,3}){3}$/.test(hostname) && hostname.split('.').every((p) => Number(p) <= 255);
}

/** Extension origins always; web origins (`http:`, `https:`, `null`, ...) only when listed. */
export function isAllowedOrigin(origin: string, allowOrigins: readonly string[]): boolean {
  return isExtensionOrigin(origin) || allowOrigins.includes(origin);
}

/** `chrome-extension://<id>`, `moz-extension://<uuid>`, `safari-web-extension://<id>`. */
export function isExtensionOrigin(origin: string): boolean {
  return EXTENSION_ORIGIN.test(origin);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1]!.trim() : null;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Any web page can send requests to 127.0.0.1, so: refuse non-loopback Host headers, refuse
 * web origins unless allowed, answer CORS only to allowed origins, and check the token.
 */
export function security(options: SecurityOptions): MiddlewareHandler {
  const pairing = options.pairing ?? null;
  const publicPaths = new Set([...(options.publicPaths ?? ['/health']), ...(pairing ? PAIRING_PUBLIC_PATHS : [])]);
  const printed = new Set<string>();
  const printRefusal = (origin: string, method: string, path: string) => {
    if (!options.log || printed.has(origin) || printed.size >= MAX_REFUSALS_PRINTED) return;
    printed.add(origin);
    const shown = JSON.stringify(origin.slice(0, 200));
    const what =
      origin === 'null' ? ' (a page opened from a file, such as the old dashboard, or a sandboxed frame)' : '';
    const flag = /^[\x21-\x7e]+$/.test(origin) ? origin : '<origin>';
    options.log(
      `Refused ${method} ${path.slice(0, 200)} from the web origin ${shown}${what}. To let that page use the companion, start it with --allow-origin ${flag}. Further requests from it are refused without a line.`,
    );
  };
  return async (c, next) => {
    if (!isLoopbackHost(c.req.header('host'))) {
      return c.json(
        errorBody(
          'host_refused',
          'This companion only answers requests addressed to a loopback name (127.0.0.1, localhost, [::1])',
        ),
        403,
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !isAllowedOrigin(origin, options.allowOrigins)) {
      printRefusal(origin, c.req.method, c.req.path);
      return c.json(
        errorBody(
          'origin_refused',
          `Requests from the origin "${origin}" are refused; start the companion with --allow-origin ${origin} to allow it`,
        ),
        403,
      );
    }
    // A web page's no-cors request (an <img>, a form, a no-cors fetch) carries no Origin, but the
    // browser marks it cross-site; the extension's own requests are marked `none`.
    const site = c.req.header('sec-fetch-site');
    if (origin === undefined && (site === 'cross-site' || site === 'same-site')) {
      return c.json(errorBody('origin_refused', 'Cross-site requests without an Origin are refused'), 403);
    }
    if (origin !== undefined) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
    }
    if (c.req.method === 'OPTIONS') {
      if (origin === undefined) return c.body(null, 204);
      c.header('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type, Authorization');
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    if (pairing && !publicPaths.has(c.req.path)) {
      const header = c.req.header('authorization');
      const given = bearerToken(header);
      if (!(options.token && tokenMatches(header, options.token)) && !(given && pairing.verify(given))) {
        return c.json(
          errorBody(
            'pairing_required',
            'This companion requires pairing: press "Pair with companion" in the side panel and type the code the companion prints',
          ),
          401,
        );
      }
    } else if (
      options.token &&
      !publicPaths.has(c.req.path) &&
      !tokenMatches(c.req.header('authorization'), options.token)
    ) {
      return c.json(
        errorBody('unauthorized', 'This companion requires a token: send Authorization: Bearer <token>'),
        401,
      );
    }
    // The content types a page may send without a preflight never carry a legitimate request here.
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.method !== 'OPTIONS' && SIMPLE_TYPES.has(type)) {
      return c.json(errorBody('unsupported_media_type', 'Send the body as application/json'), 415);
    }
    await next();
  };
}
