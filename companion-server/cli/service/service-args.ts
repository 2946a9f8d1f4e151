import type { FlagValues, ServerConfig } from '../../config';
import { companionEnvNames, FLAG_TABLE, type FlagSpec } from '../flag-table';

/** Flags whose value is a path, made absolute: the service starts in another folder. */
const PATH_FLAGS = new Set(['dashboard']);

/**
 * The flags the service starts with: those given to `service install` (server flags only), paths made
 * absolute, plus the data dir chosen now and the service's environment file.
 */
export function serviceArgs(flags: FlagValues, config: ServerConfig, dataDir: string, envFile: string): string[] {
  const args: string[] = [];
  for (const flag of FLAG_TABLE as readonly FlagSpec[]) {
    if (flag.kind !== 'server' || flag.name === 'data-dir' || flag.name === 'env-file') continue;
    const value = flags[flag.name as keyof FlagValues];
    if (value === undefined || value === false) continue;
    if (value === true) args.push(`--${flag.name}`);
    else
      for (const one of Array.isArray(value) ? value : [value]) {
        args.push(`--${flag.name}`, PATH_FLAGS.has(flag.name) && config.dashboardDir ? config.dashboardDir : one);
      }
  }
  return [...args, '--data-dir', dataDir, '--env-file', envFile];
}

/**
 * The variables the service gets: every one the companion reads that is set now, except the PixelLab key and
 * the sync secrets (never written into a service) and COMPANION_DATA_DIR (the chosen data dir is a flag).
 */
export function serviceEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  // Secrets stay out of service.env: the service reads the key file and sync-credentials.json (0600) instead.
  const skip = new Set([
    'PIXELLAB_API_KEY',
    'COMPANION_DATA_DIR',
    'COMPANION_SYNC_PASSWORD',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
  ]);
  return Object.fromEntries(
    companionEnvNames()
      .filter((name) => !skip.has(name) && env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]!]),
  );
}
