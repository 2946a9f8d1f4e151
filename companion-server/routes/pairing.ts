import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import {
  normalizePairingCode,
  PAIRING_CODE_DIGITS,
  pairConfirmBodySchema,
  pairRequestBodySchema,
} from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import { readJson } from '../http/body';
import { errorBody, HttpError } from '../http/http-error';
import { printable } from '../http/printable';
import { bearerToken } from '../middleware/auth';
import type { CompanionEnv } from '../middleware/env';
import type { PairingStore } from '../store/pairing-store';
import { createPairingLimiter, pairingSource } from './pairing-limiter';

/** How long a printed code can be typed. */
export const PAIRING_CODE_TTL_MS = 120_000;
/** Wrong codes per request; the last one voids it. */
export const MAX_CODE_ATTEMPTS = 5;
/** Open requests kept per source (pairingSource); its oldest is dropped beyond this. */
const MAX_OPEN_PER_SOURCE = 5;
/** Open requests kept in all; the oldest is dropped beyond this. */
const MAX_OPEN_REQUESTS = 200;

export { MAX_PAIR_REQUESTS_PER_MINUTE, MAX_PAIR_REQUESTS_PER_SOURCE_PER_MINUTE } from './pairing-limiter';

interface PendingPairing {
  code: string;
  clientName: string;
  expiresAt: number;
  attempts: number;
  /** Who asked (pairingSource): each source keeps only a few open requests, so it cannot push out others'. */
  source: string;
  /** open: takes codes. confirming: the right code arrived and the token is being saved. void: too many wrong codes. */
  state: 'open' | 'confirming' | 'void';
}

/** A client name as printed on the console (printable.ts): it cannot fake a console line. */
export function printableName(name: string): string {
  return printable(name, 100, 'unnamed client');
}

function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Pairing, after Joplin's clipper authorisation: `POST /pair/request` prints a one-time code on
 * the companion's console (never in an answer), `POST /pair/confirm` trades that code for a
 * token, `POST /pair/revoke` forgets the caller's token. Only extension pages (or clients with no
 * Origin) may pair, even when --allow-origin lets a web page use the rest of the API. Offered with
 * --require-pairing, and by default for extensions the companion does not trust; not with --token alone.
 */
export function pairingRoutes(deps: CompanionDeps, pairings: PairingStore, print: (line: string) => void) {
  const now = deps.now ?? Date.now;
  // Offered by default too: an extension this companion does not trust pairs before it may do anything.
  const enabled = deps.config.requirePairing === true || !deps.config.token;
  const pending = new Map<string, PendingPairing>();
  const limiter = createPairingLimiter();

  function sweep(at: number): void {
    // Expired requests stay a while so a late code is told "expired" rather than "unknown".
    for (const [id, p] of pending) if (at >= p.expiresAt + PAIRING_CODE_TTL_MS) pending.delete(id);
  }

  /** Keeps each source to a few open requests (its oldest go), and all of them bounded. */
  function keepOpenBounded(source: string): void {
    const ofSource = [...pending].filter(([, p]) => p.source === source);
    for (const [id] of ofSource.slice(0, Math.max(0, ofSource.length - MAX_OPEN_PER_SOURCE))) pending.delete(id);
    while (pending.size > MAX_OPEN_REQUESTS) pending.delete(pending.keys().next().value!);
  }

  return new Hono<CompanionEnv>()
    .use('/pair/*', async (c, next) => {
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

    .post('/pair/request', async (c) => {
      const { clientName } = await readJson(c, pairRequestBodySchema, deps.config.limits.json);
      const at = now();
      sweep(at);
      const name = printableName(clientName);
      const source = pairingSource(c);
      const refused = limiter.take(source, name, at);
      if (refused) throw new HttpError(429, 'too_many_requests', refused);
      const requestId = randomBytes(16).toString('base64url');
      const code = String(randomInt(0, 10 ** PAIRING_CODE_DIGITS)).padStart(PAIRING_CODE_DIGITS, '0');
      const expiresAt = at + PAIRING_CODE_TTL_MS;
      pending.set(requestId, { code, clientName: name, expiresAt, attempts: 0, state: 'open', source });
      keepOpenBounded(source);
      // The name is the client's own word; where it asks from (its extension origin) is not, so it is shown too.
      const from = printable(c.req.header('origin') ?? 'a local program', 100);
      print(
        `Pairing request from "${name}" (${from}): enter code ${code} in the side panel (expires in ${Math.round(PAIRING_CODE_TTL_MS / 1000)} s)`,
      );
      return c.json({ requestId, expiresAt });
    })

    .post('/pair/confirm', async (c) => {
      const body = await readJson(c, pairConfirmBodySchema, deps.config.limits.json);
      const at = now();
      const request = pending.get(body.requestId);
      if (!request) {
        throw new HttpError(
          404,
          'pairing_not_found',
          'This pairing request is unknown (the companion may have restarted); start pairing again',
        );
      }
      if (request.state === 'void') {
        throw new HttpError(
          410,
          'pairing_void',
          `This pairing request had ${MAX_CODE_ATTEMPTS} wrong codes and no longer takes any; start pairing again`,
        );
      }
      if (at >= request.expiresAt) {
        throw new HttpError(410, 'pairing_expired', 'The pairing code expired; start pairing again for a new one');
      }
      if (request.state === 'confirming') {
        throw new HttpError(409, 'pairing_in_progress', 'This pairing request is being confirmed already');
      }
      const code = normalizePairingCode(body.code);
      if (code === null || !sameCode(code, request.code)) {
        request.attempts += 1;
        const left = MAX_CODE_ATTEMPTS - request.attempts;
        if (left <= 0) {
          request.state = 'void';
          throw new HttpError(
            401,
            'invalid_code',
            `Wrong pairing code, and that was the last of ${MAX_CODE_ATTEMPTS} tries; start pairing again for a new code`,
          );
        }
        throw new HttpError(401, 'invalid_code', `Wrong pairing code; ${left} ${left === 1 ? 'try' : 'tries'} left`);
      }
      request.state = 'confirming';
      const token = randomBytes(32).toString('base64url');
      try {
        await pairings.add(token, request.clientName);
      } catch (error) {
        // Not saved, so not issued; the same code can be sent again.
        request.state = 'open';
        throw error;
      }
      pending.delete(body.requestId);
      print(`Paired with "${request.clientName}".`);
      return c.json({ token });
    })

    .post('/pair/revoke', async (c) => {
      // Forgets only the token the caller holds; without --token or pairing mode a trusted caller gets here with none.
      const token = bearerToken(c.req.header('authorization'));
      const revoked = token !== null && (await pairings.revoke(token));
      if (revoked) print('A paired client revoked its token.');
      return c.json({ revoked });
    });
}
