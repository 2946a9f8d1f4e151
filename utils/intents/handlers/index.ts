import { createApiKeyHandlers } from '@/utils/intents/handlers/api-key';
import { createBoardHandlers } from '@/utils/intents/handlers/boards';
import type { HandlerContext, IntentHandlerDeps, IntentHandlers } from '@/utils/intents/handlers/context';
import { createGenerateHandlers } from '@/utils/intents/handlers/generate';
import { createImageHandlers } from '@/utils/intents/handlers/images';
import { createImportHandlers } from '@/utils/intents/handlers/import';
import { createJobEditHandlers } from '@/utils/intents/handlers/job-edits';
import { createOrganiseHandlers } from '@/utils/intents/handlers/organise';
import { createPairingHandlers } from '@/utils/intents/handlers/pairing';
import { createQueueHandlers } from '@/utils/intents/handlers/queue';
import { createRotateHandlers } from '@/utils/intents/handlers/rotate';
import { createSettingsHandlers } from '@/utils/intents/handlers/settings';
import { createSpendHandlers } from '@/utils/intents/handlers/spend';
import { createSyncHandlers } from '@/utils/intents/handlers/sync';

export type { IntentHandlerDeps, IntentHandlers } from '@/utils/intents/handlers/context';
export { DEFAULT_CLIENT_NAME } from '@/utils/intents/handlers/pairing';
export { rotatePrompt } from '@/utils/intents/handlers/rotate';

/** The background's table of intent handlers, one small file per kind of intent. */
export function createIntentHandlers(deps: IntentHandlerDeps): IntentHandlers {
  const ctx: HandlerContext = { ...deps, now: deps.now ?? Date.now, random: deps.random ?? Math.random };
  return {
    ...createGenerateHandlers(ctx),
    ...createJobEditHandlers(ctx),
    ...createRotateHandlers(ctx),
    ...createSyncHandlers(ctx),
    ...createImportHandlers(ctx),
    ...createImageHandlers(ctx),
    ...createSettingsHandlers(ctx),
    ...createPairingHandlers(ctx),
    ...createApiKeyHandlers(ctx),
    ...createSpendHandlers(ctx),
    ...createOrganiseHandlers(ctx),
    ...createBoardHandlers(ctx),
    ...createQueueHandlers(ctx),
  };
}
