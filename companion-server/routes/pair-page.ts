import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { NONCE, type SecureHeadersVariables, secureHeaders } from 'hono/secure-headers';
import { COMPANION_PAIR_COMMAND, type PairPageJson, pairDecisionBodySchema } from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import { httpError } from '../http/http-error';
import { jsonBody } from '../http/validate';
import type { CompanionEnv } from '../middleware/env';
import { isOwnOrigin } from '../middleware/origin-policy/dashboard-origin';
import { pairPageHtml } from './pair-page-html';
import { pairingEnabled } from './pairing';
import type { PairingDesk } from './pairing-desk';

/** How long a page's proof is honoured: long enough to read the page and decide. */
const PROOF_TTL_MS = 15 * 60_000;
/** Proofs kept at once; the oldest go first (every page load mints one). */
const MAX_PROOFS = 100;

/**
 * Pairing approved where a person can see it, even when the companion runs as a login service with no
 * console (DESIGN.md, "Who may do what"): `GET /pair` shows the waiting requests by name and origin,
 * `POST /pair` takes a decision.
 * - The page is served to a browser tab (`Sec-Fetch-Dest: document`) or a program that sends no Sec-Fetch
 *   headers (`<bin> pair`, which asks for JSON); never to a fetch from a page or an extension, which could
 *   read the proof.
 * - It cannot be framed (CSP frame-ancestors 'none', X-Frame-Options DENY), runs only its own script (a
 *   nonce), and keeps no referrer.
 * - A decision must come from the companion's own origin, same-origin, with the proof of a page it served
 *   (a one-time value, like a CSRF token), as JSON (which a page elsewhere cannot send without a preflight).
 * Only the requester, which alone holds the request id, then collects the token (`POST /pair/claim`).
 */
export function pairPageRoutes(deps: CompanionDeps, desk: PairingDesk, print: (line: string) => void) {
  const now = deps.now ?? Date.now;
  const enabled = pairingEnabled(deps.config);
  const proofs = new Map<string, number>();

  function mintProof(): string {
    const at = now();
    for (const [proof, until] of proofs) if (until <= at) proofs.delete(proof);
    while (proofs.size >= MAX_PROOFS) proofs.delete(proofs.keys().next().value!);
    const proof = randomBytes(24).toString('base64url');
    proofs.set(proof, at + PROOF_TTL_MS);
    return proof;
  }

  function provenBy(given: string): boolean {
    const at = now();
    for (const [proof, until] of proofs) {
      const a = Buffer.from(given);
      const b = Buffer.from(proof);
      if (until > at && a.length === b.length && timingSafeEqual(a, b)) return true;
    }
    return false;
  }

  const refuseWhenDisabled = () => {
    if (!enabled) {
      throw httpError(
        404,
        'pairing_disabled',
        'This companion uses a fixed token (--token), not pairing; start it with --require-pairing to pair',
      );
    }
  };

  return new Hono<CompanionEnv & { Variables: SecureHeadersVariables }>()
    .get(
      '/pair',
      secureHeaders({
        xFrameOptions: 'DENY',
        referrerPolicy: 'no-referrer',
        strictTransportSecurity: false,
        contentSecurityPolicy: {
          defaultSrc: ["'none'"],
          scriptSrc: [NONCE],
          styleSrc: [NONCE],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'none'"],
          baseUri: ["'none'"],
        },
      }),
      async (c) => {
        refuseWhenDisabled();
        const dest = c.req.header('sec-fetch-dest');
        if (dest !== undefined && dest !== 'document') {
          throw httpError(
            403,
            'page_refused',
            'The pairing page opens in a browser tab: go to /pair on the companion, or run the pair command',
          );
        }
        c.header('Cache-Control', 'no-store');
        const csrf = mintProof();
        const waiting = desk.waiting();
        if (dest === undefined && (c.req.header('accept') ?? '').includes('application/json')) {
          return c.json({ csrf, waiting } satisfies PairPageJson);
        }
        return c.html(pairPageHtml({ waiting, csrf, nonce: c.get('secureHeadersNonce') ?? '', now: now() }));
      },
    )

    .post(
      '/pair',
      // Who may decide is answered before the body is read.
      async (c, next) => {
        refuseWhenDisabled();
        const origin = c.req.header('origin');
        const site = c.req.header('sec-fetch-site');
        if (
          !origin ||
          !isOwnOrigin(origin, c.req.header('host') ?? '') ||
          (site !== undefined && site !== 'same-origin')
        ) {
          throw httpError(
            403,
            'approval_refused',
            `Pairing is approved only on the companion's own page (/pair on the companion) or with ${COMPANION_PAIR_COMMAND}`,
          );
        }
        await next();
      },
      jsonBody(pairDecisionBodySchema, deps.config.limits.json),
      async (c) => {
        const body = c.req.valid('json');
        if (!provenBy(body.csrf)) {
          throw httpError(403, 'proof_refused', 'This pairing page is out of date: reload it and decide again');
        }
        const decided = desk.decide(body.approvalId, body.decision);
        print(
          body.decision === 'approve'
            ? `Pairing approved on the companion's page for "${decided.clientName}" (${decided.from}).`
            : `Pairing denied on the companion's page for "${decided.clientName}" (${decided.from}).`,
        );
        return c.json({ status: body.decision === 'approve' ? 'approved' : 'denied', clientName: decided.clientName });
      },
    );
}
