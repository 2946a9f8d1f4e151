import type { Balance } from '../utils/domain';
import type { PixelLab } from './deps';

/** /health is polled often; PixelLab's balance is asked at most once per TTL. */
export function createBalanceCache(options: {
  pixellab: PixelLab;
  apiKeyDetected: boolean;
  ttlMs: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  let cached: { value: Balance; until: number } | null = null;
  let inFlight: Promise<Balance> | null = null;

  async function fetchBalance(): Promise<Balance> {
    try {
      const { usd } = await options.pixellab.balance();
      return { status: 'ok', usd };
    } catch (err) {
      return { status: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  return {
    async get(): Promise<Balance> {
      if (!options.apiKeyDetected) {
        return { status: 'missing', message: 'No PixelLab API key: set PIXELLAB_API_KEY in the environment or .env' };
      }
      if (cached && cached.until > now()) return cached.value;
      inFlight ??= fetchBalance().then((value) => {
        // Errors are retried sooner than answers.
        cached = { value, until: now() + (value.status === 'ok' ? options.ttlMs : Math.min(options.ttlMs, 10_000)) };
        inFlight = null;
        return value;
      });
      return inFlight;
    },
  };
}
