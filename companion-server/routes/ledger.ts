import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ledgerCsv, ledgerQuerySchema, ledgerResponseSchema } from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import { errorBody } from '../http/http-error';
import { validQuery } from '../http/validate';
import type { CompanionEnv } from '../middleware/env';

/**
 * The cost ledger behind the spending guard and Insights: one row per paid call, as JSON or CSV. What was spent is
 * the account's business, so a web page let in with --allow-origin does not get it: only this project's extension
 * (or one trusted or paired) and local tools, behind the token or pairing like every route.
 */
const YEAR_MS = 366 * 86_400_000;

export function ledgerRoutes(deps: CompanionDeps) {
  const now = deps.now ?? Date.now;
  // Who may read it and whether there is one are answered before the query is checked.
  const open = createMiddleware<CompanionEnv>(async (c, next) => {
    const caller = c.get('caller');
    if (caller.kind === 'web' || caller.kind === 'dashboard') {
      return c.json(
        errorBody(
          'route_refused',
          `The cost ledger is for the extension and local tools, not for ${caller.origin ?? 'this page'}`,
        ),
        403,
      );
    }
    if (!deps.ledger) return c.json(errorBody('not_found', 'This companion keeps no cost ledger'), 404);
    await next();
  });
  return new Hono<CompanionEnv>().get('/api/v1/ledger', open, validQuery(ledgerQuerySchema), async (c) => {
    const { from = 0, to = now() + 1, format } = c.req.valid('query');
    // Nothing is charged in the future: a far `to` is cut, so a range never walks centuries of months.
    const rows = await deps.ledger!.read(from, Math.min(to, now() + YEAR_MS));
    if (format === 'csv') {
      c.header('Content-Type', 'text/csv; charset=utf-8');
      c.header('Content-Disposition', 'attachment; filename="pixellab-ledger.csv"');
      return c.body(ledgerCsv(rows));
    }
    return c.json(ledgerResponseSchema.parse({ rows }));
  });
}
