/**
 * The old dashboard's safe way in (issue 12, "open doors"), in a real Chromium: `--dashboard` serves a
 * folder same-origin at /dashboard/, its script runs under the CSP and reaches the old API, not the rest;
 * markup in a prompt cannot run script there; another site can neither frame it nor get in as "null"
 * through a sandboxed iframe, which `--allow-origin null` used to let in.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAll, onDispose, startBrowser, startStack } from './harness';

afterEach(disposeAll);

/** A stand-in for the old dashboard: same shape (its page and js/), same kinds of calls, and its innerHTML habit. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>PixelLab Command Center</title>
<div id="jobs"></div><script type="module" src="js/app.js"></script>`;
const APP = `
const results = {};
const status = async (label, url, init) => {
  try { results[label] = (await fetch(url, init)).status; } catch (e) { results[label] = 'network-error'; }
};
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
await status('load same-origin', '/load-jobs');
await status('load 127.0.0.1', 'http://127.0.0.1:' + location.port + '/load-jobs');
await status('load localhost', 'http://localhost:' + location.port + '/load-jobs');
await status('save', '/save-jobs', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ jobs: [{ id: 'job-1', prompt: 'from the dashboard', status: 'idle' }], lastJobId: 1 }) });
await status('changes', '/api/v1/changes');
await status('config', '/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"parallelLimit":1}' });
// As ui.js renders a prompt it did not escape. Its error event is awaited (a listener, which the policy allows,
// runs after the refused inline one), not a fixed 300 ms that a loaded machine could outlast.
document.getElementById('jobs').innerHTML = '<div class="job-prompt"><img src="x" onerror="window.__pwned = true"></div>';
await new Promise((r) => document.querySelector('#jobs img').addEventListener('error', r, { once: true }));
window.__results = results;
`;

async function dashboardFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pixellab-e2e-dashboard-'));
  onDispose('dashboard folder', () => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'js'));
  await writeFile(path.join(dir, 'pixellab_dashboard.html'), PAGE);
  await writeFile(path.join(dir, 'js/app.js'), APP);
  return dir;
}

/** Another site: frames the dashboard, and tries the companion from a sandboxed iframe (Origin "null"). */
async function startOtherSite(companionPort: number): Promise<number> {
  const sandboxed = `<script>fetch('http://127.0.0.1:${companionPort}/load-jobs').then((r) => r.text())
    .then((t) => parent.postMessage('read ' + t.length, '*'), (e) => parent.postMessage('refused: ' + e.name, '*'));</script>`;
  const page = `<!doctype html><meta charset="utf-8">
<iframe id="framed" src="http://127.0.0.1:${companionPort}/dashboard/"></iframe>
<iframe sandbox="allow-scripts" srcdoc="${sandboxed.replace(/"/g, '&quot;')}"></iframe>
<script>window.__messages = []; addEventListener('message', (e) => window.__messages.push(e.data));</script>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onDispose('other site', () => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

describe('--dashboard in a real browser', () => {
  it('runs the served dashboard same-origin on the old API only, with no script from markup', async () => {
    const stack = await startStack({ args: ['--dashboard', await dashboardFolder()] });
    const browser = await startBrowser();
    const page = await browser.context.newPage();
    await page.goto(`${stack.url}/dashboard/`);
    await page.waitForFunction(() => (window as any).__results !== undefined, null, { timeout: 15_000 });
    const results = await page.evaluate(() => (window as any).__results);
    expect(results).toEqual({
      'load same-origin': 200,
      'load 127.0.0.1': 200,
      'load localhost': 200,
      save: 200,
      changes: 403,
      config: 403,
    });
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    // The violation is reported in a task of its own, after the error event.
    await expect.poll(() => page.evaluate(() => (window as any).__violations)).toContain('script-src-attr');
    expect((await stack.getJson('/load-jobs')).jobs.map((j: { prompt: string }) => j.prompt)).toEqual([
      'from the dashboard',
    ]);
  }, 60_000);

  it('cannot be framed by another site, and a sandboxed frame ("null") cannot read the companion', async () => {
    const stack = await startStack({ args: ['--dashboard', await dashboardFolder()] });
    const sitePort = await startOtherSite(stack.port);
    const browser = await startBrowser();
    const page = await browser.context.newPage();
    const framed: number[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('/dashboard/')) framed.push(res.status());
    });
    await page.goto(`http://localhost:${sitePort}/`);
    await page.waitForFunction(() => (window as any).__messages.length > 0, null, { timeout: 15_000 });
    expect(await page.evaluate(() => (window as any).__messages)).toEqual(['refused: TypeError']);
    // The frame's request is a cross-site navigation (no Origin, Sec-Fetch-Site: cross-site): refused. Had it got
    // through, the page's X-Frame-Options and frame-ancestors would stop it (tests/server/dashboard.test.ts).
    // The two frames load side by side: the framed one's answer may come after the sandboxed one's message.
    await expect.poll(() => framed, { timeout: 15_000 }).toEqual([403]);
    const frame = await (await page.$('#framed'))!.contentFrame();
    expect(await frame!.evaluate(() => document.title)).not.toBe('PixelLab Command Center');
    // The companion's output comes through a pipe, which may lag behind its answers.
    await expect
      .poll(() => stack.companion.logs.some((l) => /Refused GET \/load-jobs from the web origin "null"/.test(l)))
      .toBe(true);
  }, 60_000);
});
