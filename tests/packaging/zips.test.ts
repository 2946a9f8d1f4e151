/**
 * The store packages `npm run zip` and `npm run zip:firefox` write (tests/e2e/global-setup.ts runs the same
 * `wxt zip` commands): each add-on zip holds exactly the build the browser tests ran, byte for byte; the
 * Firefox sources zip addons.mozilla.org asks for holds nothing git ignores (the companion's data/, .env,
 * test results), and building from it alone gives the very files of the Firefox zip, as a reviewer would.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ignore from 'ignore';
import JSZip from 'jszip';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildEnv } from '../e2e/global-setup';

const ROOT = path.resolve(import.meta.dirname, '../..');
const temps: string[] = [];
afterAll(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Every file of a zip, by its path, with its bytes. */
async function unzip(file: string): Promise<Map<string, Buffer>> {
  const zip = await JSZip.loadAsync(await readFile(file));
  const files = new Map<string, Buffer>();
  for (const entry of Object.values(zip.files).filter((e) => !e.dir)) {
    files.set(entry.name, await entry.async('nodebuffer'));
  }
  return files;
}

/** Every file under a folder, by its path relative to it, with its bytes. */
async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = new Map<string, Buffer>();
  for (const e of entries.filter((x) => x.isFile())) {
    const full = path.join(e.parentPath, e.name);
    files.set(path.relative(dir, full).replaceAll('\\', '/'), await readFile(full));
  }
  return files;
}

/** The same paths and the same bytes; on a difference, says which files. */
function expectSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const differing = [...expected].filter(([name, bytes]) => !actual.get(name)?.equals(bytes)).map(([n]) => n);
  expect(differing).toEqual([]);
}

function packaged(browser: 'chrome' | 'firefox'): { build: string; zips: string[] } {
  const error = inject(browser === 'chrome' ? 'e2eBuildError' : 'firefoxBuildError');
  if (error) throw new Error(`the ${browser} extension was not built and zipped: ${error}`);
  const build = inject(browser === 'chrome' ? 'e2eExtensionDir' : 'firefoxExtensionDir')!;
  return { build, zips: inject(browser === 'chrome' ? 'chromeZips' : 'firefoxZips') ?? [] };
}

const zipNamed = (zips: string[], suffix: string) => {
  const found = zips.find((z) => z.endsWith(suffix));
  if (!found) throw new Error(`no *${suffix} among the zips wxt wrote: ${JSON.stringify(zips)}`);
  return found;
};

describe('store packages', () => {
  it('the Chrome zip is the tested chrome-mv3 build, minus the manifest key the store refuses: an MV3 side panel for Chrome 123+', async () => {
    const { build, zips } = packaged('chrome');
    const files = await unzip(zipNamed(zips, '-chrome.zip'));
    const built = await readTree(build);
    const builtManifest = JSON.parse(built.get('manifest.json')!.toString('utf8'));
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    // The store refuses a `key` (it gives its own id): the zip's manifest is the built one without it.
    expect(typeof builtManifest.key).toBe('string');
    const { key: _key, ...builtWithoutKey } = builtManifest;
    expect(manifest).toEqual(builtWithoutKey);
    files.delete('manifest.json');
    built.delete('manifest.json');
    expectSameFiles(files, built);
    expect(manifest).toMatchObject({
      manifest_version: 3,
      minimum_chrome_version: '123',
      side_panel: { default_path: 'sidepanel.html' },
      permissions: ['storage', 'sidePanel', 'unlimitedStorage'],
    });
    // The store asks for a 128 px icon; each size is the panel's 8x8 mark at an integer scale (scripts/make-icons.mjs).
    expect(manifest.icons).toEqual({ 16: 'icon/16.png', 32: 'icon/32.png', 48: 'icon/48.png', 128: 'icon/128.png' });
    for (const size of [16, 32, 48, 128]) {
      const png = files.get(`icon/${size}.png`)!;
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
  });

  it('the Firefox zip is the tested firefox-mv2 build, with a sidebar and a stable gecko id', async () => {
    const { build, zips } = packaged('firefox');
    const files = await unzip(zipNamed(zips, '-firefox.zip'));
    expectSameFiles(files, await readTree(build));
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({
      manifest_version: 2,
      sidebar_action: { default_panel: 'sidepanel.html' },
      browser_specific_settings: { gecko: { id: 'pixellab-side-panel@pixellab-side-panel.dev' } },
      icons: { 128: 'icon/128.png' },
    });
  });

  it('the sources zip holds nothing git ignores, and building from it alone gives the Firefox zip', async () => {
    const { zips } = packaged('firefox');
    const sources = await unzip(zipNamed(zips, '-sources.zip'));
    const names = [...sources.keys()];
    const ignored = ignore().add(await readFile(path.join(ROOT, '.gitignore'), 'utf8'));
    expect(names.filter((n) => ignored.ignores(n))).toEqual([]);
    // No dotfile (.env, .ci), except .gitignore, which the config reads.
    expect(names.filter((n) => n !== '.gitignore' && n.split('/').some((part) => part.startsWith('.')))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'wxt.config.ts',
        'README.md',
        'tsconfig.json',
        '.gitignore',
      ]),
    );

    // A reviewer's rebuild: the sources unpacked alone, the same packages (node_modules), `wxt build -b firefox`.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pixellab-sources-'));
    temps.push(dir);
    for (const [name, bytes] of sources) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), bytes);
    }
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await promisify(execFile)('npx', ['wxt', 'build', '-b', 'firefox'], {
      cwd: dir,
      env: buildEnv(),
      timeout: 180_000,
    });
    const addon = await unzip(zipNamed(zips, '-firefox.zip'));
    expectSameFiles(await readTree(path.join(dir, '.output/firefox-mv2')), addon);
  }, 240_000);
});
