import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Cheap checks that keep the layout honest: each folder holds only what its rule allows. */
const ROOT = path.resolve(import.meta.dirname, '..');

function sources(dir: string, { tests = false } = {}): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel, { tests }));
    else if (/\.(ts|tsx)$/.test(name) && (tests || !/\.test\.tsx?$/.test(name))) out.push(rel);
  }
  return out;
}

const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
/** The extension's own code (WXT's layout). */
const EXTENSION_DIRS = ['entrypoints', 'components', 'utils'];

describe('architecture', () => {
  it('components render only: no browser.* or chrome.* calls', () => {
    for (const file of sources('components')) {
      expect(read(file), file).not.toMatch(
        /\b(browser|chrome)\.(storage|runtime|tabs|sidePanel)\b|from ['"]wxt\/browser['"]/,
      );
    }
  });

  it('shared domain and export code imports neither browser nor Node APIs', () => {
    for (const file of [...sources('utils/domain'), ...sources('utils/export')]) {
      expect(read(file), file).not.toMatch(
        /from ['"](node:|wxt|fs|path|crypto|hono)|\bbrowser\.|\bchrome\.|\bprocess\./,
      );
    }
  });

  it('the panel never writes storage: only the background does', () => {
    const panelFiles = [...sources('entrypoints/sidepanel'), ...sources('components'), ...sources('utils/panel')];
    for (const file of panelFiles) {
      expect(read(file), file).not.toMatch(/storage\.(local|session|sync)\.(set|remove|clear)\b|\.set\(\s*\{/);
      expect(read(file), file).not.toMatch(/localStorage/);
    }
  });

  it('the companion does not reach into the extension', () => {
    for (const file of sources('companion-server')) {
      expect(read(file), file).not.toMatch(/from ['"](\.\.\/)+(entrypoints|components)\/|from ['"]@\/|from ['"]wxt/);
      const imports = [...read(file).matchAll(/from ['"](\.\.\/[^'"]+)['"]/g)].map((m) =>
        path.normalize(path.join(path.dirname(file), m[1]!)),
      );
      for (const target of imports)
        expect(target, `${file} imports ${target}`).toMatch(/^(companion-server|utils\/domain|utils\/export)/);
    }
  });

  it('only the store folder touches the data dir', () => {
    // Besides the store, only the dashboard route reads files (the --dashboard folder, read-only),
    // `service install` writes the service's own files (unit, program copy), and the key file lives in the
    // config folder (secrets/key-file.ts): all outside the data dir.
    const readers = (f: string) =>
      f.startsWith('companion-server/store/') ||
      f === 'companion-server/routes/dashboard.ts' ||
      f.startsWith('companion-server/cli/service/') ||
      f === 'companion-server/secrets/key-file.ts' ||
      f === 'companion-server/secrets/sync-credentials.ts' ||
      // The sync folder another device shares (issue 22), outside the data dir.
      f === 'companion-server/device-sync/targets/folder.ts';
    for (const file of sources('companion-server').filter((f) => !readers(f))) {
      expect(read(file), file).not.toMatch(/from ['"]node:fs(\/promises)?['"]/);
    }
  });

  it('no source file is over 400 lines: past that, split it by responsibility', () => {
    for (const file of [...EXTENSION_DIRS, 'companion-server'].flatMap((dir) => sources(dir))) {
      expect(read(file).split('\n').length, file).toBeLessThanOrEqual(400);
    }
  });

  it('no eval and no new Function anywhere in the extension or the companion', () => {
    for (const file of [...EXTENSION_DIRS, 'companion-server'].flatMap((dir) => sources(dir))) {
      expect(read(file), file).not.toMatch(/\beval\s*\(|\bnew\s+Function\s*\(/);
    }
  });

  it('extension code imports through the @/ alias; shared domain and export code relatively (the companion runs it under tsx)', () => {
    const importPath = /(?:\bfrom|^import)\s+['"]([^'"]+)['"]/gm;
    const specifiers = (file: string) => [...read(file).matchAll(importPath)].map((m) => m[1]!);
    for (const file of EXTENSION_DIRS.flatMap((dir) => sources(dir, { tests: true }))) {
      if (file.startsWith('utils/domain/') || file.startsWith('utils/export/')) continue;
      for (const spec of specifiers(file)) expect(spec, `${file} imports ${spec}`).not.toMatch(/^\./);
    }
    for (const file of [...sources('utils/domain', { tests: true }), ...sources('utils/export', { tests: true })]) {
      for (const spec of specifiers(file)) expect(spec, `${file} imports ${spec}`).not.toMatch(/^@\//);
    }
  });

  it('entrypoints stay thin: wiring, not logic', () => {
    const lines = (file: string) => read(file).split('\n').length;
    expect(lines('entrypoints/background/index.ts')).toBeLessThan(100);
    expect(lines('entrypoints/sidepanel/main.tsx')).toBeLessThan(60);
    // App wires panel data, intents and views; views and logic live in components/ and utils/.
    expect(lines('entrypoints/sidepanel/App.tsx')).toBeLessThan(400);
  });
});
