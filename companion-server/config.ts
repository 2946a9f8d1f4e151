import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllowedExtension } from './middleware/origin-policy/extension-ids';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
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
}

export const USAGE = `Usage: npm run companion -- [options]

  --port N             port to listen on (env COMPANION_PORT, default 8787)
  --host H             address to bind (env COMPANION_HOST, default 127.0.0.1)
  --data-dir DIR       where job_history.json lives (env COMPANION_DATA_DIR, default ./data)
  --dashboard DIR      serve the old dashboard (the folder of pixellab_dashboard.html and js/) at
                       http://127.0.0.1:<port>/dashboard/; it may use the old API routes only
                       (env COMPANION_DASHBOARD_DIR)
  --allow-origin O     also accept requests from this web origin; repeatable; never "null"
                       (env COMPANION_ALLOW_ORIGINS, comma-separated)
  --allow-extension ID trust this extension besides this project's own: an id, chrome-extension://<id>
                       or moz-extension://<uuid>; repeatable (env COMPANION_ALLOW_EXTENSIONS,
                       comma-separated). Other extensions must pair first.
  --token T            require Authorization: Bearer T on every route but /health (env COMPANION_TOKEN);
                       letters, digits and - . _ ~ + / (optionally ending in =)
  --require-pairing    require a token issued by pairing: the side panel asks, this console prints
                       a one-time code to type there (env COMPANION_REQUIRE_PAIRING=1)
  --parallel N         PixelLab jobs run at once (env COMPANION_PARALLEL, default 3)
  --timeout-ms N       give up on a PixelLab call after N ms (env COMPANION_TIMEOUT_MS, default 120000)
  --max-usd-per-day N  spend at most N USD on PixelLab per local day, then refuse paid calls until
                       midnight; 0 turns it off (env COMPANION_MAX_USD_PER_DAY, default 10)
  --max-calls-per-minute N
                       make at most N paid PixelLab calls in any 60 s; 0 turns it off
                       (env COMPANION_MAX_CALLS_PER_MINUTE, default 60)
  --trash-days N       purge a job N days after it went to the trash (and free its images once no job
                       uses them); 0 keeps the trash until you empty it (env COMPANION_TRASH_DAYS, default 0)
  -h, --help           show this help

PIXELLAB_API_KEY (environment or ./.env) is the PixelLab key; PIXELLAB_API_URL overrides
https://api.pixellab.ai/v1.`;

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

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  'allow-extension': { type: 'string', multiple: true },
  dashboard: { type: 'string' },
  token: { type: 'string' },
  'require-pairing': { type: 'boolean' },
  parallel: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-usd-per-day': { type: 'string' },
  'max-calls-per-minute': { type: 'string' },
  'trash-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: FLAGS, strict: true }).values;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

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
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): ServerConfig | 'help' {
  const values = parseFlags(argv);
  if (values.help) return 'help';
  const origins = list(values['allow-origin'], env.COMPANION_ALLOW_ORIGINS);
  if (origins.includes('null')) throw new ConfigError(NULL_ORIGIN_REFUSED);
  // An empty COMPANION_DASHBOARD_DIR means none, as for the other variables; an empty flag is a mistake.
  const dashboard = values.dashboard ?? (env.COMPANION_DASHBOARD_DIR || undefined);
  if (dashboard !== undefined && dashboard.trim() === '') {
    throw new ConfigError('--dashboard is empty: give the folder of pixellab_dashboard.html');
  }
  const apiUrl = (env.PIXELLAB_API_URL || 'https://api.pixellab.ai/v1').replace(/\/+$/, '');
  try {
    new URL(apiUrl);
  } catch {
    throw new ConfigError(`PIXELLAB_API_URL is not a URL: "${apiUrl}"`);
  }
  return {
    port: int('--port', values.port ?? env.COMPANION_PORT, 8787, 0, 65535),
    host: values.host ?? env.COMPANION_HOST ?? '127.0.0.1',
    dataDir: path.resolve(cwd, values['data-dir'] ?? env.COMPANION_DATA_DIR ?? 'data'),
    allowOrigins: origins,
    allowExtensions: list(values['allow-extension'], env.COMPANION_ALLOW_EXTENSIONS).map((value) => {
      try {
        return parseAllowedExtension(value);
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
    }),
    dashboardDir: dashboard === undefined ? null : path.resolve(cwd, dashboard),
    token: parseToken(values.token, env.COMPANION_TOKEN),
    requirePairing: values['require-pairing'] ?? bool('COMPANION_REQUIRE_PAIRING', env.COMPANION_REQUIRE_PAIRING),
    parallel: int('--parallel', values.parallel ?? env.COMPANION_PARALLEL, 3, 1, 10),
    apiKey: env.PIXELLAB_API_KEY?.trim() || null,
    apiUrl,
    timeoutMs: int('--timeout-ms', values['timeout-ms'] ?? env.COMPANION_TIMEOUT_MS, 120_000, 100, 600_000),
    ...spendingLimits(values, env),
    // Nothing in the history is deleted but by the user: a retention applies only when the user set one.
    trashDays: limit('--trash-days', values['trash-days'] ?? env.COMPANION_TRASH_DAYS, 0, 36_500, true) || null,
  };
}

/**
 * Defaults: $10 a day is a long day of sprites (about 1,000 small ones at PixelLab's ~$0.01) yet bounds what a
 * runaway client, or a local page or extension in the default mode, can spend. 60 calls a minute is above what
 * 3 parallel calls of a few seconds each reach, and stops a loop within a minute.
 */
function spendingLimits(values: ReturnType<typeof parseFlags>, env: NodeJS.ProcessEnv) {
  return {
    maxUsdPerDay: limit(
      '--max-usd-per-day',
      values['max-usd-per-day'] ?? env.COMPANION_MAX_USD_PER_DAY,
      10,
      1_000_000,
      false,
    ),
    maxCallsPerMinute: limit(
      '--max-calls-per-minute',
      values['max-calls-per-minute'] ?? env.COMPANION_MAX_CALLS_PER_MINUTE,
      60,
      100_000,
      true,
    ),
  };
}

/** Loopback binds only, unless the user explicitly chose otherwise (then warn). */
export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
