import { Hono } from 'hono';
import type { HTTPException } from 'hono/http-exception';
import { type ApiKeyResponse, apiKeyBodySchema, errorMessage } from '../../utils/domain';
import type { CompanionDeps } from '../deps';
import { httpError } from '../http/http-error';
import { jsonBody } from '../http/validate';
import type { CompanionEnv } from '../middleware/env';
import type { createBalanceCache } from '../pixellab/balance-cache';
import { PixelLabError } from '../pixellab/client';
import { KeyFromEnvironmentError } from '../secrets/api-key';

/**
 * The PixelLab key set from the panel: `PUT /api/v1/key` checks it against PixelLab's balance before keeping
 * it (secrets/key-file.ts), `DELETE` forgets it. Only this project's extension, a paired one, or a program on
 * this computer gets here (the security middleware refuses web pages and unpaired extensions first; a web
 * origin allowed with --allow-origin and the served old dashboard are refused here). No route answers the
 * key, and nothing here prints it.
 */
export function apiKeyRoutes(
  deps: CompanionDeps,
  balance: ReturnType<typeof createBalanceCache>,
  log: (line: string) => void,
) {
  const keys = deps.apiKey;
  return new Hono<CompanionEnv>()
    .use('/api/v1/key', async (c, next) => {
      const caller = c.get('caller');
      if (caller.kind === 'web' || caller.kind === 'dashboard') {
        throw httpError(
          403,
          'key_refused',
          'Only the side panel (this project\u2019s extension, or one paired with this companion) or a program on this computer may set the PixelLab key; a web page never can',
        );
      }
      if (!keys) throw httpError(404, 'not_found', 'This companion takes its PixelLab key from its start only');
      await next();
    })

    .put(
      '/api/v1/key',
      // A key from the environment is refused before the body is read.
      async (_c, next) => {
        refuseWhileEnvironment(keys!.holder.source());
        await next();
      },
      jsonBody(apiKeyBodySchema, deps.config.limits.json),
      async (c) => {
        const holder = keys!.holder;
        const { apiKey } = c.req.valid('json');
        let usd: number;
        try {
          ({ usd } = await keys!.check(apiKey));
        } catch (err) {
          throw checkFailure(err);
        }
        try {
          await holder.save(apiKey);
        } catch (err) {
          if (err instanceof KeyFromEnvironmentError) throw httpError(409, 'key_from_environment', err.message);
          throw err;
        }
        balance.keyChanged({ status: 'ok', usd });
        log(`PixelLab key set from a client and saved in ${holder.filePath} (readable by you only).`);
        return c.json({ source: holder.source(), balanceUsd: usd } satisfies ApiKeyResponse);
      },
    )

    .delete('/api/v1/key', async (c) => {
      const holder = keys!.holder;
      refuseWhileEnvironment(holder.source());
      const removed = await holder.remove();
      balance.keyChanged();
      if (removed) log(`PixelLab key removed from ${holder.filePath}; generation waits for a new key.`);
      return c.json({ source: holder.source() } satisfies ApiKeyResponse);
    });
}

function refuseWhileEnvironment(source: string): void {
  if (source === 'environment' || source === 'dotenv')
    throw httpError(409, 'key_from_environment', new KeyFromEnvironmentError(source).message);
}

/** Why a key was not kept (the panel puts "The key was not saved:" before it); never the key itself. */
function checkFailure(err: unknown): HTTPException {
  if (err instanceof PixelLabError && (err.status === 401 || err.status === 403)) {
    return httpError(
      422,
      'key_rejected',
      `PixelLab did not accept this key (HTTP ${err.status}). Copy it again from your PixelLab account page.`,
      'apiKey',
    );
  }
  const why = errorMessage(err);
  return httpError(
    502,
    'key_unchecked',
    `Could not check the key with PixelLab (${why.replace(/[.\s]+$/, '')}); try again in a moment.`,
  );
}
