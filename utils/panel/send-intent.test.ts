// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { INTENT_CHANNEL } from '@/utils/intents/protocol';
import { sendIntent } from '@/utils/panel/send-intent';

describe('sendIntent', () => {
  beforeEach(() => fakeBrowser.reset());

  it('sends the intent on the intent channel and returns the reply', async () => {
    const seen: unknown[] = [];
    fakeBrowser.runtime.onMessage.addListener((message: unknown) => {
      seen.push(message);
      return Promise.resolve({ ok: true, ids: ['job-a'] });
    });
    const reply = await sendIntent({ type: 'retry', id: 'job-1' });
    expect(reply).toEqual({ ok: true, ids: ['job-a'] });
    expect(seen).toEqual([{ channel: INTENT_CHANNEL, intent: { type: 'retry', id: 'job-1' } }]);
  });

  it("keeps a reply's text (the ledger's CSV) on its way back", async () => {
    const sendMessage = vi.fn(async () => ({ ok: true, text: 'date,job\r\n', message: '0 paid calls' }));
    expect(await sendIntent({ type: 'exportLedger' }, { sendMessage })).toEqual({
      ok: true,
      text: 'date,job\r\n',
      message: '0 paid calls',
    });
  });

  it('fills intent defaults and refuses invalid intents without sending', async () => {
    const sendMessage = vi.fn(async () => ({ ok: true }));
    await sendIntent({ type: 'rotate', id: 'job-1', toDirection: 'east' }, { sendMessage });
    expect(sendMessage).toHaveBeenCalledWith({
      channel: INTENT_CHANNEL,
      intent: { type: 'rotate', id: 'job-1', toDirection: 'east', fromDirection: null },
    });
    sendMessage.mockClear();
    const reply = await sendIntent({ type: 'delete', id: 'bad id!' }, { sendMessage });
    expect(reply.ok).toBe(false);
    expect(sendMessage).not.toHaveBeenCalled();
  });

  it('turns a missing background or an odd answer into an error reply', async () => {
    const none = await sendIntent({ type: 'syncNow' });
    expect(none).toEqual({ ok: false, error: expect.stringContaining('did not answer') });
    const odd = await sendIntent({ type: 'syncNow' }, { sendMessage: async () => 'yes' });
    expect(odd.ok).toBe(false);
    const failed = await sendIntent(
      { type: 'syncNow' },
      { sendMessage: async () => ({ ok: false, error: 'offline' }) },
    );
    expect(failed).toEqual({ ok: false, error: 'offline' });
  });
});
