import { afterEach, describe, expect, it } from 'vitest';
import { disposeAll, EXPECTED_EXTENSION_ID, startBrowser } from './harness';

afterEach(disposeAll);

describe('e2e harness', () => {
  it('loads the built extension with its pinned id, stops its worker for real, and keeps Chromium on loopback', async () => {
    const browser = await startBrowser();
    expect(browser.extensionId).toBe(EXPECTED_EXTENSION_ID);
    expect(browser.worker.url()).toBe(`chrome-extension://${EXPECTED_EXTENSION_ID}/background.js`);

    await browser.stopServiceWorker();

    // An extension page messaging the background wakes a new worker: a fresh global scope.
    const page = await browser.openPanel();
    await page.evaluate(() =>
      (globalThis as any).chrome.runtime.sendMessage({ channel: 'e2e-ping' }).catch(() => null),
    );
    expect(await browser.workerRestarted()).toBe(true);

    // Off-machine addresses, by name and by IP literal, never leave: the harness's sinkhole proxy gets them
    // and refuses them (so a CORS fetch fails), and nothing else answers.
    const outcomes = await page.evaluate(async () => {
      const tryFetch = (url: string) =>
        fetch(url).then(
          (r) => `answered ${r.status}`,
          (e: Error) => `failed: ${e.name}`,
        );
      return [
        await tryFetch('http://example.com/'),
        await tryFetch('https://example.com/'),
        await tryFetch('http://203.0.113.7/'),
      ];
    });
    expect(outcomes).toEqual(['failed: TypeError', 'failed: TypeError', 'failed: TypeError']);
    const refused = browser.refusedRequests.join('\n');
    expect(refused).toContain('GET http://example.com/');
    expect(refused).toContain('CONNECT example.com:443');
    expect(refused).toContain('GET http://203.0.113.7/');
  }, 60_000);
});
