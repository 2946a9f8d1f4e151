import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { type DeviceSyncPhase, deviceSyncStatusSchema } from '../../utils/domain/device-sync';
import type { CompanionDeps } from '../deps';
import type { DeviceSyncStatus as SyncRun } from '../device-sync/device-sync';
import { errorBody } from '../http/http-error';
import type { CompanionEnv } from '../middleware/env';

/** How the companion's sync run reads to people: a passphrase first (nothing moves without it), then errors. */
export function phaseOf(run: Pick<SyncRun, 'passphraseNeeded' | 'lastError' | 'lastSyncAt'>): DeviceSyncPhase {
  if (run.passphraseNeeded !== null) return { kind: 'passphrase', message: run.passphraseNeeded };
  if (run.lastError !== null) return { kind: 'offline', error: run.lastError, at: run.lastSyncAt };
  if (run.lastSyncAt !== null) return { kind: 'synced', at: run.lastSyncAt };
  return { kind: 'starting' };
}

/**
 * `GET /api/v1/device-sync`: where every-device sync stands (issue 22), for the panel's status line and for naming
 * who made each job. Behind the token or pairing like every /api/v1 route; the target's path and the devices'
 * names are the user's business, so a web page let in with --allow-origin does not get them.
 */
export function deviceSyncRoutes(deps: CompanionDeps) {
  const open = createMiddleware<CompanionEnv>(async (c, next) => {
    const caller = c.get('caller');
    if (caller.kind === 'web' || caller.kind === 'dashboard') {
      return c.json(
        errorBody(
          'route_refused',
          `Device sync is for the extension and local tools, not for ${caller.origin ?? 'this page'}`,
        ),
        403,
      );
    }
    await next();
  });
  return new Hono<CompanionEnv>().get('/api/v1/device-sync', open, (c) => {
    if (!deps.deviceSync)
      return c.json(errorBody('not_found', 'This companion does not sync with other devices (no --sync-dir)'), 404);
    const run = deps.deviceSync.status();
    return c.json(
      deviceSyncStatusSchema.parse({
        target: run.target,
        device: { id: run.deviceId, name: run.deviceName },
        author: deps.config.author ?? null,
        readonly: run.readonly,
        state: phaseOf(run),
        devices: run.devices,
        quarantined: run.quarantined.length,
      }),
    );
  });
}
