import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type FlagName, flagSpec, parseArgsOptions } from './cli/flag-table';
import { parseSyncUrl, type RemoteSpec, SyncUrlError } from './device-sync/targets/sync-url';
import { parseAllowedExtension } from './middleware/origin-policy/extension-ids';

export interface ServerConfig {
  port: number;
  host: string;
  /** The data dir the user named (flag or environment), absolute; null: cli/data-dir.ts chooses one. */
  dataDir: { path: string; source: 'flag' | 'env' } | null;
  /** --import: a history to take in before starting, absolute. */
  importPath: string | null;
  /** --env-file: variables read before the rest of the configuration, absolute (start.ts loads it). */
  envFile: string | null;
  allowOrigins: string[];
  /** Extensions trusted besides the project's own (parseAllowedExtension values). */
  allowExtensions: string[];
  /** The old dashboard's folder, served at /dashboard/, or null. */
  dashboardDir: string | null;
  token: string | null;
  /** Unpaired clients must pair (a code printed on the console) before anything but /health. */
  requirePairing: boolean;
  parallel: number;
  apiKey: string | null;
  apiUrl: string;
  timeoutMs: number;
  /** The spending guard (null: off): USD a day, and paid calls a minute. */
  maxUsdPerDay: number | null;
  maxCallsPerMinute: number | null;
  /** Days a job stays in the trash before the companion purges it; null (the default): only the user empties it. */
  trashDays: number | null;
  /** --sync-dir: the folder shared with other devices (issue 22), absolute, or null: no device sync. */
  syncDir: string | null;
  /** --sync-url with --sync-s3-endpoint and --sync-s3-region: a WebDAV or S3 target, or null. Never a credential. */
  syncUrl: RemoteSpec | null;
  /** --device-name: this device's name in the sync folder. */
  deviceName: string;
  /** --sync-readonly: read the sync target, never write to it. */
  syncReadonly: boolean;
  /** --author: stamped on the jobs this companion accepts; null: none (the panel shows the device name). */
  author: string | null;
}

export class ConfigError extends Error {}

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** A limit where 0 means off (null). */
function limit(name: string, value: string | undefined, fallback: number, max: number, whole: boolean): number | null {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max || (whole && !Number.isInteger(n)))
    throw new ConfigError(
      `${name} must be ${whole ? 'a whole number' : 'a number'} from 0 (off) to ${max}, got "${value}"`,
    );
  return n === 0 ? null : n;
}

function bool(name: string, value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got "${value}"`);
}

/** The flags' values as node:util parseArgs read them (from the one table in cli/flag-table.ts). */
export type FlagValues = Partial<Record<FlagName, string | boolean | string[]>>;

export function parseFlags(argv: string[]): FlagValues {
  try {
    return parseArgs({ args: argv, options: parseArgsOptions(), strict: true, allowPositionals: false })
      .values as FlagValues;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** A string flag's value, else its environment variable's (cli/flag-table.ts names it). */
function pick(values: FlagValues, env: NodeJS.ProcessEnv, name: FlagName): string | undefined {
  const flag = values[name];
  if (typeof flag === 'string') return flag;
  const variable = flagSpec(name).env;
  return variable === undefined ? undefined : env[variable];
}

const flagList = (values: FlagValues, name: FlagName) => values[name] as string[] | undefined;
const envOf = (env: NodeJS.ProcessEnv, name: FlagName) => env[flagSpec(name).env ?? ''];

/** A repeatable flag's values, else the environment's comma-separated list, trimmed, blanks dropped. */
function list(flag: string[] | undefined, envValue: string | undefined): string[] {
  return (flag ?? (envValue ?? '').split(',')).map((v) => v.trim()).filter(Boolean);
}

const NULL_ORIGIN_REFUSED =
  'The origin "null" cannot be allowed: it is what a page opened from a file sends, but also what any website sends from a sandboxed iframe, so allowing it would let every website read your history and spend your credits. To use the old dashboard, start the companion with --dashboard <the folder of pixellab_dashboard.html> and open http://127.0.0.1:8787/dashboard/ (with your port).';

/** RFC 6750's token characters: what an Authorization: Bearer header can carry, and Hono's bearerAuth accepts. */
const TOKEN_CHARS = /^[A-Za-z0-9._~+/-]+=*$/;

/**
 * --token, else COMPANION_TOKEN, else none. A given but empty token would switch auth off in silence, and one
 * with spaces or other characters could never match a header, so both refuse to start.
 */
function parseToken(flag: string | undefined, envValue: string | undefined): string | null {
  const [name, value] = flag !== undefined ? ['--token', flag] : ['COMPANION_TOKEN', envValue];
  if (value === undefined) return null;
  if (value.trim() === '') {
    throw new ConfigError(
      `${name} is empty, which would leave the companion open while you meant to protect it. Give a token, or leave ${name} out (unset COMPANION_TOKEN) to run without one.`,
    );
  }
  if (value !== value.trim()) {
    throw new ConfigError(
      `${name} has spaces around it; a client could never send them in its Authorization header. Remove them.`,
    );
  }
  if (!TOKEN_CHARS.test(value)) {
    throw new ConfigError(
      `${name} may hold only letters, digits and - . _ ~ + / (optionally ending in =), so that clients can send it as Authorization: Bearer <token>.`,
    );
  }
  return value;
}

/** Flags win over environment variables, which win over defaults. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): ServerConfig | 'help' | 'version' {
  const values = parseFlags(argv);
  if (values.help) return 'help';
  if (values.version) return 'version';
  const origins = list(flagList(values, 'allow-origin'), envOf(env, 'allow-origin'));
  if (origins.includes('null')) throw new ConfigError(NULL_ORIGIN_REFUSED);
  // An empty COMPANION_DASHBOARD_DIR means none, as for the other variables; an empty flag is a mistake.
  const dashboard = (values.dashboard as string | undefined) ?? (envOf(env, 'dashboard') || undefined);
  if (dashboard !== undefined && dashboard.trim() === '') {
    throw new ConfigError('--dashboard is empty: give the folder of pixellab_dashboard.html');
  }
  const apiUrl = (env.PIXELLAB_API_URL || 'https://api.pixellab.ai/v1').replace(/\/+$/, '');
  try {
    new URL(apiUrl);
  } catch {
    throw new ConfigError(`PIXELLAB_API_URL is not a URL: "${apiUrl}"`);
  }
  const requirePairing = values['require-pairing'] as boolean | undefined;
  return {
    port: int('--port', pick(values, env, 'port'), 8787, 0, 65535),
    host: pick(values, env, 'host') ?? '127.0.0.1',
    dataDir: dataDirOf(values, env, cwd),
    importPath: pathFlag(values, 'import', cwd),
    envFile: pathFlag(values, 'env-file', cwd),
    allowOrigins: origins,
    allowExtensions: list(flagList(values, 'allow-extension'), envOf(env, 'allow-extension')).map((value) => {
      try {
        return parseAllowedExtension(value);
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
    }),
    dashboardDir: dashboard === undefined ? null : path.resolve(cwd, dashboard),
    token: parseToken(values.token as string | undefined, envOf(env, 'token')),
    requirePairing: requirePairing ?? bool('COMPANION_REQUIRE_PAIRING', envOf(env, 'require-pairing')),
    parallel: int('--parallel', pick(values, env, 'parallel'), 3, 1, 10),
    apiKey: env.PIXELLAB_API_KEY?.trim() || null,
    apiUrl,
    timeoutMs: int('--timeout-ms', pick(values, env, 'timeout-ms'), 120_000, 100, 600_000),
    ...spendingLimits(values, env),
    // Nothing in the history is deleted but by the user: a retention applies only when the user set one.
    trashDays: limit('--trash-days', pick(values, env, 'trash-days'), 0, 36_500, true) || null,
    ...deviceSyncOf(values, env, cwd),
  };
}

/** --sync-dir or --sync-url, --device-name, --sync-readonly and --author (issue 22); an empty variable means none. */
function deviceSyncOf(values: FlagValues, env: NodeJS.ProcessEnv, cwd: string) {
  const dir = (values['sync-dir'] as string | undefined) ?? (envOf(env, 'sync-dir') || undefined);
  if (dir !== undefined && dir.trim() === '') throw new ConfigError('--sync-dir is empty: give the shared folder');
  const name = (pick(values, env, 'device-name') ?? os.hostname()).trim() || 'device';
  if (name.length > 64) throw new ConfigError('--device-name is longer than 64 characters');
  const author = pick(values, env, 'author')?.trim() || null;
  if (author !== null && author.length > 64) throw new ConfigError('--author is longer than 64 characters');
  const readonly = values['sync-readonly'] as boolean | undefined;
  return {
    syncDir: dir === undefined ? null : path.resolve(cwd, dir),
    syncUrl: syncUrlOf(values, env, dir !== undefined),
    deviceName: name,
    syncReadonly: readonly ?? bool('COMPANION_SYNC_READONLY', envOf(env, 'sync-readonly')),
    author,
  };
}

/** --sync-url with its S3 endpoint and region: a WebDAV or S3 target, or null; never both it and --sync-dir. */
function syncUrlOf(values: FlagValues, env: NodeJS.ProcessEnv, hasDir: boolean): RemoteSpec | null {
  const url = (values['sync-url'] as string | undefined) ?? (envOf(env, 'sync-url') || undefined);
  if (url === undefined) return null;
  if (url.trim() === '') throw new ConfigError('--sync-url is empty: give a webdav(s):// or s3:// URL');
  if (hasDir)
    throw new ConfigError('--sync-dir and --sync-url both name a target: give one (a folder, or WebDAV or S3)');
  try {
    return parseSyncUrl(url, {
      endpoint: pick(values, env, 'sync-s3-endpoint'),
      region: pick(values, env, 'sync-s3-region'),
    });
  } catch (error) {
    throw error instanceof SyncUrlError ? new ConfigError(error.message) : error;
  }
}

/** The data dir the user named: the flag, else a non-empty COMPANION_DATA_DIR. */
function dataDirOf(values: FlagValues, env: NodeJS.ProcessEnv, cwd: string): ServerConfig['dataDir'] {
  const flag = values['data-dir'] as string | undefined;
  if (flag !== undefined) {
    if (flag.trim() === '') throw new ConfigError('--data-dir is empty: give a folder');
    return { path: path.resolve(cwd, flag), source: 'flag' };
  }
  const variable = envOf(env, 'data-dir');
  return variable ? { path: path.resolve(cwd, variable), source: 'env' } : null;
}

function pathFlag(values: FlagValues, name: 'import' | 'env-file', cwd: string): string | null {
  const value = values[name] as string | undefined;
  if (value === undefined) return null;
  if (value.trim() === '') throw new ConfigError(`--${name} is empty: give a path`);
  return path.resolve(cwd, value);
}

/**
 * Defaults: $10 a day is a long day of sprites (about 1,000 small ones at PixelLab's ~$0.01) yet bounds what a
 * runaway client, or a local page or extension in the default mode, can spend. 60 calls a minute is above what
 * 3 parallel calls of a few seconds each reach, and stops a loop within a minute.
 */
function spendingLimits(values: FlagValues, env: NodeJS.ProcessEnv) {
  return {
    maxUsdPerDay: limit('--max-usd-per-day', pick(values, env, 'max-usd-per-day'), 10, 1_000_000, false),
    maxCallsPerMinute: limit('--max-calls-per-minute', pick(values, env, 'max-calls-per-minute'), 60, 100_000, true),
  };
}

/** Loopback binds only, unless the user explicitly chose otherwise (then warn). */
export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
