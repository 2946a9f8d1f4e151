import { type CompanionError, isCompanionError } from '@/utils/companion-client';

/** Why a sync stops early, and which companion refusals are worth retrying. */

/** The companion answered with another serverId mid-run: the next run starts over from 0. */
export class ServerChangedError extends Error {}

export const PAIRING_REQUIRED_MESSAGE =
  'The companion requires pairing: press "Pair with companion" and type the code the companion prints';

/** The companion wants a paired token and this browser has none (or one it no longer accepts). */
export class PairingRequiredError extends Error {
  constructor() {
    super(PAIRING_REQUIRED_MESSAGE);
  }
}

export function needsPairing(err: unknown): boolean {
  return (
    err instanceof PairingRequiredError ||
    (isCompanionError(err) && err.status === 401 && err.code === 'pairing_required')
  );
}

/** A 4xx that retrying the same request cannot fix (not auth, timeouts or rate limits). */
export function isPermanentRefusal(err: unknown): err is CompanionError {
  return (
    isCompanionError(err, 'http') &&
    err.status !== null &&
    err.status >= 400 &&
    err.status < 500 &&
    ![408, 425, 429].includes(err.status)
  );
}

/** Throws ServerChangedError when an answer comes from another companion's data than the run started with. */
export function checkServer(actual: string, expected: string): void {
  if (actual !== expected)
    throw new ServerChangedError(`The companion's data changed (serverId ${expected} -> ${actual}) during the sync`);
}
