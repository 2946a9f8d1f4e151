import { errorMessage } from '@/utils/domain';
import type { IntentHandlers } from '@/utils/intents/handlers';
import { fail } from '@/utils/intents/handlers/context';
import { INTENT_CHANNEL, type Intent, type IntentReply, intentSchema } from '@/utils/intents/protocol';

/**
 * The `runtime.onMessage` listener: answers `{ channel: INTENT_CHANNEL, intent }` messages with an
 * IntentReply and leaves every other message to other listeners (returns undefined).
 */
export function createIntentListener(handlers: IntentHandlers) {
  return (message: unknown): Promise<IntentReply> | undefined => {
    if (!message || typeof message !== 'object' || (message as { channel?: unknown }).channel !== INTENT_CHANNEL)
      return undefined;
    return handleIntent(handlers, (message as { intent?: unknown }).intent);
  };
}

/** Validates an intent with intentSchema and runs its handler; unexpected failures become `{ ok: false }`. */
export async function handleIntent(handlers: IntentHandlers, raw: unknown): Promise<IntentReply> {
  const parsed = intentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.map(String).join('.') : 'intent';
    return fail(`Invalid request: ${where}: ${issue?.message ?? 'unexpected shape'}`);
  }
  const intent = parsed.data;
  try {
    const handler = handlers[intent.type] as (i: Intent) => Promise<IntentReply>;
    return await handler(intent);
  } catch (err) {
    console.error(`Intent ${intent.type} failed`, err);
    return fail(errorMessage(err));
  }
}
