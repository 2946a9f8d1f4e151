import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { makeSprite } from '@/tests/fixtures/png';
import { send, store, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import { bytesToBase64, bytesToPngDataUrl, sha256Hex } from '@/utils/domain';

useIntentHandlers();

describe('putImage', () => {
  it('keeps a PNG from the panel under its sha-256, once, and answers the hash', async () => {
    const png = makeSprite(32, 32, 'dropped');
    const hash = sha256Hex(png);
    // Whitespace in the base64 (a pasted data URL) is dropped: the key's bytes are what the hash names.
    const reply = await send({
      type: 'putImage',
      dataUrl: `data:image/png;base64,${bytesToBase64(png).replace(/(.{60})/g, '$1\n')}`,
    });
    expect(reply).toEqual({ ok: true, hash });
    expect((await store.getImages([hash])).get(hash)).toBe(bytesToPngDataUrl(png));
    expect(await send({ type: 'putImage', dataUrl: bytesToPngDataUrl(png) })).toEqual({ ok: true, hash });
  });

  it('refuses what is not a PNG, and keeps nothing', async () => {
    const gif = `data:image/png;base64,${bytesToBase64(new TextEncoder().encode('GIF89a not a png'))}`;
    const reply = await send({ type: 'putImage', dataUrl: gif });
    expect(reply).toEqual({ ok: false, error: 'The image is not a PNG: pick or drop a .png file.' });
    expect(await send({ type: 'putImage', dataUrl: 'data:text/plain,hello' })).toMatchObject({ ok: false });
    const all = await fakeBrowser.storage.local.get(null);
    expect(Object.keys(all).filter((k) => k.startsWith('img:'))).toEqual([]);
  });
});
