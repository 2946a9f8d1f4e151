/**
 * Builds the extension once (`npx wxt build` -> .output/chrome-mv3) before any test file runs, then copies
 * the build to a private temp dir that every browser test loads. The copy is byte for byte the build (same
 * manifest key, so the same extension id); it only keeps a rebuild of .output by someone else during the
 * run from swapping files under a running browser; a copy taken while someone else's build was emptying
 * .output is detected (files the manifest or panel page name are missing) and the build is run once more.
 * The copy is removed after the run.
 *
 * A failed build does not abort the whole run (unit and server tests do not need it): the error is handed
 * to the browser tests through `provide`, and each of them fails with it (tests/e2e/harness.ts).
 * E2E_SKIP_BUILD=1 reuses the existing build, handy while iterating on one test. A run whose command line
 * names only files outside tests/e2e (`npx vitest run tests/server`) skips the build; E2E_BUILD=1 forces it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILD_DIR = path.join(ROOT, '.output/chrome-mv3');
const MANIFEST = path.join(BUILD_DIR, 'manifest.json');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the extension could not be built, or null when it was. */
    e2eBuildError: string | null;
    /** The snapshot of the build the browser tests load (null when there is none). */
    e2eExtensionDir: string | null;
  }
}

export default function setup(project: TestProject): () => void {
  if (!e2eSelected(process.argv.slice(2))) {
    // e.g. `npx vitest run tests/server`: no browser test runs, so do not build (nor empty .output).
    project.provide(
      'e2eBuildError',
      'the extension was not built: no file under tests/e2e was named on the command line',
    );
    project.provide('e2eExtensionDir', null);
    return () => undefined;
  }
  const root = mkdtempSync(path.join(os.tmpdir(), 'pixellab-e2e-extension-'));
  const snapshot = path.join(root, 'chrome-mv3');
  let error = build();
  // Someone else may rebuild .output at the same moment (wxt empties it first): check the copy is whole,
  // and build once more if it is not.
  for (let attempt = 0; !error; attempt++) {
    rmSync(snapshot, { recursive: true, force: true });
    if (existsSync(BUILD_DIR)) cpSync(BUILD_DIR, snapshot, { recursive: true });
    const missing = missingFiles(snapshot);
    if (missing.length === 0) break;
    if (attempt > 0 || process.env.E2E_SKIP_BUILD === '1') {
      error = `the build in ${BUILD_DIR} is incomplete (missing ${missing.join(', ')}); was it being rebuilt?`;
      break;
    }
    error = build();
  }
  project.provide('e2eBuildError', error);
  project.provide('e2eExtensionDir', error ? null : snapshot);
  return () => rmSync(root, { recursive: true, force: true });
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
 * Whether this run may include a browser test: true unless file filters were given on the command line and
 * none of them matches a file under tests/e2e (vitest matches a filter as a part of the file's path).
 * When unsure (no filters, `related`, E2E_BUILD=1), it says yes.
 */
function e2eSelected(args: string[]): boolean {
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
  const e2eDir = path.join(ROOT, 'tests/e2e');
  const files = readdirSync(e2eDir)
    .filter((f) => /\.test\.tsx?$/.test(f))
    .map((f) => path.join(e2eDir, f));
  return filters.some((filter) => {
    const plain = filter.replace(/^\.\//, '');
    return files.some((file) => file.includes(plain) || file.includes(path.resolve(filter)));
  });
}

/** Files the manifest and the panel page point at that are not in `dir`. */
function missingFiles(dir: string): string[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) return ['manifest.json'];
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    background?: { service_worker?: string };
    side_panel?: { default_path?: string };
  };
  const wanted = [manifest.background?.service_worker, manifest.side_panel?.default_path].filter(
    (f): f is string => !!f,
  );
  for (const page of wanted.filter((f) => f.endsWith('.html'))) {
    const file = path.join(dir, page);
    if (!existsSync(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:src|href)="\/?([^"#?:]+)"/g)) wanted.push(m[1]!);
  }
  return wanted.filter((f) => !existsSync(path.join(dir, f)));
}

function build(): string | null {
  if (process.env.E2E_SKIP_BUILD === '1') {
    return existsSync(MANIFEST) ? null : `E2E_SKIP_BUILD=1 but there is no build at ${MANIFEST}: run npx wxt build`;
  }
  const started = Date.now();
  try {
    // stdout is WXT's progress report; stderr carries the errors and stays visible.
    execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
  } catch (err) {
    const message = `npx wxt build failed: ${(err as Error).message}`;
    process.stderr.write(`e2e global setup: ${message}\n`);
    return message;
  }
  if (!existsSync(MANIFEST)) return `npx wxt build did not produce ${MANIFEST}`;
  process.stdout.write(`e2e global setup: extension built in ${Date.now() - started} ms\n`);
  return null;
}
