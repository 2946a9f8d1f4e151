/**
 * Scenario 6: a seed-format job_history.json (the old Python server's, version 1.0) is in the data dir when
 * the companion starts. A fresh extension shows those jobs with their images.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  collectAllRows,
  disposeAll,
  jobRow,
  ROOT,
  startBrowser,
  startStack,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

const SEED_DIR = path.join(ROOT, 'tests/fixtures/seed');

interface Case {
  file: string;
  /** Jobs that must show their image: id -> prompt (the alt text). */
  withImages: Record<string, string>;
  /** Jobs whose row must say something: id -> pattern of its text. */
  texts?: Record<string, RegExp>;
}

const cases: Case[] = [
  {
    // Results as bare data URLs; one failed, one running (interrupted by the restart), one queued.
    file: 'string-results.json',
    withImages: { 'job-1': 'heroic knight with glowing sword', 'job-2': 'goblin archer' },
    texts: { 'job-3': /429/ },
  },
  {
    // Results as whole /generate-character answers, a rotation with its source image, unknown fields.
    file: 'object-results.json',
    withImages: { 'job-7': 'wizard with a staff', 'job-8': 'wizard with a staff (east)' },
  },
];

describe('a seed-format history', () => {
  for (const c of cases) {
    it(`shows ${c.file} in a fresh extension, with images`, async () => {
      const stack = await startStack({ seedFile: path.join(SEED_DIR, c.file) });
      const serverJobs = async () =>
        Object.fromEntries(
          ((await stack.getJson('/load-jobs')).jobs as { id: string; status: string }[]).map((j) => [j.id, j.status]),
        );
      const browser = await startBrowser({ companionUrl: stack.url });
      const page = await browser.openPanel();

      for (const [id, prompt] of Object.entries(c.withImages)) {
        await waitForStatus(page, id, 'success', 20_000);
        expect((await waitForThumbnail(page, id, prompt)).width).toBeGreaterThan(0);
      }
      for (const [id, pattern] of Object.entries(c.texts ?? {})) {
        await expect.poll(() => jobRow(page, id).textContent(), { timeout: 10_000 }).toMatch(pattern);
      }

      // Every job of the file is there, with the companion's status, and none is left running.
      const expected = await serverJobs();
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      await expect
        .poll(
          async () => {
            const rows = await collectAllRows(page);
            const now = await serverJobs();
            return (
              Object.keys(now).every((id) => rows.get(id)?.status === now[id]) && rows.size === Object.keys(now).length
            );
          },
          { timeout: 20_000 },
        )
        .toBe(true);
      const rows = await collectAllRows(page);
      expect([...rows.values()].filter((r) => r.status === 'running')).toEqual([]);
    }, 90_000);
  }
});

describe('a history whose image files went missing', () => {
  it('shows the finished job with "no image" instead of a loading shimmer', async () => {
    // The old dashboard's file saved through /save-jobs: the companion writes the PNGs to images/.
    const stack = await startStack();
    const seed = JSON.parse(await readFile(path.join(SEED_DIR, 'object-results.json'), 'utf8'));
    expect((await stack.postJson('/save-jobs', seed)).status).toBe(200);
    const saved = (await stack.readHistory()).jobs as { id: string; image: string | null }[];
    const lost = saved.find((j) => j.id === 'job-8')!.image!;
    // The user deletes one PNG by hand while the companion is stopped.
    await stack.stopCompanion();
    await rm(path.join(stack.dataDir, 'images', `${lost}.png`));
    await stack.restartCompanion();

    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    await waitForStatus(page, 'job-7', 'success', 20_000);
    await waitForThumbnail(page, 'job-7', 'wizard with a staff');
    await waitForStatus(page, 'job-8', 'success', 20_000);
    const thumb = jobRow(page, 'job-8').locator('.job-thumb');
    await expect.poll(() => thumb.getAttribute('data-empty'), { timeout: 15_000 }).toBe('absent');
    expect(await thumb.textContent()).toContain('no image');
    expect(await thumb.getAttribute('title')).toMatch(/not in this browser yet/);
    await browser.screenshot(page, 'image-missing');
  }, 90_000);
});
