import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fullDiskFs } from '../../tests/helpers/full-disk-fs';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import { createSettingsStore, SETTINGS_FILE_NAME } from './settings-store';

const temps: Awaited<ReturnType<typeof makeTempDir>>[] = [];
afterEach(async () => {
  for (const t of temps.splice(0)) await t.remove();
});
async function dir() {
  const t = await makeTempDir();
  temps.push(t);
  return t.dir;
}
const free = { version: 1 as const, pixellab: { tier: 'free' as const, tierSource: 'user' as const } };

describe('the companion settings file', () => {
  it('starts with the defaults, saves atomically with a backup, and reads them back after a restart', async () => {
    const data = await dir();
    const store = await createSettingsStore({ dataDir: data });
    expect(store.read().pixellab).toEqual({ tier: null, tierSource: null });
    await store.write(free);
    expect(JSON.parse(await readFile(path.join(data, SETTINGS_FILE_NAME), 'utf8'))).toEqual(free);
    expect(JSON.parse(await readFile(path.join(data, `${SETTINGS_FILE_NAME}.backup`), 'utf8'))).toEqual(free);
    expect((await readdir(data)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await writeFile(path.join(data, `${SETTINGS_FILE_NAME}.tmp-1-1`), '{"half');
    expect((await createSettingsStore({ dataDir: data })).read()).toEqual(free);
    expect((await readdir(data)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('moves an unreadable file aside, never deleting it, and starts from the backup', async () => {
    const data = await dir();
    await (await createSettingsStore({ dataDir: data })).write(free);
    await writeFile(path.join(data, SETTINGS_FILE_NAME), '{"version": 1, "pixellab": {"tier": "gold"');
    const logs: string[] = [];
    const store = await createSettingsStore({ dataDir: data, log: (l) => void logs.push(l) });
    expect(store.read()).toEqual(free);
    const aside = (await readdir(data)).find((n) => n.startsWith(`${SETTINGS_FILE_NAME}.corrupt-`));
    expect(await readFile(path.join(data, aside!), 'utf8')).toContain('"gold"');
    expect(logs.join('\n')).toContain('moved it to');
  });

  it('a write the disk refuses changes nothing, in memory or on disk', async () => {
    const data = await dir();
    const disk = fullDiskFs();
    const store = await createSettingsStore({ dataDir: data, fs: disk.fs });
    await store.write(free);
    disk.state.full = true;
    const learned = { version: 1 as const, pixellab: { tier: 'tier1' as const, tierSource: 'learned' as const } };
    await expect(store.write(learned)).rejects.toThrow(/Could not save companion-settings.json/);
    expect(store.read()).toEqual(free);
    expect(JSON.parse(await readFile(path.join(data, SETTINGS_FILE_NAME), 'utf8'))).toEqual(free);
    disk.state.full = false;
    expect((await createSettingsStore({ dataDir: data })).read()).toEqual(free);
  });
});
