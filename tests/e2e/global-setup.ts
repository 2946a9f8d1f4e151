/**
 * Builds and packages the extension once per browser before any test file runs, as `npm run zip` and
 * `npm run zip:firefox` do (`npx wxt zip` -> .output/chrome-mv3 and its zip, `npx wxt zip -b firefox` ->
 * .output/firefox-mv2, its zip and the sources zip), then copies each build and its zips to a private temp
 * dir that the browser and packaging tests load. A copy is byte for byte the build (same manifest key, so the same extension id); it only
 * keeps a rebuild of .output by someone else during the run from swapping files under a running browser; a
 * copy taken while someone else's build was emptying .output is detected (files the manifest or its pages
 * name are missing) and the build is run once more. The copies are removed after the run.
 *
 * A failed build does not abort the whole run (unit and server tests do not need it): the error is handed
 * to the browser tests through `provide`, and each of them fails with it (tests/e2e/harness.ts,
 * tests/e2e-firefox/harness.ts). E2E_SKIP_BUILD=1 reuses the existing builds, handy while iterating on one
 * test. A run whose command line names only files outside the folders that load a build
 * (`npx vitest run tests/server`) skips that build; E2E_BUILD=1 forces both.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

const ROOT = path.resolve(import.meta.dirname, '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the Chrome extension could not be built, or null when it was. */
    e2eBuildError: string | null;
    /** The snapshot of the Chrome build the browser tests load (null when there is none). */
    e2eExtensionDir: string | null;
    /** Why the Firefox extension could not be built, or null when it was. */
    firefoxBuildError: string | null;
    /** The snapshot of the Firefox build (.output/firefox-mv2) the Firefox tests load (null when there is none). */
    firefoxExtensionDir: string | null;
    /** Copies of the zips `wxt zip` wrote with the Chrome build (null when there is no build). */
    chromeZips: string[] | null;
    /** Copies of the zips `wxt zip -b firefox` wrote with the Firefox build: the add-on and its sources. */
    firefoxZips: string[] | null;
  }
}

interface Target {
  /** `wxt zip` arguments (it builds, then zips). */
  args: string[];
  /** The zips it writes next to the build folder, by the end of their names. */
  zipSuffixes: string[];
  /** The folder under .output the build writes. */
  outDir: string;
  /** Test folders that load this build: it is built only when the run may include one of their files. */
  testDirs: string[];
  errorKey: 'e2eBuildError' | 'firefoxBuildError';
  dirKey: 'e2eExtensionDir' | 'firefoxExtensionDir';
  zipsKey: 'chromeZips' | 'firefoxZips';
}

const TARGETS: Target[] = [
  {
    args: ['wxt', 'zip'],
    zipSuffixes: ['-chrome.zip'],
    outDir: 'chrome-mv3',
    testDirs: ['tests/e2e', 'tests/packaging'],
    errorKey: 'e2eBuildError',
    dirKey: 'e2eExtensionDir',
    zipsKey: 'chromeZips',
  },
  {
    args: ['wxt', 'zip', '-b', 'firefox'],
    zipSuffixes: ['-firefox.zip', '-sources.zip'],
    outDir: 'firefox-mv2',
    testDirs: ['tests/e2e-firefox', 'tests/packaging'],
    errorKey: 'firefoxBuildError',
    dirKey: 'firefoxExtensionDir',
    zipsKey: 'firefoxZips',
  },
];

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pixellab-e2e-extension-'));
  for (const target of TARGETS) {
    if (!selected(process.argv.slice(2), target.testDirs)) {
      // e.g. `npx vitest run tests/server`: no test loads this build, so do not build (nor empty .output).
      project.provide(
        target.errorKey,
        `the extension was not built: no file under ${target.testDirs.join(' or ')} was named on the command line`,
      );
      project.provide(target.dirKey, null);
      project.provide(target.zipsKey, null);
      continue;
    }
    const { error, snapshot, zips } = buildAndSnapshot(target, root);
    project.provide(target.errorKey, error);
    project.provide(target.dirKey, error ? null : snapshot);
    project.provide(target.zipsKey, error ? null : zips);
  }
  return () => rmSync(root, { recursive: true, force: true });
}

/** Builds one target and copies the build into `root`; someone else may rebuild .output at the same moment. */
function buildAndSnapshot(target: Target, root: string): { error: string | null; snapshot: string; zips: string[] } {
  const buildDir = path.join(ROOT, '.output', target.outDir);
  const snapshot = path.join(root, target.outDir);
  let error = build(target, buildDir);
  // wxt empties its output first: check the copy is whole, and build once more if it is not.
  for (let attempt = 0; !error; attempt++) {
    rmSync(snapshot, { recursive: true, force: true });
    if (existsSync(buildDir)) cpSync(buildDir, snapshot, { recursive: true });
    const missing = missingFiles(snapshot);
    if (missing.length === 0) break;
    if (attempt > 0 || process.env.E2E_SKIP_BUILD === '1') {
      error = `the build in ${buildDir} is incomplete (missing ${missing.join(', ')}); was it being rebuilt?`;
      break;
    }
    error = build(target, buildDir);
  }
  return { error, snapshot, zips: error ? [] : snapshotZips(target, root) };
}

/** Copies the zips the target's `wxt zip` wrote (one per suffix, the newest if older versions linger). */
function snapshotZips(target: Target, root: string): string[] {
  const outBase = path.join(ROOT, '.output');
  const zipDir = path.join(root, `${target.outDir}-zips`);
  mkdirSync(zipDir, { recursive: true });
  return target.zipSuffixes.flatMap((suffix) => {
    const newest = readdirSync(outBase)
      .filter((f) => f.endsWith(suffix))
      .map((f) => path.join(outBase, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (!newest) return [];
    const copy = path.join(zipDir, path.basename(newest));
    cpSync(newest, copy);
    return [copy];
  });
}

/** Vitest options that take a separate value (`-t name`), so the value is not read as a file filter. */
const VALUE_OPTIONS = new Set([
  '-t',
  '--testNamePattern',
  '--reporter',
  '--project',
  '-c',
  '--config',
  '-r',
  '--root',
  '--dir',
  '--shard',
  '--pool',
  '--outputFile',
  '--environment',
  '--exclude',
  '--maxWorkers',
  '--testTimeout',
  '--hookTimeout',
  '--retry',
  '--bail',
  '--mode',
  '--tags-filter',
  '--silent',
  '--seed',
  '--sequence.seed',
]);

/**
 * Whether this run may include a test file under one of `testDirs`: true unless file filters were given on
 * the command line and none of them matches such a file (vitest matches a filter as a part of the file's
 * path). When unsure (no filters, `related`, E2E_BUILD=1), it says yes.
 */
function selected(args: string[], testDirs: string[]): boolean {
  if (process.env.E2E_BUILD === '1') return true;
  const filters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('-')) {
      if (!arg.includes('=') && VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    if (i === 0 && ['run', 'watch', 'dev'].includes(arg)) continue;
    if (i === 0 && arg === 'related') return true;
    filters.push(arg);
  }
  if (filters.length === 0) return true;
  const files = testDirs.flatMap((dir) => {
    const abs = path.join(ROOT, dir);
    if (!existsSync(abs)) return [];
    return readdirSync(abs)
      .filter((f) => /\.test\.tsx?$/.test(f))
      .map((f) => path.join(abs, f));
  });
  return filters.some((filter) => {
    const plain = filter.replace(/^\.\//, '');
    return files.some((file) => file.includes(plain) || file.includes(path.resolve(filter)));
  });
}

/** Files the manifest and the pages it names point at that are not in `dir` (both manifest versions). */
function missingFiles(dir: string): string[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) return ['manifest.json'];
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    background?: { service_worker?: string; scripts?: string[] };
    side_panel?: { default_path?: string };
    sidebar_action?: { default_panel?: string };
  };
  const wanted = [
    manifest.background?.service_worker,
    ...(manifest.background?.scripts ?? []),
    manifest.side_panel?.default_path,
    manifest.sidebar_action?.default_panel,
  ].filter((f): f is string => !!f);
  for (const page of wanted.filter((f) => f.endsWith('.html'))) {
    const file = path.join(dir, page);
    if (!existsSync(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:src|href)="\/?([^"#?:]+)"/g)) wanted.push(m[1]!);
  }
  return wanted.filter((f) => !existsSync(path.join(dir, f)));
}

function build(target: Target, buildDir: string): string | null {
  const manifest = path.join(buildDir, 'manifest.json');
  const command = `npx ${target.args.join(' ')}`;
  if (process.env.E2E_SKIP_BUILD === '1') {
    return existsSync(manifest) ? null : `E2E_SKIP_BUILD=1 but there is no build at ${manifest}: run ${command}`;
  }
  const started = Date.now();
  try {
    // stdout is WXT's progress report; stderr carries the errors and stays visible.
    execFileSync('npx', target.args, {
      cwd: ROOT,
      env: buildEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 180_000,
    });
  } catch (err) {
    const message = `${command} failed: ${(err as Error).message}`;
    process.stderr.write(`e2e global setup: ${message}\n`);
    return message;
  }
  if (!existsSync(manifest)) return `${command} did not produce ${manifest}`;
  process.stdout.write(`e2e global setup: ${target.outDir} built in ${Date.now() - started} ms\n`);
  return null;
}

/**
 * The environment `npm run zip` would build in: vitest sets NODE_ENV=test, and a build that inherits it
 * is not the production build (other chunks, other bytes) the stores would get.
 */
export function buildEnv(): NodeJS.ProcessEnv {
  const { NODE_ENV: _testMode, ...env } = process.env;
  return env;
}
