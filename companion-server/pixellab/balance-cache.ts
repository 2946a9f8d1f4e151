import type { Balance } from '../../utils/domain';
import type { PixelLab } from '../deps';
import { MISSING_KEY_MESSAGE } from './client';

/** How long /health waits for a first balance before it answers `unknown` (PixelLab may hang for a minute). */
export const BALANCE_WAIT_MS = 300;

/**
 * /health is polled often and must answer at once even when PixelLab hangs: PixelLab's balance is asked
 * at most once per TTL, a stale answer is served while a fresh one is fetched in the background, and
 * with no answer yet `peek` waits at most `maxWaitMs` before it says `unknown`.
 */
export function createBalanceCache(options: {
  pixellab: PixelLab;
  /** Whether a key is set; a function when the key can change while the companion runs. */
  apiKeyDetected: boolean | (() => boolean);
  ttlMs: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  let cached: { value: Balance; until: number } | null = null;
  let inFlight: Promise<Balance> | null = null;
  /** Bumped when the key changes, so an answer about the old key is not cached for the new one. */
  let generation = 0;
  const hasKey =
    typeof options.apiKeyDetected === 'function' ? options.apiKeyDetected : () => options.apiKeyDetected as boolean;

  async function fetchBalance(): Promise<Balance> {
    try {
      const { usd } = await options.pixellab.balance();
      return { status: 'ok', usd };
    } catch (err) {
      return { status: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  function remember(value: Balance): void {
    // Errors are retried sooner than answers.
    cached = { value, until: now() + (value.status === 'ok' ? options.ttlMs : Math.min(options.ttlMs, 10_000)) };
  }

  function refresh(): Promise<Balance> {
    const asked = generation;
    inFlight ??= fetchBalance().then((value) => {
      if (asked === generation) {
        remember(value);
        inFlight = null;
      }
      return value;
    });
    return inFlight;
  }

  const missing: Balance = { status: 'missing', message: MISSING_KEY_MESSAGE };

  return {
    /** The key changed: forget what was known, and start from `known` (the balance checked with the new key). */
    keyChanged(known?: Balance): void {
      generation += 1;
      inFlight = null;
      cached = null;
      if (known) remember(known);
    },

    /** A fresh balance: waits for PixelLab when the cached one is stale (the old API's /balance). */
    async get(): Promise<Balance> {
      if (!hasKey()) return missing;
      if (cached && cached.until > now()) return cached.value;
      return refresh();
    },

    /** The balance within `maxWaitMs`: the cached one (refreshed in the background when stale), else `unknown`. */
    async peek(maxWaitMs = BALANCE_WAIT_MS): Promise<Balance> {
      if (!hasKey()) return missing;
      if (cached && cached.until > now()) return cached.value;
      const fresh = refresh();
      if (cached) return cached.value;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const unknown = new Promise<Balance>((resolve) => {
        timer = setTimeout(
          () => resolve({ status: 'unknown', message: 'PixelLab has not answered yet; asking in the background' }),
          maxWaitMs,
        );
      });
      try {
        return await Promise.race([fresh, unknown]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
