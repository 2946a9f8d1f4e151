import { isCompanionError } from '@/utils/companion-client';
import { COMPANION_UPDATE_COMMAND, errorMessage } from '@/utils/domain';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';

/** A failed key call in the companion's own words, or what to do when the companion is too old to take one. */
function refusal(err: unknown, what: string): string {
  if (isCompanionError(err) && err.status === 404 && err.code === 'not_found') {
    return `This companion is too old to take the key from the panel: update it with ${COMPANION_UPDATE_COMMAND}, or set PIXELLAB_API_KEY where it runs.`;
  }
  const words = isCompanionError(err) ? (err.serverMessage ?? err.message) : errorMessage(err);
  return `${what}: ${/[.!?)]$/.test(words) ? words : `${words}.`}`;
}

/**
 * `setApiKey` and `removeApiKey`: the key goes once to the companion (which checks it with PixelLab and keeps
 * it in its config folder); only where it comes from and the balance reach storage, never the key.
 */
export function createApiKeyHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'setApiKey' | 'removeApiKey'> {
  const { store, scheduler } = ctx;
  return {
    async setApiKey({ apiKey }) {
      let answer: Awaited<ReturnType<Awaited<ReturnType<HandlerContext['client']>>['putApiKey']>>;
      try {
        answer = await (await ctx.client()).putApiKey(apiKey);
      } catch (err) {
        return fail(refusal(err, 'The key was not saved'));
      }
      await store.setSyncState({
        apiKeyDetected: true,
        apiKeySource: answer.source,
        ...(answer.balanceUsd === undefined ? {} : { balanceUsd: answer.balanceUsd }),
      });
      // Jobs that waited for a key can run now.
      scheduler.syncNow().catch((err: unknown) => console.error('Sync after saving the key failed', err));
      return { ok: true, message: 'PixelLab key checked and saved in the companion' };
    },

    async removeApiKey() {
      let answer: Awaited<ReturnType<Awaited<ReturnType<HandlerContext['client']>>['deleteApiKey']>>;
      try {
        answer = await (await ctx.client()).deleteApiKey();
      } catch (err) {
        return fail(refusal(err, 'The key was not removed'));
      }
      await store.setSyncState({
        apiKeyDetected: answer.source !== 'none',
        apiKeySource: answer.source,
        balanceUsd: null,
      });
      return { ok: true, message: 'PixelLab key removed from the companion' };
    },
  };
}
