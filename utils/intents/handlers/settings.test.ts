import { describe, expect, it } from 'vitest';
import { kicks, NOW, putConfig, send, store, syncRuns, useIntentHandlers } from '@/tests/helpers/intent-handlers';

useIntentHandlers();

describe('saveSettings', () => {
  it('saveSettings stores them, clears the backoff and tells an online companion the parallel limit', async () => {
    const settings = { companionUrl: 'http://127.0.0.1:9999', token: 'tok', parallelLimit: 5, askAboveUsd: 1 };
    await store.setSyncState({
      online: false,
      nextAttemptAt: NOW + 60_000,
      lastError: 'The companion at http://127.0.0.1:8787 is not reachable',
    });
    expect(await send({ type: 'saveSettings', settings })).toMatchObject({ ok: true });
    expect(await store.getSettings()).toEqual(settings);
    // The old address's error is gone at once, and a forced sync tries the new one now.
    expect(await store.getSyncState()).toMatchObject({ nextAttemptAt: null, lastError: null });
    expect(syncRuns).toEqual([{ force: true }]);
    expect(kicks).toBe(0);
    expect(putConfig).not.toHaveBeenCalled();

    await store.setSyncState({ online: true });
    expect(await send({ type: 'saveSettings', settings })).toMatchObject({ ok: true, message: 'Settings saved' });
    expect(putConfig).toHaveBeenCalledWith({ parallelLimit: 5 });

    putConfig.mockRejectedValueOnce(new Error('refused'));
    expect(await send({ type: 'saveSettings', settings })).toMatchObject({
      ok: true,
      message: expect.stringContaining('refused') as unknown,
    });
  });
});
