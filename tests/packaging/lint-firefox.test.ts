/**
 * `npm run lint:firefox`: Mozilla's addons-linter (`web-ext lint`, as addons.mozilla.org runs it) on the
 * Firefox build finds nothing, outside the one Preact line scripts/lint-firefox.ts explains; and the same
 * check fails a build that assigns innerHTML anywhere else or names dangerouslySetInnerHTML.
 */
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { lintFirefoxBuild } from '../../scripts/lint-firefox';

const temps: string[] = [];
afterAll(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

function firefoxBuild(): string {
  const error = inject('firefoxBuildError');
  if (error) throw new Error(`the Firefox extension was not built, so it cannot be linted: ${error}`);
  return inject('firefoxExtensionDir')!;
}

/** A copy of the build with an unsafe page script added, as a careless change would add one. */
async function buildWithUnsafeScript(build: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pixellab-lint-unsafe-'));
  temps.push(dir);
  await cp(build, dir, { recursive: true });
  await writeFile(
    path.join(dir, 'unsafe.js'),
    'export const render = (el, p) => { el.innerHTML = p.html; return { dangerouslySetInnerHTML: p }; };\n',
  );
  await appendFile(path.join(dir, 'sidepanel.html'), '<script type="module" src="/unsafe.js"></script>\n');
  return dir;
}

describe('web-ext lint on the Firefox build', () => {
  it('finds 0 errors, 0 warnings, 0 notices; Preact alone has only its unreachable innerHTML line', async () => {
    const build = firefoxBuild();
    const [clean, unsafe] = await Promise.all([
      lintFirefoxBuild(build),
      buildWithUnsafeScript(build).then(lintFirefoxBuild),
    ]);

    expect(clean.problems).toEqual([]);
    expect(clean.build.summary).toEqual({ errors: 0, warnings: 0, notices: 0 });
    expect(clean.preact.messages.map((m) => m.code)).toEqual(['UNSAFE_VAR_ASSIGNMENT']);
    expect(clean.dangerousPropFiles).toEqual([]);
    // The manifest a store sees: a stable gecko id, a minimum version, the data collection declaration.
    const manifest = JSON.parse(await readFile(path.join(build, 'manifest.json'), 'utf8'));
    expect(manifest.browser_specific_settings.gecko).toEqual({
      id: 'pixellab-side-panel@pixellab-side-panel.dev',
      strict_min_version: expect.stringMatching(/^\d+\.0$/),
      data_collection_permissions: { required: ['none'] },
    });

    // The same check, on a build that assigns innerHTML outside Preact: it fails, and says where.
    expect(unsafe.dangerousPropFiles).toEqual(['unsafe.js']);
    expect(unsafe.build.messages).toContainEqual(
      expect.objectContaining({ code: 'UNSAFE_VAR_ASSIGNMENT', file: 'unsafe.js' }),
    );
    expect(unsafe.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^UNSAFE_VAR_ASSIGNMENT in unsafe\.js/),
        "unsafe.js names dangerouslySetInnerHTML: Preact's innerHTML path is reachable",
      ]),
    );
  }, 120_000);
});
