/**
 * The first run, as a new user meets it (issue 20): the extension is installed, the companion is not running.
 * The panel shows the setup card with the command; the companion starts and the card goes by itself; a wrong
 * PixelLab key is refused in plain words; the right one (the fake PixelLab's) shows the balance, and the first
 * generation works with no reload. Then: the key file's place and mode, and the key absent from every answer,
 * from chrome.storage and from the companion's logs; a web page and an unpaired extension cannot set it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  disposeAll,
  type ExtensionBrowser,
  onDispose,
  PIXELLAB_KEY,
  rowIdByPrompt,
  startBrowser,
  startStack,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

const WRONG_KEY = 'not-my-pixellab-key-0000';
const OTHER_EXTENSION = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

/** Every file under `dir`, as text. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await readFile(path.join(entry.parentPath, entry.name), 'latin1'));
  }
  return out;
}

/** A web page on another loopback port that tries to set the key, as any site could. */
async function startWebPage(): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><title>A web page</title><script>
window.setKey = async (url) => {
  try {
    const res = await fetch(url + '/api/v1/key', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'attacker-chosen-key-1234' }) });
    return 'answered ' + res.status;
  } catch (e) { return 'network-error'; }
};
window.setKeyNoCors = async (url) => {
  try {
    await fetch(url + '/api/v1/key', { method: 'PUT', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ apiKey: 'attacker-chosen-key-1234' }) });
    return 'sent';
  } catch (e) { return 'network-error'; }
};
</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The browser keeps its connection alive: close it too, or close() waits for it.
  onDispose('web page', () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    return closed;
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** The same state in the dark theme, in a second panel page (closed after). */
async function darkScreenshot(browser: ExtensionBrowser, heading: string, name: string): Promise<void> {
  const dark = await browser.openPanel('theme=dark');
  await dark.emulateMedia({ colorScheme: 'dark' });
  await dark.getByRole('heading', { name: heading }).waitFor({ timeout: 15_000 });
  await browser.screenshot(dark, name);
  await dark.close();
}

describe('the first run', () => {
  it('guides from no companion to the first sprite, and keeps the key out of every answer, storage and log', async () => {
    const stack = await startStack({ withoutCompanion: true, apiKey: null });
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();

    // 1. No companion: the setup card, with the command that starts it.
    const card = page.getByRole('region', { name: 'Start the PixelLab companion' });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getByTestId('command').allInnerTexts()).toEqual([
      'npx pixellab-companion',
      'npx pixellab-companion service install',
    ]);
    await page.getByRole('button', { name: 'Copy the command: npx pixellab-companion', exact: true }).click();
    await expect.poll(() => page.getByTestId('toast').innerText()).toBe('Command copied: paste it in a terminal');
    // What a user would paste: the command, from the clipboard (pasted into the prompt field, then cleared).
    const promptField = page.getByLabel('Prompt', { exact: true });
    await promptField.focus();
    await page.keyboard.press('Control+V');
    expect(await promptField.inputValue()).toBe('npx pixellab-companion');
    await promptField.fill('');
    await browser.screenshot(page, 'first-run-setup');
    await darkScreenshot(browser, 'Start the PixelLab companion', 'first-run-setup-dark');

    // 2. The user runs it: the card goes by itself, and the panel asks for the key.
    await stack.startCompanion();
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    await waitForCompanionStatus(page, true);
    const keyField = page.getByLabel('PixelLab API key', { exact: true });
    await keyField.waitFor();
    expect(await keyField.getAttribute('type')).toBe('password');
    await expect.poll(() => page.getByTestId('api-key-status').innerText()).toBe('No API key');
    await browser.screenshot(page, 'first-run-key');
    await darkScreenshot(browser, 'Add your PixelLab key', 'first-run-key-dark');

    // 3. A wrong key: a clear refusal, nothing saved.
    await keyField.fill(WRONG_KEY);
    await page.getByRole('button', { name: 'Check and save', exact: true }).click();
    const refusal = page.getByTestId('key-error');
    await expect
      .poll(() => refusal.innerText().catch(() => ''), { timeout: 15_000 })
      .toBe(
        'The key was not saved: PixelLab did not accept this key (HTTP 401). Copy it again from your PixelLab account page.',
      );
    await expect.poll(() => keyField.getAttribute('aria-invalid')).toBe('true');
    await browser.screenshot(page, 'first-run-refused');
    const keyDir = path.join(stack.configHome, 'pixellab-companion');
    await expect(stat(keyDir)).rejects.toMatchObject({ code: 'ENOENT' });

    // 4. The right key: the prompt goes, the balance shows, and the first generation runs with no reload.
    await keyField.fill(PIXELLAB_KEY);
    await page.getByRole('button', { name: 'Check and save', exact: true }).click();
    await page.getByTestId('key-prompt').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('Balance $25.00');
    await expect.poll(() => page.getByTestId('api-key-status').textContent()).toBe('API key ✓detected');
    const prompt = 'e2e first sprite';
    await submitGenerate(page, { prompt, width: 32, height: 32, seed: 7 });
    const id = await rowIdByPrompt(page, prompt);
    await waitForStatus(page, id, 'success', 30_000);
    expect(await waitForThumbnail(page, id, prompt)).toEqual({ width: 32, height: 32 });
    await browser.screenshot(page, 'first-run-ready');
    expect(stack.fake.requests.filter((r) => r.path === '/generate-image-pixflux')).toMatchObject([
      { authorized: true },
    ]);

    // The key file: in the config folder, never the data dir; readable by its owner only.
    const keyFile = path.join(keyDir, 'pixellab-key.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(keyDir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(keyFile, 'utf8'))).toEqual({ version: 1, apiKey: PIXELLAB_KEY });
    expect(path.relative(stack.dataDir, keyFile).startsWith('..')).toBe(true);
    for (const text of await filesUnder(stack.dataDir)) expect(text).not.toContain(PIXELLAB_KEY);
    const health = await stack.getJson('/health');
    expect(health).toMatchObject({ api_key_detected: true, api_key_source: 'file', balance: { status: 'ok' } });

    // Never in an answer: every read route, as the extension and as a local program asks.
    const job = (await stack.getJson('/load-jobs')).jobs[0];
    for (const route of [
      '/health',
      '/balance',
      '/load-jobs',
      '/api/v1/changes?since=0',
      `/api/v1/jobs/${id}`,
      '/api/v1/config',
      '/api/v1/spend',
      '/pair',
      `/api/v1/images/${job.image ?? 'none'}`,
    ]) {
      for (const headers of [{}, { origin: `chrome-extension://${browser.extensionId}` }] as Record<string, string>[]) {
        const res = await fetch(stack.url + route, { headers });
        const text = `${JSON.stringify([...res.headers])}${Buffer.from(await res.arrayBuffer()).toString('latin1')}`;
        expect(text, route).not.toContain(PIXELLAB_KEY);
      }
    }
    // Nor in the browser's storage, nor in anything the companion printed.
    const stored = await browser.worker.evaluate(async () =>
      JSON.stringify(await (globalThis as any).chrome.storage.local.get(null)),
    );
    expect(stored).toContain('"apiKeySource":"file"');
    expect(stored).not.toContain(PIXELLAB_KEY);
    expect(stored).not.toContain(WRONG_KEY);
    expect(stack.logs.length).toBeGreaterThan(2);
    // Joined without separators: a key cut in two by the pipe's chunks is still found.
    const printed = stack.logs.join('');
    expect(printed).not.toContain(PIXELLAB_KEY);
    expect(printed).not.toContain(WRONG_KEY);

    // A web page cannot set it: its request is refused (the preflight gets no CORS answer), nor can it sneak one in.
    const site = await browser.context.newPage();
    await site.goto(await startWebPage());
    expect(await site.evaluate((url) => (window as any).setKey(url), stack.url)).toBe('network-error');
    await site.evaluate((url) => (window as any).setKeyNoCors(url), stack.url);
    const fromWeb = await fetch(`${stack.url}/api/v1/key`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', origin: 'https://example.com' },
      body: JSON.stringify({ apiKey: 'attacker-chosen-key-1234' }),
    });
    expect(fromWeb.status).toBe(403);
    // Nor an extension the companion does not know and that did not pair.
    const fromExtension = await fetch(`${stack.url}/api/v1/key`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', origin: OTHER_EXTENSION },
      body: JSON.stringify({ apiKey: 'attacker-chosen-key-1234' }),
    });
    expect(fromExtension.status).toBe(401);
    expect(await fromExtension.json()).toMatchObject({ error: 'pairing_required' });
    expect(JSON.parse(await readFile(keyFile, 'utf8')).apiKey).toBe(PIXELLAB_KEY);
    expect(await stack.getJson('/health')).toMatchObject({ api_key_source: 'file' });
  }, 180_000);
});
