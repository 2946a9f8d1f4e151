/**
 * The panel as the Firefox tests see it, through puppeteer: the same DOM hooks the Chromium tests rely on
 * (tests/e2e/README.md "DOM hooks"): rows `[data-job-id][data-status]`, thumbnails with alt = the prompt,
 * fields found by their label, `data-testid="companion-status"` with `data-online`.
 */
import type { ElementHandle, Page } from 'puppeteer-core';
import { acrossNavigation } from './harness';

/** Waits until the panel's status bar says the companion is online (or offline). */
export async function waitForCompanionStatus(page: Page, online: boolean, timeout = 15_000): Promise<void> {
  await page.waitForSelector(`[data-testid="companion-status"][data-online="${online}"]`, { timeout });
}

/** The form control a `<label>` with exactly this text names. */
async function byLabel(page: Page, label: string): Promise<ElementHandle<Element>> {
  const handle = await page.waitForFunction(
    (text) => [...document.querySelectorAll('label')].find((l) => l.textContent?.trim() === text)?.control ?? null,
    { timeout: 10_000 },
    label,
  );
  return handle as ElementHandle<Element>;
}

/** Replaces a field's text by typing, as a user would (select what is there, type over it). */
export async function fillByLabel(page: Page, label: string, value: string): Promise<void> {
  const field = await byLabel(page, label);
  await field.focus();
  await field.evaluate((el) => (el as HTMLInputElement).select());
  if (value === '') await page.keyboard.press('Backspace');
  else await page.keyboard.type(value);
}

/** Clicks the button whose accessible text (aria-label, else its text) is exactly `name`. */
export async function clickButton(page: Page, name: string, timeout = 10_000): Promise<void> {
  const button = (await page.waitForFunction(
    (wanted) =>
      [...document.querySelectorAll('button')].find(
        (b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === wanted && !b.disabled,
      ) ?? null,
    { timeout },
    name,
  )) as ElementHandle<HTMLButtonElement>;
  await button.click();
}

export interface GenerateInput {
  prompt: string;
  width?: number;
  height?: number;
  seed?: number;
}

/** Fills the form through its labels and presses Generate. */
export async function submitGenerate(page: Page, input: GenerateInput): Promise<void> {
  await fillByLabel(page, 'Prompt', input.prompt);
  if (input.width !== undefined) await fillByLabel(page, 'Width', String(input.width));
  if (input.height !== undefined) await fillByLabel(page, 'Height', String(input.height));
  if (input.seed !== undefined) await fillByLabel(page, 'Seed', String(input.seed));
  await clickButton(page, 'Generate');
}

/** The id of the one row showing this prompt (prompts are unique per test), once it is rendered. */
export async function rowIdByPrompt(page: Page, prompt: string, timeout = 15_000): Promise<string> {
  const handle = await page.waitForFunction(
    (text) => {
      const rows = [...document.querySelectorAll('[data-job-id]')].filter((r) => r.textContent?.includes(text));
      return rows.length ? rows.map((r) => r.getAttribute('data-job-id')) : null;
    },
    { timeout },
    prompt,
  );
  const ids = (await handle.jsonValue()) as string[];
  if (ids.length !== 1) throw new Error(`expected one row showing "${prompt}", found ${ids.length}`);
  return ids[0]!;
}

export async function waitForStatus(page: Page, id: string, status: string, timeout = 20_000): Promise<void> {
  try {
    await page.waitForSelector(`[data-job-id="${id}"][data-status="${status}"]`, { timeout });
  } catch (err) {
    const now = await page
      .$eval(`[data-job-id="${id}"]`, (row) => `${row.getAttribute('data-status')}: ${row.textContent}`)
      .catch(() => '(no such row)');
    throw new Error(`row ${id} did not reach "${status}" in ${timeout} ms; it shows ${now}`, { cause: err });
  }
}

/** Waits until the row's thumbnail (alt = the prompt) has decoded pixels; returns its natural size. */
export async function waitForThumbnail(
  page: Page,
  id: string,
  prompt: string,
  timeout = 15_000,
): Promise<{ width: number; height: number }> {
  const handle = await page.waitForFunction(
    (jobId, alt) => {
      const img = [...document.querySelectorAll(`[data-job-id="${jobId}"] img`)].find(
        (i): i is HTMLImageElement => i instanceof HTMLImageElement && i.alt === alt,
      );
      return img?.complete && img.naturalWidth > 0 ? { width: img.naturalWidth, height: img.naturalHeight } : null;
    },
    { timeout },
    id,
    prompt,
  );
  return (await handle.jsonValue()) as { width: number; height: number };
}

/** `{id: status}` of every rendered row. */
export function renderedStatuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-job-id]', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-job-id')!, r.getAttribute('data-status') ?? ''])),
  );
}

export { recordStatuses, statusHistory } from '../helpers/status-log';

/** Reloads the panel tab (its reload never resolves for moz-extension://) and waits for the new document. */
export async function reloadPanel(page: Page): Promise<void> {
  await page.evaluate(() => ((window as any).__beforeReload = true));
  page.reload().catch(() => undefined);
  await acrossNavigation(
    (timeout) =>
      page.waitForFunction(() => !(window as any).__beforeReload && document.querySelector('#gen-prompt'), {
        timeout,
      }),
    20_000,
  );
}
