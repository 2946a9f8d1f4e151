import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { handlers, local, send, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { createIntentListener, handleIntent } from '@/utils/intents/listener';
import { INTENT_CHANNEL } from '@/utils/intents/protocol';
import { keys } from '@/utils/storage/keys';

useIntentHandlers();

describe('dispatch', () => {
  it('answers an invalid intent with the field at fault', async () => {
    expect(
      await handleIntent(handlers, { type: 'generate', request: { prompt: '', width: 64, height: 64, seed: null } }),
    ).toMatchObject({
      ok: false,
      error: expect.stringMatching(/request\.prompt/) as unknown,
    });
    expect(await handleIntent(handlers, { type: 'explode' })).toMatchObject({ ok: false });
  });

  it('the listener ignores other channels and answers its own', async () => {
    const listener = createIntentListener(handlers);
    expect(listener({ hello: 1 })).toBeUndefined();
    expect(listener('text')).toBeUndefined();
    expect(await listener({ channel: INTENT_CHANNEL, intent: { type: 'panelOpen' } })).toEqual({ ok: true });
  });

  it('a storage failure comes back as an error reply and is recorded for the panel', async () => {
    vi.spyOn(fakeBrowser.storage.local, 'set').mockRejectedValueOnce(new Error('QUOTA_BYTES quota exceeded'));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const reply = await send({ type: 'generate', request: { prompt: 'x', width: 64, height: 64, seed: null } });
    expect(reply).toEqual({ ok: false, error: 'QUOTA_BYTES quota exceeded' });
    expect((await local().get(keys.storageError))[keys.storageError]).toMatchObject({
      message: 'QUOTA_BYTES quota exceeded',
    });
    expect((await local().get(keys.submit))[keys.submit]).toBeUndefined();
    expect(logged).toHaveBeenCalledWith('Intent generate failed', expect.any(Error));
  });
});
