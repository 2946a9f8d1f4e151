import type { MiddlewareHandler } from 'hono';
import { every } from 'hono/combine';
import { auth } from './auth';
import type { CompanionEnv } from './env';
import { loopbackHost } from './loopback-host';
import { originPolicy } from './origin-policy';
import { refuseSimpleContentTypes } from './simple-content-type';

export interface SecurityOptions {
  /** Web origins allowed with --allow-origin (never `null`). */
  allowOrigins: readonly string[];
  /** --allow-extension values (parseAllowedExtension). */
  allowExtensions?: readonly string[];
  /** Whether the old dashboard is served at /dashboard/. */
  dashboard?: boolean;
  /** --token. */
  token: string | null;
  /** --require-pairing. */
  requirePairing?: boolean;
  /** Paired tokens (offered in the default mode too, to extensions that are not trusted). */
  pairings: { verify(token: string): boolean };
  /** The console, for refusals a page cannot read. */
  log?: (line: string) => void;
}

/**
 * Any web page can send requests to 127.0.0.1, so, in this order: a loopback Host (DNS rebinding), an
 * allowed origin and CORS for it, the token or pairing the mode asks of this caller, and no body type a
 * page could send without a preflight. Each step is a middleware of its own in middleware/.
 */
export function security(options: SecurityOptions): MiddlewareHandler<CompanionEnv> {
  return every(
    loopbackHost(),
    originPolicy({
      allowOrigins: options.allowOrigins,
      allowExtensions: options.allowExtensions ?? [],
      dashboard: options.dashboard ?? false,
      log: options.log,
    }),
    auth({ token: options.token, requirePairing: options.requirePairing ?? false, pairings: options.pairings }),
    refuseSimpleContentTypes(),
  );
}
