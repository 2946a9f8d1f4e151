/**
 * Pairing: the companion runs with --require-pairing. The panel offers "Pair with companion", the companion
 * prints a code on its console, the code typed in the panel pairs the extension, and a generated job then
 * syncs. The token survives a companion restart (pairings.json holds its sha-256 only).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  disposeAll,
  rowIdByPrompt,
  type Stack,
  startBrowser,
  startStack,
  submitGenerate,
  waitForCompanionStatus,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

const CODE_LINE =
  /^Pairing request from "(.+)" \(chrome-extension:\/\/[a-p]{32}\): enter code (\d{6}) in the side panel \(expires in 120 s\)$/;

/** The newest code the companion printed after `seen` lines, as a person reading its console would. */
async function printedCode(stack: Stack, seen: number): Promise<{ clientName: string; code: string }> {
  let found: RegExpExecArray | null = null;
  await expect
    .poll(
      () => {
        found =
          stack.companion.logs
            .slice(seen)
            .map((l) => CODE_LINE.exec(l))
            .findLast((m) => m !== null) ?? null;
        return found !== null;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const m = found as unknown as RegExpExecArray;
  return { clientName: m[1]!, code: m[2]! };
}

describe('pairing with the companion', () => {
  it('pairs with the printed code, then a generated job syncs; the pairing outlives a restart', async () => {
    const stack = await startStack({ args: ['--require-pairing'] });
    expect((await stack.getJson('/health')).auth).toBe('pairing');
    const unpaired = await fetch(`${stack.url}/api/v1/changes?since=0`);
    expect(unpaired.status).toBe(401);
    expect(await unpaired.json()).toMatchObject({ status: 'error', error: 'pairing_required' });

    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await waitForCompanionStatus(page, true);
    const pairButton = page.getByRole('button', { name: 'Pair with companion', exact: true });
    await pairButton.waitFor({ timeout: 15_000 });

    const seen = stack.companion.logs.length;
    await pairButton.click();
    const { clientName, code } = await printedCode(stack, seen);
    expect(clientName).toBe('PixelLab Side Panel (Chrome)');

    const field = page.getByLabel('Pairing code', { exact: true });
    await field.waitFor();
    expect(await page.locator(`#${await field.getAttribute('aria-describedby')}`).innerText()).toBe(
      'Enter the code the companion printed',
    );
    // A wrong code first: the banner says so in plain words and the field stays.
    await field.fill(code === '000000' ? '000001' : '000000');
    await page.getByRole('button', { name: 'Confirm pairing', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').innerText(), { timeout: 10_000 })
      .toContain('Wrong pairing code; 4 tries left.');

    await field.fill(code);
    await page.getByRole('button', { name: 'Confirm pairing', exact: true }).click();
    await pairButton.waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByRole('alert').waitFor({ state: 'detached' });
    // The companion's output comes through a pipe, which may lag behind its answers.
    await expect.poll(() => stack.companion.logs).toContain('Paired with "PixelLab Side Panel (Chrome)".');

    // The token went to the extension's settings (read through the worker, never written by the test)...
    const token = await browser.worker.evaluate(
      async () => ((await (globalThis as any).chrome.storage.local.get('settings')).settings?.token as string) ?? '',
    );
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // ...and only its sha-256 to the companion's data dir.
    const pairingsText = await readFile(path.join(stack.dataDir, 'pairings.json'), 'utf8');
    expect(pairingsText).not.toContain(token);
    expect(JSON.parse(pairingsText).pairings).toEqual([
      {
        tokenHash: createHash('sha256').update(token).digest('hex'),
        clientName: 'PixelLab Side Panel (Chrome)',
        createdAt: expect.any(Number),
      },
    ]);

    const prompt = 'e2e paired knight';
    await submitGenerate(page, { prompt, width: 32, height: 32, seed: 77 });
    const id = await rowIdByPrompt(page, prompt);
    await waitForStatus(page, id, 'success', 30_000);
    expect(await waitForThumbnail(page, id, prompt)).toEqual({ width: 32, height: 32 });
    const history = await stack.readHistory();
    expect(history.jobs.find((j: { id: string }) => j.id === id)).toMatchObject({ prompt, status: 'success' });

    // A restarted companion still knows the token: no pairing again.
    await stack.restartCompanion();
    const config = await fetch(`${stack.url}/api/v1/config`, { headers: { authorization: `Bearer ${token}` } });
    expect(config.status).toBe(200);
    await page.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect.poll(() => page.getByTestId('toast').innerText(), { timeout: 15_000 }).toMatch(/^Synced/);
    expect(await pairButton.count()).toBe(0);
  }, 120_000);
});
