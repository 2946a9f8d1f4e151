import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import { holdsHistory, recordAdoption, wasAdopted } from '../store/adoptions';
import { chooseDataDir } from './data-dir';

const SEED_FILE = path.join(import.meta.dirname, '../../tests/fixtures/seed/string-results.json');
const temps: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const t of temps.splice(0)) await t.remove();
});

/** A working folder and a platform data folder, both real, and the choice made between them. */
async function machine() {
  const t = await makeTempDir('pixellab-datadir-');
  temps.push(t);
  const cwd = path.join(t.dir, 'project');
  const platformData = path.join(t.dir, 'home/.local/share/pixellab-companion');
  await mkdir(cwd, { recursive: true });
  const choose = (over: Partial<Parameters<typeof chooseDataDir>[0]> = {}) =>
    chooseDataDir({
      given: null,
      cwd,
      platformData,
      importPath: null,
      bin: 'pixellab-companion',
      probe: { holdsHistory, wasAdopted },
      ...over,
    });
  const withLocalHistory = async () => {
    await mkdir(path.join(cwd, 'data'));
    await copyFile(SEED_FILE, path.join(cwd, 'data/job_history.json'));
  };
  return { cwd, platformData, choose, withLocalHistory };
}

describe('chooseDataDir', () => {
  it('takes the folder the user named, saying from where', async () => {
    const m = await machine();
    expect(await m.choose({ given: { path: '/x', source: 'env' } })).toEqual({
      path: '/x',
      source: 'env',
      reason: 'from COMPANION_DATA_DIR',
      offer: null,
    });
  });

  it('defaults to the platform data folder, also when ./data exists but holds no history', async () => {
    const m = await machine();
    expect(await m.choose()).toMatchObject({ path: m.platformData, source: 'platform', offer: null });
    await mkdir(path.join(m.cwd, 'data'));
    expect(await m.choose()).toMatchObject({ path: m.platformData, source: 'platform' });
  });

  it('keeps using an existing ./data history, and offers to take it in', async () => {
    const m = await machine();
    await m.withLocalHistory();
    const choice = await m.choose();
    expect(choice).toMatchObject({ path: path.join(m.cwd, 'data'), source: 'cwd' });
    expect(choice.offer).toBe(
      `To use this history from any folder and from the service, take it into ${m.platformData} (merged; ./data is left as it was): pixellab-companion --import ./data`,
    );
  });

  it('starts on the platform folder when ./data is being imported, and after it was taken in', async () => {
    const m = await machine();
    await m.withLocalHistory();
    const local = path.join(m.cwd, 'data');
    expect(await m.choose({ importPath: local })).toMatchObject({ path: m.platformData, source: 'platform' });
    await mkdir(m.platformData, { recursive: true });
    const report = { taken: 5, found: 5 } as Parameters<typeof recordAdoption>[2];
    await recordAdoption(m.platformData, local, report);
    expect(await m.choose()).toMatchObject({
      path: m.platformData,
      reason: expect.stringMatching(/taken into it before/),
    });
  });
});
