import { Hono } from 'hono';
import { APP_NAME, COMPANION_API_VERSION } from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import type { CompanionEnv } from '../middleware/env';
import type { createBalanceCache } from '../pixellab/balance-cache';

/**
 * `/health` keeps the seed's shape and adds what the extension needs to recognise its companion. It is
 * public, so in token or pairing mode a caller without a valid token learns only that: no balance, no
 * history size, no runner. It never waits on PixelLab for more than a moment.
 */
export function healthRoutes(deps: CompanionDeps, balance: ReturnType<typeof createBalanceCache>, startedAt: number) {
  const now = deps.now ?? Date.now;
  const auth = deps.config.requirePairing
    ? ('pairing' as const)
    : deps.config.token
      ? ('token' as const)
      : ('none' as const);
  let v2: boolean | null = null;
  let asking: Promise<void> | null = null;
  const v2Known = () => {
    const client = deps.pixellab.v2;
    const hasKey = deps.apiKey ? deps.apiKey.holder.current() !== null : deps.config.apiKeyDetected;
    if (client && hasKey && !asking)
      asking = client.available().then(
        (ok) => {
          v2 = ok;
          asking = null;
        },
        () => {
          asking = null;
        },
      );
    return v2;
  };
  return new Hono<CompanionEnv>()
    .get('/health', async (c) => {
      const base = {
        status: 'ok' as const,
        app: APP_NAME,
        apiVersion: COMPANION_API_VERSION,
        version: deps.config.version,
        serverId: deps.store.serverId,
        server_time: new Date(now()).toISOString(),
        uptime_seconds: Math.round((now() - startedAt) / 100) / 10,
        api_key_detected: deps.apiKey ? deps.apiKey.holder.current() !== null : deps.config.apiKeyDetected,
        api_key_source: deps.apiKey?.holder.source() ?? (deps.config.apiKeyDetected ? 'environment' : 'none'),
        auth,
      };
      if (!c.get('authorized')) {
        return c.json({
          ...base,
          balance: { status: 'unknown' as const, message: 'The balance is shown only to clients with a valid token' },
        });
      }
      return c.json({
        ...base,
        balance: await balance.peek(),
        jobs: deps.store.liveCount,
        lastSeq: deps.store.lastSeq,
        runner: { limit: deps.runner.limit, running: deps.runner.running },
        // The plan and whether v2 answers this key, as last known (v2 is asked in the background, never waited on).
        pixellab: { tier: deps.plan?.tier ?? null, tierSource: deps.plan?.source ?? null, v2: v2Known() },
      });
    })
    .get('/balance', async (c) => c.json(await balance.get()));
}
