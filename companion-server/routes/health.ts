import { Hono } from 'hono';
import { APP_NAME, SYNC_API_VERSION } from '../../utils/domain';
import type { createBalanceCache } from '../balance-cache';
import type { CompanionDeps } from '../deps';

/** `/health` keeps the seed's shape and adds what the extension needs to recognise its companion. */
export function healthRoutes(deps: CompanionDeps, balance: ReturnType<typeof createBalanceCache>, startedAt: number) {
  const now = deps.now ?? Date.now;
  return new Hono()
    .get('/health', async (c) =>
      c.json({
        status: 'ok' as const,
        app: APP_NAME,
        apiVersion: SYNC_API_VERSION,
        version: deps.config.version,
        serverId: deps.store.serverId,
        server_time: new Date(now()).toISOString(),
        uptime_seconds: Math.round((now() - startedAt) / 100) / 10,
        api_key_detected: deps.config.apiKeyDetected,
        balance: await balance.get(),
        auth: deps.config.requirePairing
          ? ('pairing' as const)
          : deps.config.token
            ? ('token' as const)
            : ('none' as const),
        jobs: deps.store.list().length,
        lastSeq: deps.store.lastSeq,
        runner: { limit: deps.runner.limit, running: deps.runner.running },
      }),
    )
    .get('/balance', async (c) => c.json(await balance.get()));
}
