import { errorMessage } from '@/utils/domain';
import type { HandlerContext, IntentHandlers } from '@/utils/intents/handlers/context';

/** `saveSettings`: stores them, gives a new companion address or token a fresh attempt, passes on the parallel limit. */
export function createSettingsHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'saveSettings'> {
  const { store, scheduler } = ctx;
  return {
    async saveSettings({ settings }) {
      const before = await store.getSettings();
      await store.saveSettings(settings);
      // A new address or token deserves a fresh attempt, not the old backoff, and a new look at pairing.
      // The last error described the old settings: the panel shows "Connecting…" until this attempt answers.
      const newCompanion = before.companionUrl !== settings.companionUrl;
      const { online } = await store.setSyncState({
        nextAttemptAt: null,
        lastError: null,
        ...(newCompanion || before.token !== settings.token ? { pairing: null } : {}),
        ...(newCompanion ? { pairingRequest: null } : {}),
      });
      // Forced, so it runs now (not after a backoff) and again after a sync in flight that used the old settings.
      scheduler.syncNow().catch((err: unknown) => console.error('Sync after saving the settings failed', err));
      if (!online) return { ok: true, message: 'Settings saved' };
      try {
        const client = await ctx.client();
        await client.putConfig({ parallelLimit: settings.parallelLimit });
        return { ok: true, message: 'Settings saved' };
      } catch (err) {
        return {
          ok: true,
          message: `Settings saved; the companion did not take the parallel limit: ${errorMessage(err)}`,
        };
      }
    },
  };
}
