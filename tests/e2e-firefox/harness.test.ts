/**
 * The Firefox harness itself, and the MV2 background: the build installs under its gecko id with the UUID
 * the profile was given, its background is an MV2 background page running background.js (not a service
 * worker), and Firefox reaches nothing but loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAll, startFirefox } from './harness';

afterEach(disposeAll);

describe('Firefox harness', () => {
  it('installs the build with the pinned UUID, runs an MV2 background page, and keeps Firefox on loopback', async () => {
    const uuid = '6f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5';
    const firefox = await startFirefox({ uuid });
    expect(firefox.geckoId).toBe('pixellab-side-panel@pixellab-side-panel.dev');
    expect(firefox.origin).toBe(`moz-extension://${uuid}`);

    const page = await firefox.openPanel();
    const background = await page.evaluate(async () => {
      const api = (globalThis as any).browser;
      const bg: Window = await api.runtime.getBackgroundPage();
      return {
        url: bg.location.href,
        scripts: [...bg.document.scripts].map((s) => new URL(s.src).pathname),
        manifestVersion: api.runtime.getManifest().manifest_version,
        hasServiceWorker: typeof (globalThis as any).ServiceWorkerGlobalScope,
        // The background answers intents: the panel's only way to change anything.
        reply: await api.runtime.sendMessage({ channel: 'pixellab-intent', intent: { type: 'syncNow' } }),
      };
    });
    expect(background.manifestVersion).toBe(2);
    expect(background.url).toBe(`moz-extension://${uuid}/_generated_background_page.html`);
    expect(background.scripts).toEqual(['/background.js']);
    expect(background.reply).toMatchObject({ ok: expect.any(Boolean) });

    // Off-machine addresses never leave: the sinkhole proxy gets them and refuses them.
    const outcomes = await page.evaluate(async () => {
      const tryFetch = (url: string) =>
        fetch(url).then(
          (r) => `answered ${r.status}`,
          (e: Error) => `failed: ${e.name}`,
        );
      return [await tryFetch('http://example.com/'), await tryFetch('https://example.com/')];
    });
    expect(outcomes).toEqual(['failed: TypeError', 'failed: TypeError']);
    const refused = firefox.refusedRequests.join('\n');
    expect(refused).toContain('GET http://example.com/');
    expect(refused).toContain('CONNECT example.com:443');
  }, 60_000);
});
