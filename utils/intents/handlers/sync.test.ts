import { describe, expect, it } from 'vitest';
import { okSync, send, setSyncResult, syncResult, syncRuns, useIntentHandlers } from '@/tests/helpers/intent-handlers';

useIntentHandlers();

describe('the seed debug intents and syncNow', () => {
  it('loadFromServer pulls, saveToStorage pushes, syncNow syncs; failures come back as errors', async () => {
    expect(await send({ type: 'loadFromServer' })).toMatchObject({
      ok: true,
      message: expect.stringContaining('5') as unknown,
    });
    expect(await send({ type: 'saveToStorage' })).toMatchObject({
      ok: true,
      message: expect.stringContaining('3') as unknown,
    });
    expect(await send({ type: 'syncNow' })).toMatchObject({ ok: true });
    expect(syncRuns).toEqual([{ force: true, push: false }, { force: true, pull: false }, { force: true }]);
    setSyncResult({ ...okSync, ok: false, error: 'The companion at http://127.0.0.1:8787 is not reachable' });
    expect(await send({ type: 'loadFromServer' })).toEqual({ ok: false, error: syncResult.error });
  });
});
