import { isCompanionError } from '@/utils/companion-client';
import { errorMessage, normalizePairingCode } from '@/utils/domain';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';

export const DEFAULT_CLIENT_NAME = 'PixelLab Side Panel (Chrome)';

/** Answers after which the pairing request cannot be used again. */
const PAIRING_OVER = new Set(['pairing_expired', 'pairing_void', 'pairing_not_found']);

/** A failed companion call in the companion's own words (no path in front), for the panel's banner. */
function companionWords(err: unknown): string {
  const words = isCompanionError(err) ? (err.serverMessage ?? err.message) : errorMessage(err);
  return /[.!?)]$/.test(words) ? words : `${words}.`;
}

/** `pairStart` and `pairConfirm`: ask the companion for a code (it prints it), then trade the typed code for a token. */
export function createPairingHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'pairStart' | 'pairConfirm'> {
  const { store, scheduler } = ctx;
  return {
    async pairStart() {
      let request: { requestId: string; expiresAt: number };
      try {
        request = await (await ctx.client()).pairRequest(ctx.clientName ?? DEFAULT_CLIENT_NAME);
      } catch (err) {
        return fail(`Could not start pairing: ${companionWords(err)}`);
      }
      await store.setSyncState({
        pairing: 'required',
        pairingRequest: { requestId: request.requestId, expiresAt: request.expiresAt },
      });
      return { ok: true, message: 'Enter the code the companion printed' };
    },

    async pairConfirm({ code: typed }) {
      const { pairingRequest } = await store.getSyncState();
      if (!pairingRequest) return fail('No pairing in progress: press "Pair with companion" first.');
      const code = normalizePairingCode(typed);
      if (code === null) return fail('The pairing code is the 6 digits the companion printed.');
      let token: string;
      try {
        ({ token } = await (await ctx.client()).pairConfirm(pairingRequest.requestId, code));
      } catch (err) {
        if (isCompanionError(err) && err.code !== null && PAIRING_OVER.has(err.code)) {
          // This request is over: the panel offers "Pair with companion" again.
          await store.setSyncState({ pairingRequest: null });
          return fail(companionWords(err));
        }
        if (isCompanionError(err) && err.code === 'invalid_code') return fail(companionWords(err));
        return fail(`Could not pair: ${companionWords(err)}`);
      }
      await store.patchSettings({ token });
      await store.setSyncState({ pairing: null, pairingRequest: null, nextAttemptAt: null, lastError: null });
      // Forced, so it also runs after a sync in flight that still saw this browser unpaired.
      scheduler.syncNow().catch((err: unknown) => console.error('Sync after pairing failed', err));
      return { ok: true, message: 'Paired with the companion' };
    },
  };
}
