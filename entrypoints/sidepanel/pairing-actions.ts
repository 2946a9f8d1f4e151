import type { IntentInput, IntentReply } from '@/utils/intents/protocol';

/** The status bar's pairing: a wrong or expired code shares one banner entry, which success clears. */
export function pairingActions(
  send: (intent: IntentInput) => Promise<IntentReply>,
  setError: (id: string, message: string | null) => void,
  showToast: (message: string) => void,
) {
  return {
    async onPairStart() {
      const reply = await send({ type: 'pairStart' });
      setError('pairing', reply.ok ? null : reply.error);
    },
    async onPairConfirm(code: string) {
      const reply = await send({ type: 'pairConfirm', code });
      setError('pairing', reply.ok ? null : reply.error);
      if (reply.ok) showToast(reply.message ?? 'Paired with the companion');
      return reply.ok;
    },
  };
}
