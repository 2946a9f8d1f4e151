import { errorMessage, ledgerCsv } from '@/utils/domain';
import { fail, type HandlerContext, type IntentHandlers } from '@/utils/intents/handlers/context';
import { readSpend } from '@/utils/sync/spend';

/** `refreshSpend` (today's spend and limits, into the sync state) and `exportLedger` (the cost ledger as CSV). */
export function createSpendHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'refreshSpend' | 'exportLedger'> {
  return {
    async refreshSpend() {
      await readSpend(ctx.store, await ctx.client());
      return { ok: true };
    },

    async exportLedger({ from, to }) {
      try {
        const { rows } = await (await ctx.client()).ledger({ from, to });
        return { ok: true, text: ledgerCsv(rows), message: `${rows.length} paid call${rows.length === 1 ? '' : 's'}` };
      } catch (err) {
        return fail(`Could not read the cost ledger from the companion: ${errorMessage(err)}`);
      }
    },
  };
}
