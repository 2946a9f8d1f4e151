import { type CompanionClient, isCompanionError } from '@/utils/companion-client';
import type { HistoryStore } from '@/utils/history/store';
import type { SyncState } from '@/utils/storage/layout';

/** Answers after which the pairing request cannot be used again. */
const REQUEST_OVER = new Set(['pairing_expired', 'pairing_void', 'pairing_not_found', 'pairing_denied']);

/**
 * Asks the companion whether the user approved this browser's pairing request on its page (or with
 * `<bin> pair`); once approved, keeps the token in the settings and clears the request. True when paired.
 * A companion older than the page (no /pair/claim) or out of reach changes nothing: the code still works.
 */
export async function claimApprovedPairing(
  store: Pick<HistoryStore, 'patchSettings' | 'setSyncState'>,
  client: Pick<CompanionClient, 'pairClaim'>,
  request: NonNullable<SyncState['pairingRequest']>,
): Promise<boolean> {
  let answer: Awaited<ReturnType<CompanionClient['pairClaim']>>;
  try {
    answer = await client.pairClaim(request.requestId);
  } catch (err) {
    if (isCompanionError(err) && err.code !== null && REQUEST_OVER.has(err.code)) {
      await store.setSyncState({ pairingRequest: null, lastError: err.serverMessage ?? err.message });
    }
    return false;
  }
  if (answer.status !== 'approved') return false;
  await store.patchSettings({ token: answer.token });
  await store.setSyncState({ pairing: null, pairingRequest: null, nextAttemptAt: null, lastError: null });
  return true;
}
