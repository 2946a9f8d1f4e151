import { type HandlerContext, type IntentHandlers, syncReply } from '@/utils/intents/handlers/context';

/** `syncNow`, `panelOpen`, and the seed debug API's `loadFromServer` (pull now) and `saveToStorage` (push now). */
export function createSyncHandlers(
  ctx: HandlerContext,
): Pick<IntentHandlers, 'syncNow' | 'panelOpen' | 'loadFromServer' | 'saveToStorage'> {
  const { engine, scheduler } = ctx;
  return {
    async syncNow() {
      const result = await scheduler.syncNow();
      return syncReply(result, `Synced: ${result.pushed} sent, ${result.pulled} received`);
    },

    async panelOpen() {
      scheduler.panelOpen();
      return { ok: true };
    },

    async loadFromServer() {
      const result = await engine.syncOnce({ force: true, push: false });
      return syncReply(result, `Loaded ${result.pulled} change${result.pulled === 1 ? '' : 's'} from the companion`);
    },

    async saveToStorage() {
      const result = await engine.syncOnce({ force: true, pull: false });
      return syncReply(result, `Sent ${result.pushed} change${result.pushed === 1 ? '' : 's'} to the companion`);
    },
  };
}
