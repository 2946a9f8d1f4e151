import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig, parseFlags } from '../config';
import { helpText } from './help';
import { runPairCommand, terminalPairIo } from './pair';
import { runServiceCommand } from './service/service-command';
import { runSnapshotsCommand } from './snapshots-command';
import { startCompanion } from './start';
import { COMPANION_BIN, COMPANION_VERSION } from './version';

/** The process as the CLI sees it; index.ts passes the real one. */
export interface CliProcess {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  platform: NodeJS.Platform;
  home: string;
  /** The running program's file (the bundle, once packed): what `service install` copies. */
  self: string;
}

export function realProcess(): CliProcess {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    platform: process.platform,
    home: os.homedir(),
    self: process.argv[1] ?? '',
  };
}

/** `<bin> [options]`, `<bin> service install|uninstall|status`, `<bin> pair`, `<bin> snapshots ...`, `--help`, `--version`. */
export async function runCli(proc: CliProcess): Promise<void> {
  try {
    if (proc.argv[0] === 'service') {
      process.exitCode = await runServiceCommand(proc.argv.slice(1), proc);
      return;
    }
    if (proc.argv[0] === 'snapshots') {
      process.exitCode = await runSnapshotsCommand(proc.argv.slice(1), { env: proc.env, fetch, print: console.log });
      return;
    }
    if (proc.argv[0] === 'pair') {
      process.exitCode = await runPairCommand(proc.argv.slice(1), terminalPairIo());
      return;
    }
    // Before the .env files load: the panel says whether the key came from the environment or from a file.
    const keySource = proc.env.PIXELLAB_API_KEY?.trim() ? 'environment' : 'dotenv';
    loadEnvFiles(proc);
    const config = parseConfig(proc.argv, proc.env, proc.cwd);
    if (config === 'help') console.log(helpText());
    else if (config === 'version') console.log(COMPANION_VERSION);
    else await startCompanion(config, proc, keySource);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\n\nRun "${COMPANION_BIN} --help" for every option.`);
    } else {
      console.error(`The companion could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    process.exit(1);
  }
}

/** ./.env, then --env-file; neither overrides a variable already set (Node's loadEnvFile). */
function loadEnvFiles(proc: CliProcess) {
  const load = (file: string, required: boolean) => {
    try {
      process.loadEnvFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (required) throw new ConfigError(`--env-file: ${file} does not exist`);
    }
  };
  const envFile = parseFlags(proc.argv)['env-file'];
  // The service's own file first, so its values win over a .env in whatever folder it was started from.
  if (typeof envFile === 'string') load(path.resolve(proc.cwd, envFile), true);
  load(path.resolve(proc.cwd, '.env'), false);
}
