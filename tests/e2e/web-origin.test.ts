/**
 * Scenario 7: a web page on another loopback port tries to read and write the companion. Browsers let any
 * page send requests to 127.0.0.1, so the companion itself must refuse them; the history file stays as it was.
 */
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAll, onDispose, ROOT, startBrowser, startStack } from './harness';

afterEach(disposeAll);

const SEED = path.join(ROOT, 'tests/fixtures/seed/object-results.json');

/** The attacker's page: plain HTML with a script that tries everything a page can do without the user. */
const ATTACK_PAGE = `<!doctype html><meta charset="utf-8"><title>Innocent page</title>
<script>
async function attempt(label, url, init) {
  try {
    const res = await fetch(url, init);
    let text = null;
    try { text = await res.text(); } catch (e) { text = 'unreadable: ' + e.name; }
    return { label, outcome: 'answered', type: res.type, status: res.status, text };
  } catch (e) {
    return { label, outcome: 'network-error', error: e.name + ': ' + e.message };
  }
}
window.attack = async (base) => {
  const emptied = JSON.stringify({ jobs: [], lastJobId: 0 });
  return [
    await attempt('read', base + '/load-jobs'),
    await attempt('read no-cors', base + '/load-jobs', { mode: 'no-cors' }),
    await attempt('write json', base + '/save-jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: emptied }),
    await attempt('write text/plain no-cors', base + '/save-jobs', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: emptied }),
    await attempt('clear text/plain no-cors', base + '/clear-history', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }),
    await attempt('push no-cors', base + '/api/v1/push', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ requestId: 'attack-0001', clientId: 'evil', changes: [] }) }),
  ];
};
</script><p>Nothing to see here.</p>`;

async function startAttackerSite(): Promise<number> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(ATTACK_PAGE);
  });
  server.on('connection', (socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onDispose(
    'attacker site',
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** What the browser itself received from the companion (status codes even of opaque or CORS-blocked answers). */
function companionAnswers(page: Page, port: number) {
  const seen: { method: string; path: string; status: number }[] = [];
  page.on('response', (res: Response) => {
    const url = new URL(res.url());
    if (url.port === String(port))
      seen.push({ method: res.request().method(), path: url.pathname, status: res.status() });
  });
  return seen;
}

describe('a web page cannot use the companion', () => {
  it('is refused reading and writing from another loopback port, and job_history.json is unchanged', async () => {
    const stack = await startStack({ seedFile: SEED });
    const before = await readFile(stack.historyFile);
    const mtimeBefore = (await stat(stack.historyFile)).mtimeMs;
    const jobsBefore = (await stack.getJson('/load-jobs')).jobs.map((j: { id: string }) => j.id);
    expect(jobsBefore.length).toBeGreaterThan(0);

    const sitePort = await startAttackerSite();
    const browser = await startBrowser();

    for (const [siteHost, companionBase] of [
      [`127.0.0.1:${sitePort}`, stack.url],
      [`localhost:${sitePort}`, `http://localhost:${stack.port}`],
    ] as const) {
      const page = await browser.context.newPage();
      const answers = companionAnswers(page, stack.port);
      await page.goto(`http://${siteHost}/`);
      const results: any[] = await page.evaluate((base) => (window as any).attack(base), companionBase);
      const byLabel = Object.fromEntries(results.map((r) => [r.label, r]));

      // CORS-mode requests: the page learns nothing but a network error.
      expect(byLabel.read, JSON.stringify(byLabel.read)).toMatchObject({ outcome: 'network-error' });
      expect(byLabel['write json'], JSON.stringify(byLabel['write json'])).toMatchObject({ outcome: 'network-error' });
      // no-cors requests are sent, but the answers are opaque to the page...
      for (const label of ['read no-cors', 'write text/plain no-cors', 'clear text/plain no-cors', 'push no-cors']) {
        expect(byLabel[label], label).toMatchObject({ outcome: 'answered', type: 'opaque', status: 0, text: '' });
      }
      // ...and the companion refused every write (the browser saw the 403s behind the opaque answers).
      const writes = answers.filter((a) => a.method === 'POST');
      expect(writes.map((a) => a.path).sort(), JSON.stringify(answers)).toEqual([
        '/api/v1/push',
        '/clear-history',
        '/save-jobs',
      ]);
      for (const answer of writes) expect(answer, JSON.stringify(answer)).toMatchObject({ status: 403 });
      // A no-cors GET carries no Origin header, so the companion cannot tell it from the extension's own GETs
      // and answers it; the browser keeps that answer opaque (checked above), so the page reads nothing.
      await page.close();
    }

    // Nothing changed on disk.
    expect((await readFile(stack.historyFile)).equals(before)).toBe(true);
    expect((await stat(stack.historyFile)).mtimeMs).toBe(mtimeBefore);
    expect((await stack.getJson('/load-jobs')).jobs.map((j: { id: string }) => j.id)).toEqual(jobsBefore);
  }, 60_000);

  it('refuses a DNS-rebinding page: a foreign host name pointing at 127.0.0.1 gets 403 even same-origin', async () => {
    const stack = await startStack({ seedFile: SEED });
    const before = await readFile(stack.historyFile);
    // rebind.test resolves to 127.0.0.1 inside this browser only, as an attacker's DNS would make it.
    const browser = await startBrowser({ mapHosts: [{ host: 'rebind.test', to: '127.0.0.1' }] });
    const page = await browser.context.newPage();
    const origin = `http://rebind.test:${stack.port}`;
    const top = await page.goto(`${origin}/load-jobs`);
    expect(top?.status()).toBe(403);
    expect(await top?.json()).toMatchObject({ status: 'error', error: 'host_refused' });

    // Now the page IS the companion's origin, so the browser's CORS rules no longer stand in the way.
    const results = await page.evaluate(async () => {
      const read = await fetch('/load-jobs');
      const write = await fetch('/save-jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jobs: [], lastJobId: 0 }),
      });
      return [
        { status: read.status, body: await read.json() },
        { status: write.status, body: await write.json() },
      ];
    });
    for (const result of results) expect(result).toMatchObject({ status: 403, body: { error: 'host_refused' } });
    expect((await readFile(stack.historyFile)).equals(before)).toBe(true);
  }, 60_000);
});
