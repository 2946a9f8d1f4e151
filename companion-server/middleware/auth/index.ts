import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import { errorBody } from '../../http/http-error';
import type { CompanionEnv } from '../env';

export interface AuthOptions {
  /** --token: every route but /health then needs `Authorization: Bearer <token>`. */
  token: string | null;
  /** --require-pairing: every route but /health and /pair/* needs a paired token (or `token`). */
  requirePairing: boolean;
  /** Tokens issued by pairing. Pairing is offered in the default mode (for other extensions) and with --require-pairing. */
  pairings: { verify(token: string): boolean };
}

/** Reachable without a token when pairing is offered: how an unpaired client gets one, and the approval page (it checks its own callers). */
export const PAIRING_PUBLIC_PATHS: readonly string[] = ['/pair/request', '/pair/confirm', '/pair/claim', '/pair'];

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer +(\S+)$/i.exec((header ?? '').trim());
  return m ? m[1]! : null;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who needs a token, after the origin policy named the caller:
 * - with --require-pairing, everyone but on /health and /pair/*: a paired token or --token, else 401 `pairing_required`;
 * - with --token, everyone but on /health: the token, else 401 `unauthorized`;
 * - by default, only extensions that are not trusted (`caller.kind === 'extension'`): a paired token, else 401
 *   `pairing_required`; everyone else is let in, as Ollama lets local processes in.
 * Sets `c.get('authorized')`: whether the caller passed, so /health knows whom to show the account to.
 */
export function auth(options: AuthOptions): MiddlewareHandler<CompanionEnv> {
  const mode = options.requirePairing ? 'pairing' : options.token ? 'token' : 'open';
  const publicPaths = new Set(['/health', ...(mode === 'token' ? [] : PAIRING_PUBLIC_PATHS)]);
  const verify = (given: string) =>
    (options.token !== null && sameToken(given, options.token)) || (mode !== 'token' && options.pairings.verify(given));

  const refusal = (c: Context<CompanionEnv>) =>
    mode === 'token'
      ? errorBody('unauthorized', 'This companion requires a token: send Authorization: Bearer <token>')
      : mode === 'pairing'
        ? errorBody(
            'pairing_required',
            'This companion requires pairing: press "Pair with companion" in the side panel and type the code the companion prints',
          )
        : errorBody(
            'pairing_required',
            `The extension ${c.get('caller').origin} is not one this companion trusts: pair it first (press "Pair with companion" in the side panel and type the code the companion prints), or start the companion with --allow-extension <its id>`,
          );
  // Hono's bearerAuth parses the header and compares; every way it refuses (even a malformed header) is our JSON 401.
  const requireToken = bearerAuth({ verifyToken: (given) => verify(given) });

  return async (c, next) => {
    const caller = c.get('caller');
    const needsToken = !publicPaths.has(c.req.path) && (mode !== 'open' || caller.kind === 'extension');
    if (needsToken) {
      c.set('authorized', true);
      try {
        // bearerAuth is typed for Hono's default env; it reads only the request.
        return await requireToken(c as unknown as Context, next);
      } catch (err) {
        if (!(err instanceof HTTPException)) throw err;
        c.header('WWW-Authenticate', 'Bearer');
        return c.json(refusal(c), 401);
      }
    }
    const given = bearerToken(c.req.header('authorization'));
    const trustedWithoutToken = mode === 'open' && caller.kind !== 'extension';
    c.set('authorized', trustedWithoutToken || (given !== null && verify(given)));
    await next();
  };
}
