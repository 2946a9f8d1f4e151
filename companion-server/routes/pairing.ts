import { Hono } from 'hono';
import { pairClaimBodySchema, pairConfirmBodySchema, pairRequestBodySchema } from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import { errorBody, httpError } from '../http/http-error';
import { printable } from '../http/printable';
import { jsonBody } from '../http/validate';
import { bearerToken } from '../middleware/auth';
import type { CompanionEnv } from '../middleware/env';
import type { PairingStore } from '../store/pairing-store';
import { PAIRING_CODE_TTL_MS, type PairingDesk } from './pairing-desk';
import { createPairingLimiter, pairingSource } from './pairing-limiter';

export { MAX_CODE_ATTEMPTS, PAIRING_CODE_TTL_MS } from './pairing-desk';
export { MAX_PAIR_REQUESTS_PER_MINUTE, MAX_PAIR_REQUESTS_PER_SOURCE_PER_MINUTE } from './pairing-limiter';

/** A client name as printed on the console (printable.ts): it cannot fake a console line. */
export function printableName(name: string): string {
  return printable(name, 100, 'unnamed client');
}

/** Whether this companion offers pairing: with --require-pairing, and by default; not with --token alone. */
export function pairingEnabled(config: CompanionDeps['config']): boolean {
  return config.requirePairing === true || !config.token;
}

/**
 * Pairing, after Joplin's clipper authorisation: `POST /pair/request` prints a one-time code on
 * the companion's console (never in an answer), `POST /pair/confirm` trades that code for a
 * token, `POST /pair/claim` hands the token over once the request was approved on the companion's page
 * (routes/pair-page.ts), `POST /pair/revoke` forgets the caller's token. Only extension pages (or clients with no
 * Origin) may pair, even when --allow-origin lets a web page use the rest of the API. Offered with
 * --require-pairing, and by default for extensions the companion does not trust; not with --token alone.
 */
export function pairingRoutes(
  deps: CompanionDeps,
  pairings: PairingStore,
  desk: PairingDesk,
  print: (line: string) => void,
) {
  const enabled = pairingEnabled(deps.config);
  const limiter = createPairingLimiter();
  const now = deps.now ?? Date.now;

  return new Hono<CompanionEnv>()
    .use('/pair/*', async (c, next) => {
      // The approval page itself (routes/pair-page.ts) has its own rules.
      if (c.req.path === '/pair') return next();
      const caller = c.get('caller');
      if (caller.kind === 'web' || caller.kind === 'dashboard') {
        return c.json(
          errorBody(
            'origin_refused',
            `Pairing is only open to the browser extension, not to the origin "${caller.origin ?? 'of this companion'}"`,
          ),
          403,
        );
      }
      if (!enabled) {
        return c.json(
          errorBody(
            'pairing_disabled',
            'This companion uses a fixed token (--token), not pairing; start it with --require-pairing to pair',
          ),
          404,
        );
      }
      await next();
    })

    .post('/pair/request', jsonBody(pairRequestBodySchema, deps.config.limits.json), async (c) => {
      const { clientName } = c.req.valid('json');
      const name = printableName(clientName);
      const source = pairingSource(c);
      const refused = limiter.take(source, name, now());
      if (refused) throw httpError(429, 'too_many_requests', refused);
      // The name is the client's own word; where it asks from (its extension origin) is not, so it is shown too.
      const from = printable(c.req.header('origin') ?? 'a local program', 100);
      const { requestId, code, expiresAt } = desk.open(name, from, source);
      print(
        `Pairing request from "${name}" (${from}): enter code ${code} in the side panel (expires in ${Math.round(PAIRING_CODE_TTL_MS / 1000)} s)`,
      );
      return c.json({ requestId, expiresAt });
    })

    .post('/pair/confirm', jsonBody(pairConfirmBodySchema, deps.config.limits.json), async (c) => {
      const body = c.req.valid('json');
      const { token, clientName } = await desk.confirm(body.requestId, body.code);
      print(`Paired with "${clientName}".`);
      return c.json({ token });
    })

    .post('/pair/claim', jsonBody(pairClaimBodySchema, deps.config.limits.json), async (c) => {
      const { requestId } = c.req.valid('json');
      const answer = await desk.claim(requestId);
      if (answer.status === 'waiting') return c.json(answer);
      print(`Paired with "${answer.clientName}".`);
      return c.json({ status: answer.status, token: answer.token });
    })

    .post('/pair/revoke', async (c) => {
      // Forgets only the token the caller holds; without --token or pairing mode a trusted caller gets here with none.
      const token = bearerToken(c.req.header('authorization'));
      const revoked = token !== null && (await pairings.revoke(token));
      if (revoked) print('A paired client revoked its token.');
      return c.json({ revoked });
    });
}
