/**
 * The origin Firefox gives the extension, measured, and the companion's rule built on it.
 *
 * Measured in Firefox ESR 153 (this test keeps measuring it): from the sidebar page and from the MV2
 * background page alike, a GET to the companion carries no `Origin` and no `Referer`, only
 * `Sec-Fetch-Site: same-origin` (host permissions make the companion same-origin to the extension), even
 * with an `Authorization` header; a POST or PUT carries `Origin: moz-extension://<uuid>`, the UUID random per
 * profile. So the companion cannot tell a Firefox extension's GET from a local program's (it lets both in,
 * as the README's threat model says), and must be told the POST's origin: by pairing, or with
 * --allow-extension moz-extension://<uuid>.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyCaller } from '../../companion-server/middleware/origin-policy';
import { parseAllowedExtension } from '../../companion-server/middleware/origin-policy/extension-ids';
import { disposeAll, onDispose, type Stack, startFirefox, startStack } from './harness';
import {
  clickButton,
  fillByLabel,
  rowIdByPrompt,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './panel';

afterEach(disposeAll);

interface Seen {
  path: string;
  origin: string | null;
  site: string | null;
  referer: string | null;
}

/** A loopback server that answers 200 and records the headers the browser chose. */
async function headerRecorder(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({
      path: req.url ?? '',
      origin: req.headers.origin ?? null,
      site: (req.headers['sec-fetch-site'] as string | undefined) ?? null,
      referer: req.headers.referer ?? null,
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onDispose('header recorder', () => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('the extension origin in Firefox', () => {
  it('GET carries no Origin, POST and PUT carry moz-extension://<uuid>, from the sidebar and the background', async () => {
    const recorder = await headerRecorder();
    const firefox = await startFirefox();
    const page = await firefox.openPanel();
    await page.evaluate(async (url) => {
      const api = (globalThis as any).browser;
      const json = { 'content-type': 'application/json' };
      // The real sidebar (Firefox opens it on install) and the background page each fetch from their own window.
      const sidebar: Window | undefined = api.extension.getViews({ type: 'sidebar' })[0];
      const background: Window = await api.runtime.getBackgroundPage();
      for (const [name, win] of [
        ['sidebar', sidebar],
        ['background', background],
      ] as const) {
        if (!win) throw new Error(`no ${name} window`);
        await win.fetch(`${url}/${name}/get`);
        await win.fetch(`${url}/${name}/get-with-token`, { headers: { authorization: 'Bearer t' } });
        await win.fetch(`${url}/${name}/post`, { method: 'POST', headers: json, body: '{}' });
        await win.fetch(`${url}/${name}/put`, { method: 'PUT', headers: json, body: '{}' });
      }
    }, recorder.url);

    const none = { origin: null, site: 'same-origin', referer: null };
    const extension = { origin: firefox.origin, site: 'same-origin', referer: null };
    expect(recorder.seen).toEqual([
      { path: '/sidebar/get', ...none },
      { path: '/sidebar/get-with-token', ...none },
      { path: '/sidebar/post', ...extension },
      { path: '/sidebar/put', ...extension },
      { path: '/background/get', ...none },
      { path: '/background/get-with-token', ...none },
      { path: '/background/post', ...extension },
      { path: '/background/put', ...extension },
    ]);

    // The companion's reading of exactly these headers: a GET looks like a local program, a POST is an
    // extension it does not know until --allow-extension names this profile's origin.
    const host = '127.0.0.1:8787';
    const classify = (s: Seen, allowExtensions: string[]) =>
      classifyCaller(
        { origin: s.origin ?? undefined, site: s.site ?? undefined, referer: s.referer ?? undefined, host },
        { allowOrigins: [], allowExtensions, dashboard: true },
      );
    const [get, , post] = recorder.seen;
    expect(classify(get!, [])).toEqual({ caller: { kind: 'script', origin: null } });
    expect(classify(post!, [])).toEqual({ caller: { kind: 'extension', origin: firefox.origin } });
    expect(classify(post!, [parseAllowedExtension(firefox.origin)])).toEqual({
      caller: { kind: 'trusted-extension', origin: firefox.origin },
    });
    // The UUID is the profile's: another profile's origin is not trusted by this one's flag.
    const other = await startFirefox();
    expect(other.origin).not.toBe(firefox.origin);
    expect(classify({ ...post!, origin: other.origin }, [parseAllowedExtension(firefox.origin)])).toEqual({
      caller: { kind: 'extension', origin: other.origin },
    });
  }, 60_000);

  it('an unknown moz-extension origin is asked to pair on its first write; paired, its waiting job runs', async () => {
    const stack: Stack = await startStack();
    const firefox = await startFirefox({ companionUrl: stack.url });
    const page = await firefox.openPanel();
    // /health (a GET) passes: the panel is online, and nothing asks to pair before the first write.
    await waitForCompanionStatus(page, true);
    const prompt = 'e2e firefox paired owl';
    const seen = stack.companion.logs.length;
    await submitGenerate(page, { prompt, width: 32, height: 32 });
    const id = await rowIdByPrompt(page, prompt);

    // The job's POST carries moz-extension://<uuid>, which this companion does not know: 401, pair first.
    await clickButton(page, 'Pair with companion', 20_000);
    let code = '';
    await expect
      .poll(
        () => {
          const line = stack.companion.logs.slice(seen).find((l) => l.startsWith('Pairing request from'));
          code = /enter code (\d{6})/.exec(line ?? '')?.[1] ?? '';
          return line ?? '';
        },
        { timeout: 10_000 },
      )
      .toContain(`"PixelLab Side Panel (Firefox)" (${firefox.origin})`);
    expect((await stack.readHistory()).jobs).toEqual([]);
    await fillByLabel(page, 'Pairing code', code);
    await clickButton(page, 'Confirm pairing');
    await expect.poll(() => stack.companion.logs).toContain('Paired with "PixelLab Side Panel (Firefox)".');

    await waitForStatus(page, id, 'success', 30_000);
    expect(await waitForThumbnail(page, id, prompt)).toEqual({ width: 32, height: 32 });
    expect((await stack.readHistory()).jobs.map((j: { id: string }) => j.id)).toEqual([id]);
  }, 90_000);
});
