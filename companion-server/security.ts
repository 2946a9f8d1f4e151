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
}

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
  return EXTENSION_ORIGIN.test(origin) || allowOrigins.includes(origin);
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
  const publicPaths = new Set(options.publicPaths ?? ['/health']);
  return async (c, next) => {
    if (!isLoopbackHost(c.req.header('host'))) {
      return c.json(errorBody('host_refused', 'This companion only answers requests addressed to a loopback name (127.0.0.1, localhost, [::1])'), 403);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !isAllowedOrigin(origin, options.allowOrigins)) {
      return c.json(errorBody('origin_refused', `Requests from the origin "${origin}" are refused; start the companion with --allow-origin ${origin} to allow it`), 403);
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
    if (options.token && !publicPaths.has(c.req.path) && !tokenMatches(c.req.header('authorization'), options.token)) {
      return c.json(errorBody('unauthorized', 'This companion requires a token: send Authorization: Bearer <token>'), 401);
    }
    await next();
  };
}
