import { Hono } from 'hono';
import type { CompanionDeps } from '../deps';
import { errorBody } from '../http/http-error';

/** Today's spend and the user's limits (per device, never synced): what the panel shows beside its history. */
export function spendRoutes(deps: CompanionDeps) {
  return new Hono().get('/api/v1/spend', (c) =>
    deps.spending
      ? c.json(deps.spending.snapshot())
      : c.json(errorBody('not_found', 'This companion keeps no spending record'), 404),
  );
}
