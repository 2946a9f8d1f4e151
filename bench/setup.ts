/** Before any section: the extension built and copied aside, and what machine this run is on. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log, ROOT, tmp } from './run-context';

/** Always builds (a few seconds), then copies the build so a rebuild of .output by someone else cannot swap files under the browser. */
export function buildExtension(): string {
  const started = performance.now();
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (lastError) throw new Error(`npx wxt build failed: ${(lastError as Error).message}`);
  const built = path.join(ROOT, '.output/chrome-mv3');
  if (!existsSync(path.join(built, 'manifest.json'))) throw new Error(`npx wxt build wrote no ${built}/manifest.json`);
  const copy = tmp('chrome-mv3');
  cpSync(built, copy, { recursive: true });
  log(`extension built in ${Math.round(performance.now() - started)} ms`);
  return copy;
}

export function machine() {
  const cpus = os.cpus();
  let chromium = '';
  try {
    chromium = execFileSync(process.env.CHROME_PATH ?? '/usr/bin/chromium', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    chromium = 'unknown';
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium,
    loadAverageAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
