import { browser } from 'wxt/browser';
import { z } from 'zod';
import { errorMessage } from '@/utils/domain/error-message';
import { INTENT_CHANNEL, type IntentInput, type IntentReply, intentSchema } from '@/utils/intents/protocol';

/** How the panel acts: one intent to the background, checked on the way out and on the way back. It never writes storage. */

export interface IntentRuntime {
  sendMessage(message: unknown): Promise<unknown>;
}

const replySchema = z.union([
  z.object({
    ok: z.literal(true),
    ids: z.array(z.string()).optional(),
    imported: z.number().optional(),
    skipped: z.number().optional(),
    message: z.string().optional(),
    /** A file the background made for the panel to download (the cost ledger's CSV). */
    text: z.string().optional(),
    /** The sha-256 of the image a `putImage` kept. */
    hash: z.string().optional(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Sends one intent to the background; never throws: failures come back as `{ ok: false, error }`. */
export async function sendIntent(
  intent: IntentInput,
  runtime: IntentRuntime = browser.runtime as unknown as IntentRuntime,
): Promise<IntentReply> {
  const parsed = intentSchema.safeParse(intent);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return { ok: false, error: `Invalid ${intent.type} request${where}: ${issue?.message ?? 'bad input'}` };
  }
  let raw: unknown;
  try {
    raw = await runtime.sendMessage({ channel: INTENT_CHANNEL, intent: parsed.data });
  } catch (error) {
    return { ok: false, error: `The extension background did not answer: ${errorMessage(error)}` };
  }
  const reply = replySchema.safeParse(raw);
  if (!reply.success) {
    return {
      ok: false,
      error:
        raw === undefined
          ? 'The extension background did not answer.'
          : 'The extension background sent an unreadable answer.',
    };
  }
  return reply.data;
}
