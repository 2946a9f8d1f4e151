/**
 * What the bench starts: the companion as users install it (the packed bundle, scripts/build-companion.mjs)
 * and the floor bundled the same way, so neither pays for tsx compiling TypeScript at start (0.5 s and 40 MB
 * of the companion's start and RSS, which no installed companion pays). BENCH_SOURCE=1 runs both from source.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = import.meta.resolve('tsx');
export const FROM_SOURCE = process.env.BENCH_SOURCE === '1';

let outDir: Promise<string> | null = null;
const out = () => {
  outDir ??= mkdtemp(path.join(tmpdir(), 'bench-built-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return outDir;
};

let companion: Promise<string> | null = null;
/** Node arguments that start the companion: the bundle, built once per bench run (or the source through tsx). */
export function companionEntry(): Promise<string | undefined> {
  if (FROM_SOURCE) return Promise.resolve(undefined);
  companion ??= out().then(async (dir) => {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-companion.mjs'), '--out', dir]);
    return path.join(dir, 'companion-package', 'pixellab-companion.mjs');
  });
  return companion;
}

let floor: Promise<string> | null = null;
/** Node arguments that start bench/floor-server.ts, bundled like the companion (or through tsx). */
export async function floorArgs(): Promise<string[]> {
  const source = path.join(ROOT, 'bench/floor-server.ts');
  if (FROM_SOURCE) return ['--import', TSX, source];
  floor ??= out().then(async (dir) => {
    const outfile = path.join(dir, 'floor-server.mjs');
    await build({ entryPoints: [source], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
    return outfile;
  });
  return [await floor];
}
