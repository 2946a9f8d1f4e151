import type { MiddlewareHandler } from 'hono';
import { errorBody } from '../../http/http-error';

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

/** Refuses a request whose Host is not a loopback name (127.x.x.x, localhost, [::1]) with 403 `host_refused`. */
export function loopbackHost(): MiddlewareHandler {
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
    await next();
  };
}
