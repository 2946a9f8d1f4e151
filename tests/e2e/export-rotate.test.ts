/**
 * Scenario 9: Export JSON -> a download -> import that file into a second, fresh profile -> the same jobs.
 * Rotate and the 8-direction set produce the expected jobs (8 rotate jobs sharing a groupId, each succeeding).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { directions } from '../../utils/domain/job';
import { makeTempDir } from '../helpers/temp-dir';
import {
  collectAllRows,
  disposeAll,
  onDispose,
  rowIdByPrompt,
  type Stack,
  startBrowser,
  startStack,
  submitGenerate,
  waitForStatus,
  waitForThumbnail,
} from './harness';

afterEach(disposeAll);

interface ServerJob {
  id: string;
  kind: string;
  status: string;
  groupId: string | null;
  image: string | null;
  rotate: { toDirection: string; sourceJobId: string | null; sourceImage: string } | null;
}

async function allJobs(stack: Stack): Promise<ServerJob[]> {
  return (await stack.getJson('/api/v1/changes?since=0&limit=500')).changes.filter(
    (j: { deleted: boolean }) => !j.deleted,
  );
}

describe('export and import', () => {
  it('exports JSON from one profile and imports it into a fresh one with the same jobs', async () => {
    const stackA = await startStack();
    const first = await startBrowser({ companionUrl: stackA.url });
    const pageA = await first.openPanel();
    const prompts = ['e2e export cactus', 'e2e export snowman'];
    const ids: string[] = [];
    for (const prompt of prompts) {
      await submitGenerate(pageA, { prompt, width: 32, height: 32, seed: 99 });
      ids.push(await rowIdByPrompt(pageA, prompt));
    }
    for (const [i, id] of ids.entries()) {
      await waitForStatus(pageA, id, 'success');
      await waitForThumbnail(pageA, id, prompts[i]!);
    }

    const [download] = await Promise.all([
      pageA.waitForEvent('download'),
      (async () => {
        await pageA.getByRole('button', { name: 'History data', exact: true }).click();
        await pageA.getByRole('menuitem', { name: 'Export JSON', exact: true }).click();
      })(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.json$/);
    const temp = await makeTempDir('pixellab-e2e-export-');
    onDispose('export dir', temp.remove);
    const file = path.join(temp.dir, download.suggestedFilename());
    await download.saveAs(file);
    const exported = JSON.parse(await readFile(file, 'utf8'));
    expect(exported.jobs.map((j: { id: string }) => j.id).sort()).toEqual([...ids].sort());
    // The file carries the images themselves, so it stands alone.
    for (const job of exported.jobs) expect(JSON.stringify(job)).toMatch(/data:image\/png;base64,[A-Za-z0-9+/]{20}/);

    // A second profile on its own, empty companion: everything it shows comes from the file.
    const stackB = await startStack();
    const second = await startBrowser({ companionUrl: stackB.url });
    const pageB = await second.openPanel();
    await pageB.getByLabel('Import', { exact: true }).setInputFiles(file);
    for (const [i, id] of ids.entries()) {
      await waitForStatus(pageB, id, 'success', 15_000);
      await waitForThumbnail(pageB, id, prompts[i]!);
    }
    expect([...(await collectAllRows(pageB)).keys()].sort()).toEqual([...ids].sort());
    // And the imported jobs reach profile B's companion.
    await expect
      .poll(async () => (await allJobs(stackB)).map((j) => `${j.id}:${j.status}`).sort(), { timeout: 20_000 })
      .toEqual(ids.map((id) => `${id}:success`).sort());
  }, 120_000);
});

describe('rotate', () => {
  it('rotates one direction, then makes an 8-direction set sharing a groupId', async () => {
    const stack = await startStack();
    const browser = await startBrowser({ companionUrl: stack.url });
    const page = await browser.openPanel();
    const prompt = 'e2e rotating paladin';
    await submitGenerate(page, { prompt, width: 64, height: 64, seed: 5 });
    const id = await rowIdByPrompt(page, prompt);
    await waitForStatus(page, id, 'success');
    await waitForThumbnail(page, id, prompt);
    const source = (await allJobs(stack)).find((j) => j.id === id)!;

    const rotations = async () => (await allJobs(stack)).filter((j) => j.kind === 'rotate');

    // One rotation, to the direction picked in the job's detail view (east).
    await page.getByRole('button', { name: `Open details of ${id}`, exact: true }).click();
    const detail = page.getByRole('dialog', { name: prompt });
    await detail.getByLabel('Direction', { exact: true }).selectOption('east');
    await detail.getByRole('button', { name: 'Rotate', exact: true }).click();
    await detail.getByRole('button', { name: 'Close details' }).click();
    await expect.poll(async () => (await rotations()).map((j) => j.status), { timeout: 20_000 }).toEqual(['success']);
    const [single] = await rotations();
    expect(single!.rotate).toMatchObject({ toDirection: 'east', sourceImage: source.image });

    await page.getByRole('button', { name: `More actions for ${id}`, exact: true }).click();
    await page.getByRole('menuitem', { name: `Make 8 directions of ${id}`, exact: true }).click();
    await expect
      .poll(async () => (await rotations()).filter((j) => j.id !== single!.id && j.status === 'success').length, {
        timeout: 30_000,
      })
      .toBe(8);
    const set = (await rotations()).filter((j) => j.id !== single!.id);
    expect(set).toHaveLength(8);
    const groupIds = new Set(set.map((j) => j.groupId));
    expect(groupIds.size).toBe(1);
    expect([...groupIds][0]).toBeTruthy();
    expect(set.map((j) => j.rotate?.toDirection).sort()).toEqual([...directions].sort());
    for (const job of set) {
      expect(job.rotate?.sourceImage).toBe(source.image);
      expect(job.image).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(stack.fake.requests.filter((r) => r.path === '/rotate')).toHaveLength(9);

    // The set is one stack of 8; shown, the panel lists all ten jobs, done, with their images.
    await page.getByRole('button', { name: 'Show the 8 jobs of this batch' }).click();
    const expected = [id, single!.id, ...set.map((j) => j.id)].sort();
    await expect
      .poll(
        async () => {
          const rows = await collectAllRows(page);
          return [...rows]
            .filter(([, r]) => r.status === 'success' && r.imageLoaded)
            .map(([rowId]) => rowId)
            .sort();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual(expected);

    // The source's detail view shows the set as a compass, every cell filled; the set exports as a sheet + atlas.
    await page.getByRole('button', { name: `Open details of ${id}`, exact: true }).click();
    const compass = page.getByRole('region', { name: `Directions of ${prompt}: 8 of 8` });
    await compass.waitFor({ timeout: 20_000 });
    await browser.screenshot(page, 'compass');
    // Dragged out, the image carries its PNG as a DownloadURL (what Chromium saves where it is dropped).
    const dragged = await page.evaluate(() => {
      const img = document.querySelector('.detail-view .pixel-canvas img');
      const dataTransfer = new DataTransfer();
      img?.dispatchEvent(new DragEvent('dragstart', { dataTransfer, bubbles: true }));
      return dataTransfer.getData('DownloadURL');
    });
    expect(dragged).toMatch(new RegExp(`^image/png:pixellab-${id}-e2e-rotating-paladin\\.png:data:image/png;base64,`));
    await compass.getByRole('button', { name: 'Export set…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export 8 images' });
    await dialog.getByLabel('Columns').fill('4');
    await dialog.getByRole('img', { name: /Preview of the e2e_rotating_paladin_sheet\.png/ }).waitFor();
    await browser.screenshot(page, 'export-sheet');
    const downloads: string[] = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    await dialog.getByRole('button', { name: 'Download' }).click();
    await expect
      .poll(() => downloads.sort(), { timeout: 10_000 })
      .toEqual(['e2e_rotating_paladin_sheet.json', 'e2e_rotating_paladin_sheet.png']);
  }, 120_000);
});
