import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { normalizePairingCode, PAIRING_CODE_DIGITS, type PairWaiting } from '../../utils/domain';
import { httpError } from '../http/http-error';
import type { PairingStore } from '../store/pairing-store';

/** How long a printed code can be typed, or a request approved on the page. */
export const PAIRING_CODE_TTL_MS = 120_000;
/** After an approval on the page, the requester has at least this long to collect its token. */
const CLAIM_GRACE_MS = 60_000;
/** Wrong codes per request; the last one voids it. */
export const MAX_CODE_ATTEMPTS = 5;
/** Open requests kept per source (pairingSource); its oldest is dropped beyond this. */
const MAX_OPEN_PER_SOURCE = 5;
/** Open requests kept in all; the oldest is dropped beyond this. */
const MAX_OPEN_REQUESTS = 200;

interface PendingPairing {
  code: string;
  /** Names the request on the approval page; not the request id, which only the requester holds. */
  approvalId: string;
  clientName: string;
  /** Where it asks from (its Origin, or "a local program"), printable. */
  from: string;
  expiresAt: number;
  attempts: number;
  /** Who asked (pairingSource): each source keeps only a few open requests, so it cannot push out others'. */
  source: string;
  /**
   * open: takes codes and decisions. confirming: the token is being saved. void: too many wrong codes.
   * approved / denied: decided on the approval page or with `<bin> pair`.
   */
  state: 'open' | 'confirming' | 'void' | 'approved' | 'denied';
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The pairing requests waiting for a decision: by the code printed on the console (typed in the panel), or by
 * an approval on the companion's own page. A token is handed out once, to the requester only (it alone holds the
 * request id), and only its sha-256 is kept (store/pairing-store.ts).
 */
export function createPairingDesk(pairings: PairingStore, now: () => number) {
  const pending = new Map<string, PendingPairing>();

  function sweep(at: number): void {
    // Expired requests stay a while so a late code is told "expired" rather than "unknown".
    for (const [id, p] of pending) if (at >= p.expiresAt + PAIRING_CODE_TTL_MS) pending.delete(id);
  }

  function find(requestId: string): PendingPairing {
    const request = pending.get(requestId);
    if (!request) {
      throw httpError(
        404,
        'pairing_not_found',
        'This pairing request is unknown (the companion may have restarted); start pairing again',
      );
    }
    if (request.state === 'void') {
      throw httpError(
        410,
        'pairing_void',
        `This pairing request had ${MAX_CODE_ATTEMPTS} wrong codes and no longer takes any; start pairing again`,
      );
    }
    if (request.state === 'denied') {
      throw httpError(403, 'pairing_denied', 'This pairing request was denied on the companion');
    }
    if (now() >= request.expiresAt) {
      throw httpError(410, 'pairing_expired', 'The pairing code expired; start pairing again for a new one');
    }
    if (request.state === 'confirming') {
      throw httpError(409, 'pairing_in_progress', 'This pairing request is being confirmed already');
    }
    return request;
  }

  /** Saves a new token for the request and forgets the request; on failure it stays as it was. */
  async function issue(requestId: string, request: PendingPairing): Promise<string> {
    const before = request.state;
    request.state = 'confirming';
    const token = randomBytes(32).toString('base64url');
    try {
      await pairings.add(token, request.clientName);
    } catch (error) {
      // Not saved, so not issued; the same code or claim can be sent again.
      request.state = before;
      throw error;
    }
    pending.delete(requestId);
    return token;
  }

  return {
    /** A new request: its id (for the requester only) and its code (for the console only). */
    open(clientName: string, from: string, source: string) {
      const at = now();
      sweep(at);
      const requestId = randomBytes(16).toString('base64url');
      const code = String(randomInt(0, 10 ** PAIRING_CODE_DIGITS)).padStart(PAIRING_CODE_DIGITS, '0');
      const expiresAt = at + PAIRING_CODE_TTL_MS;
      const approvalId = randomBytes(16).toString('base64url');
      pending.set(requestId, { code, approvalId, clientName, from, expiresAt, attempts: 0, state: 'open', source });
      const ofSource = [...pending].filter(([, p]) => p.source === source);
      for (const [id] of ofSource.slice(0, Math.max(0, ofSource.length - MAX_OPEN_PER_SOURCE))) pending.delete(id);
      while (pending.size > MAX_OPEN_REQUESTS) pending.delete(pending.keys().next().value!);
      return { requestId, code, expiresAt };
    },

    /** The printed code, typed by the user: a token, or 401 with the tries left. */
    async confirm(requestId: string, typed: string): Promise<{ token: string; clientName: string }> {
      const request = find(requestId);
      const code = normalizePairingCode(typed);
      if (code === null || !same(code, request.code)) {
        request.attempts += 1;
        const left = MAX_CODE_ATTEMPTS - request.attempts;
        if (left <= 0) {
          request.state = 'void';
          throw httpError(
            401,
            'invalid_code',
            `Wrong pairing code, and that was the last of ${MAX_CODE_ATTEMPTS} tries; start pairing again for a new code`,
          );
        }
        throw httpError(401, 'invalid_code', `Wrong pairing code; ${left} ${left === 1 ? 'try' : 'tries'} left`);
      }
      return { token: await issue(requestId, request), clientName: request.clientName };
    },

    /** The requester asks whether the page approved it: its token once approved, else when its request expires. */
    async claim(
      requestId: string,
    ): Promise<{ status: 'approved'; token: string; clientName: string } | { status: 'waiting'; expiresAt: number }> {
      const request = find(requestId);
      if (request.state !== 'approved') return { status: 'waiting', expiresAt: request.expiresAt };
      return { status: 'approved', token: await issue(requestId, request), clientName: request.clientName };
    },

    /** The requests a person can decide on now, oldest first. */
    waiting(): PairWaiting[] {
      const at = now();
      sweep(at);
      return [...pending.values()]
        .filter((p) => p.state === 'open' && at < p.expiresAt)
        .map(({ approvalId, clientName, from, expiresAt }) => ({ approvalId, clientName, from, expiresAt }));
    },

    /** A decision from the approval page or `<bin> pair`; the requester collects the token with `claim`. */
    decide(approvalId: string, decision: 'approve' | 'deny'): PairWaiting {
      const at = now();
      const request = [...pending.values()].find((p) => same(p.approvalId, approvalId));
      if (request?.state !== 'open' || at >= request.expiresAt) {
        throw httpError(
          404,
          'pairing_not_found',
          'This pairing request is no longer waiting (it expired, or was decided or used); reload the page',
        );
      }
      request.state = decision === 'approve' ? 'approved' : 'denied';
      if (decision === 'approve') request.expiresAt = Math.max(request.expiresAt, at + CLAIM_GRACE_MS);
      const { clientName, from, expiresAt } = request;
      return { approvalId, clientName, from, expiresAt };
    },
  };
}

export type PairingDesk = ReturnType<typeof createPairingDesk>;
