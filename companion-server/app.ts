import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { CompanionDeps } from './deps';
import { errorBody, sendHttpException } from './http/http-error';
import { printable } from './http/printable';
import type { CompanionEnv } from './middleware/env';
import { security } from './middleware/security';
import { createBalanceCache } from './pixellab/balance-cache';
import { apiKeyRoutes } from './routes/api-key';
import { dashboardRoutes } from './routes/dashboard';
import { deviceSyncRoutes } from './routes/device-sync';
import { healthRoutes } from './routes/health';
import { jobRoutes } from './routes/jobs';
import { ledgerRoutes } from './routes/ledger';
import { pairPageRoutes } from './routes/pair-page';
import { pairingRoutes } from './routes/pairing';
import { createPairingDesk } from './routes/pairing-desk';
import { seedRoutes } from './routes/seed';
import { seedGenerateRoutes } from './routes/seed-generate';
import { snapshotRoutes } from './routes/snapshots';
import { spendRoutes } from './routes/spend';
import { syncRoutes } from './routes/sync';
import { createMemoryPairingStore } from './store/pairing-store';

const STORAGE_ERRORS: Record<string, number> = { ENOSPC: 507, EDQUOT: 507 };
const FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EBUSY', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

/** The companion as a Hono app, built from its dependencies; index.ts only serves it. */
export function createApp(deps: CompanionDeps) {
  const log = deps.log ?? ((line: string) => console.error(line));
  const startedAt = (deps.now ?? Date.now)();
  const balance = createBalanceCache({
    pixellab: deps.pixellab,
    apiKeyDetected: deps.apiKey ? () => deps.apiKey!.holder.current() !== null : deps.config.apiKeyDetected,
    ttlMs: deps.config.balanceTtlMs,
    now: deps.now,
  });

  const pairings = deps.pairings ?? createMemoryPairingStore({ now: deps.now });
  const requirePairing = deps.config.requirePairing === true;
  const desk = createPairingDesk(pairings, deps.now ?? Date.now);
  const print = deps.log ?? ((line: string) => console.log(line));

  const dashboardDir = deps.config.dashboardDir ?? null;

  const app = new Hono<CompanionEnv>()
    .use(
      security({
        allowOrigins: deps.config.allowOrigins,
        allowExtensions: deps.config.allowExtensions,
        dashboard: dashboardDir !== null,
        token: deps.config.token,
        requirePairing,
        pairings,
        log,
      }),
    )
    .route('/', dashboardDir === null ? new Hono() : dashboardRoutes(dashboardDir))
    .route('/', healthRoutes(deps, balance, startedAt))
    .route('/', pairPageRoutes(deps, desk, print))
    .route('/', pairingRoutes(deps, pairings, desk, print))
    .route('/', apiKeyRoutes(deps, balance, log))
    .route('/', seedRoutes(deps))
    .route('/', seedGenerateRoutes(deps))
    .route('/', spendRoutes(deps))
    .route('/', snapshotRoutes(deps))
    .route('/', ledgerRoutes(deps))
    .route('/', syncRoutes(deps))
    .route('/', deviceSyncRoutes(deps))
    .route('/', jobRoutes(deps));

  app.notFound((c) => c.json(errorBody('not_found', `No route ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return sendHttpException(c, err);
    const code = (err as NodeJS.ErrnoException).code;
    // The store refused what a client sent (a job past the limits of a record, or a stale copy): nothing applied.
    if (code === 'INVALID_JOB' || code === 'STALE_VERSION') {
      return c.json(errorBody(code === 'INVALID_JOB' ? 'invalid_body' : 'stale_version', err.message), 400);
    }
    if (code === 'SEQ_EXHAUSTED' || code === 'DATA_DIR_TAKEN_OVER') {
      return c.json(errorBody('storage_error', `The companion could not save: ${err.message}`), 503);
    }
    if (code && FS_CODES.has(code)) {
      // The store names the cause ("disk full (ENOSPC)"); nothing was acknowledged.
      log(`Storage error on ${c.req.method} ${printable(c.req.path)}: ${err.message}`);
      return c.json(
        errorBody('storage_error', `The companion could not save: ${err.message}`),
        (STORAGE_ERRORS[code] ?? 503) as 503,
      );
    }
    log(`Unexpected error on ${c.req.method} ${printable(c.req.path)}: ${err.stack ?? err.message}`);
    return c.json(errorBody('internal_error', 'The companion hit an unexpected error; its log has the details'), 500);
  });
  return app;
}

export type CompanionApp = ReturnType<typeof createApp>;
