import { describe, expect, it } from 'vitest';
import { makeSprite } from '@/tests/fixtures/png';
import { send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { bytesToPngDataUrl, sha256Hex } from '@/utils/domain';

useIntentHandlers();

describe('import', () => {
  const bytes = makeSprite(16, 16, 'imported');
  const dataUrl = bytesToPngDataUrl(bytes);
  const file = {
    lastJobId: 2,
    jobs: [
      {
        id: 'job-1',
        prompt: 'a',
        width: 64,
        height: 64,
        status: 'success',
        result: dataUrl,
        createdAt: 10,
        endTime: 20,
      },
      { id: 'job-2', prompt: 'b', width: 64, height: 64, status: 'error', error: 'nope', createdAt: 30 },
    ],
  };

  it('stores jobs and images, marks them dirty, and does not double them on a second import', async () => {
    const first = await send({ type: 'import', text: JSON.stringify(file) });
    expect(first).toMatchObject({ ok: true, imported: 2, skipped: 0 });
    expect((await store.getJob('job-1'))!.image).toBe(sha256Hex(bytes));
    expect(await store.hasImages([sha256Hex(bytes)])).toEqual(new Set([sha256Hex(bytes)]));
    expect(new Set(await store.getOutbox())).toEqual(new Set(['job-1', 'job-2']));
    expect(await store.getSubmitQueue()).toEqual([]);

    const again = await send({
      type: 'import',
      text: JSON.stringify({ jobs: [...file.jobs, { id: 'job-3', prompt: 'c', status: 'success' }] }),
    });
    expect(again).toMatchObject({ ok: true, imported: 1, skipped: 2 });
    expect((again as { message: string }).message).toMatch(/2 already in the history/);
    expect(await store.getIndex()).toHaveLength(3);
  });

  it('takes a bare list, skips repeats and unreadable jobs, and says why', async () => {
    const reply = await send({
      type: 'import',
      text: JSON.stringify([file.jobs[0], file.jobs[0], { prompt: 'no id' }]),
    });
    expect(reply).toMatchObject({ ok: true, imported: 1, skipped: 2 });
    expect((reply as { message: string }).message).toMatch(/1 repeated in the file, 1 unreadable/);
  });

  it.each([
    ['{"jobs": [', /not valid JSON/],
    ['{"jobs": "many"}', /jobs: /],
    ['42', /not a PixelLab job history/],
  ])('refuses %s and names the problem', async (text, message) => {
    expect(await send({ type: 'import', text })).toMatchObject({
      ok: false,
      error: expect.stringMatching(message) as unknown,
    });
    expect(await store.getIndex()).toEqual([]);
  });
});
