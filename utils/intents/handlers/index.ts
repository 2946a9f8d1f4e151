import type { HandlerContext, IntentHandlerDeps, IntentHandlers } from './context';
import { createGenerateHandlers } from './generate';
import { createImportHandlers } from './import';
import { createJobEditHandlers } from './job-edits';
import { createPairingHandlers } from './pairing';
import { createRotateHandlers } from './rotate';
import { createSettingsHandlers } from './settings';
import { createSyncHandlers } from './sync';

export type { IntentHandlerDeps, IntentHandlers } from './context';
export { DEFAULT_CLIENT_NAME } from './pairing';
export { rotatePrompt } from './rotate';

/** The background's table of intent handlers, one small file per kind of intent. */
export function createIntentHandlers(deps: IntentHandlerDeps): IntentHandlers {
  const ctx: HandlerContext = { ...deps, now: deps.now ?? Date.now, random: deps.random ?? Math.random };
  return {
    ...createGenerateHandlers(ctx),
    ...createJobEditHandlers(ctx),
    ...createRotateHandlers(ctx),
    ...createSyncHandlers(ctx),
    ...createImportHandlers(ctx),
    ...createSettingsHandlers(ctx),
    ...createPairingHandlers(ctx),
  };
}
