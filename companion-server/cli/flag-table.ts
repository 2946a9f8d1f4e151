/**
 * Every flag the companion takes, once: config.ts parses with it, `--help` prints it, `service install` carries
 * its environment variables into the service, and a test holds the README's table to it.
 */
export interface FlagSpec {
  /** Long name without the dashes. */
  name: string;
  /** Placeholder of its value in the help (`N`, `DIR`); none for a switch. */
  arg?: string;
  /** Repeatable: each use adds a value. */
  multiple?: boolean;
  short?: string;
  /** The environment variable that stands in for it; flags win. */
  env?: string;
  /** How the variable is written when it differs from the flag (`comma-separated`, `=1`). */
  envNote?: string;
  /** The default as words, when there is one. */
  default?: string;
  help: string;
  /**
   * server: configures the running companion, and `service install` passes it on;
   * start: acts once at this start (never baked into a service); meta: prints and exits.
   */
  kind: 'server' | 'start' | 'meta';
}

export const FLAG_TABLE = [
  { name: 'port', arg: 'N', env: 'COMPANION_PORT', default: '8787', help: 'Port to listen on', kind: 'server' },
  {
    name: 'host',
    arg: 'H',
    env: 'COMPANION_HOST',
    default: '127.0.0.1',
    help: 'Address to bind (loopback; anything else warns)',
    kind: 'server',
  },
  {
    name: 'data-dir',
    arg: 'DIR',
    env: 'COMPANION_DATA_DIR',
    default: 'the platform data folder, or ./data when it holds a history',
    help: 'Where job_history.json, its backup and images/ live',
    kind: 'server',
  },
  {
    name: 'import',
    arg: 'PATH',
    help: "Take in an old history before starting: a job_history.json (the old dashboard's, or this companion's) or a data folder; merged, never replacing what is there",
    kind: 'start',
  },
  {
    name: 'dashboard',
    arg: 'DIR',
    env: 'COMPANION_DASHBOARD_DIR',
    help: 'Serve the old dashboard (the folder of pixellab_dashboard.html and js/) at /dashboard/; it may use the old API routes only',
    kind: 'server',
  },
  {
    name: 'allow-origin',
    arg: 'O',
    multiple: true,
    env: 'COMPANION_ALLOW_ORIGINS',
    envNote: 'comma-separated',
    help: 'Also accept requests from this web origin, e.g. http://localhost:5500; never "null"',
    kind: 'server',
  },
  {
    name: 'allow-extension',
    arg: 'ID',
    multiple: true,
    env: 'COMPANION_ALLOW_EXTENSIONS',
    envNote: 'comma-separated',
    help: "Trust this extension besides this project's own: an id, chrome-extension://<id> or moz-extension://<uuid>. Other extensions must pair first",
    kind: 'server',
  },
  {
    name: 'token',
    arg: 'T',
    env: 'COMPANION_TOKEN',
    help: 'Require Authorization: Bearer T on every route but /health; letters, digits and - . _ ~ + /',
    kind: 'server',
  },
  {
    name: 'require-pairing',
    env: 'COMPANION_REQUIRE_PAIRING',
    envNote: '=1',
    default: 'off',
    help: 'Require a token issued by pairing on every route but /health and /pair/*',
    kind: 'server',
  },
  {
    name: 'parallel',
    arg: 'N',
    env: 'COMPANION_PARALLEL',
    default: '3',
    help: 'PixelLab jobs running at once',
    kind: 'server',
  },
  {
    name: 'timeout-ms',
    arg: 'N',
    env: 'COMPANION_TIMEOUT_MS',
    default: '120000',
    help: 'Give up on a PixelLab call after this long',
    kind: 'server',
  },
  {
    name: 'max-usd-per-day',
    arg: 'N',
    env: 'COMPANION_MAX_USD_PER_DAY',
    default: '10',
    help: 'Spend at most N USD on PixelLab per local day, then refuse paid calls until midnight; 0: off',
    kind: 'server',
  },
  {
    name: 'max-calls-per-minute',
    arg: 'N',
    env: 'COMPANION_MAX_CALLS_PER_MINUTE',
    default: '60',
    help: 'Make at most N paid PixelLab calls in any 60 s; 0: off',
    kind: 'server',
  },
  {
    name: 'trash-days',
    arg: 'N',
    env: 'COMPANION_TRASH_DAYS',
    default: '0',
    help: 'Purge a job N days after it went to the trash, and free its images once no job uses them; 0: only you empty the trash',
    kind: 'server',
  },
  {
    name: 'sync-dir',
    arg: 'DIR',
    env: 'COMPANION_SYNC_DIR',
    help: 'Share the history with other devices through this folder, kept in step by Dropbox, Google Drive, Syncthing or the like; each device writes only files of its own',
    kind: 'server',
  },
  {
    name: 'sync-url',
    arg: 'URL',
    env: 'COMPANION_SYNC_URL',
    help: 'Share the history through WebDAV (webdav://host/path, webdavs://host/path: Nextcloud, ownCloud) or S3 (s3://bucket/prefix); credentials from the environment or sync-credentials.json in the config folder, never the URL',
    kind: 'server',
  },
  {
    name: 'sync-s3-endpoint',
    arg: 'URL',
    env: 'COMPANION_SYNC_S3_ENDPOINT',
    default: 'AWS',
    help: 'The S3-compatible server for an s3:// --sync-url (R2, B2, MinIO, Garage), e.g. https://<account>.r2.cloudflarestorage.com',
    kind: 'server',
  },
  {
    name: 'sync-s3-region',
    arg: 'REGION',
    env: 'COMPANION_SYNC_S3_REGION',
    default: 'us-east-1',
    help: "The S3 bucket's region (R2: auto)",
    kind: 'server',
  },
  {
    name: 'device-name',
    arg: 'NAME',
    env: 'COMPANION_DEVICE_NAME',
    default: 'the host name',
    help: 'Name of this device in the sync folder',
    kind: 'server',
  },
  {
    name: 'sync-readonly',
    env: 'COMPANION_SYNC_READONLY',
    envNote: '=1',
    default: 'off',
    help: 'Only read the other devices from the sync target; write nothing to it (jobs made here stay here)',
    kind: 'server',
  },
  {
    name: 'author',
    arg: 'NAME',
    env: 'COMPANION_AUTHOR',
    default: 'the device name',
    help: 'Who makes the jobs this companion accepts, as the panel shows and filters them (a team sharing a target)',
    kind: 'server',
  },
  {
    name: 'env-file',
    arg: 'FILE',
    help: 'Read environment variables from FILE (dotenv format) before ./.env; an installed service reads its own from the config folder',
    kind: 'server',
  },
  { name: 'version', short: 'v', help: 'Print the version and exit', kind: 'meta' },
  { name: 'help', short: 'h', help: 'Print this help and exit', kind: 'meta' },
] as const satisfies readonly FlagSpec[];

export type FlagName = (typeof FLAG_TABLE)[number]['name'];

/** Variables read from the environment only, never from a flag. */
export const ENV_ONLY = [
  {
    env: 'PIXELLAB_API_KEY',
    help: 'Your PixelLab key, from the environment or ./.env (a service never gets it from here)',
  },
  { env: 'PIXELLAB_API_URL', default: 'https://api.pixellab.ai/v1', help: "PixelLab's API (tests point it at a fake)" },
  {
    env: 'COMPANION_SYNC_USER',
    help: 'The WebDAV user for --sync-url (or sync-credentials.json, 0600, in the config folder)',
  },
  { env: 'COMPANION_SYNC_PASSWORD', help: 'Its password (a Nextcloud app password); never printed' },
  { env: 'AWS_ACCESS_KEY_ID', help: 'The S3 access key for an s3:// --sync-url (or sync-credentials.json)' },
  { env: 'AWS_SECRET_ACCESS_KEY', help: 'Its secret; never printed' },
  { env: 'AWS_SESSION_TOKEN', help: 'A session token, for temporary S3 credentials' },
] as const;

export function flagSpec(name: FlagName): FlagSpec {
  return FLAG_TABLE.find((flag) => flag.name === name)!;
}

type ParseArgsOption = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

/** node:util parseArgs options built from the table. */
export function parseArgsOptions(): Record<FlagName, ParseArgsOption> {
  return Object.fromEntries(
    FLAG_TABLE.map((flag: FlagSpec) => [
      flag.name,
      {
        type: flag.arg ? 'string' : 'boolean',
        ...(flag.multiple ? { multiple: true } : {}),
        ...(flag.short ? { short: flag.short } : {}),
      },
    ]),
  ) as Record<FlagName, ParseArgsOption>;
}

/** Every environment variable the companion reads, with or without a flag. */
export function companionEnvNames(): string[] {
  return [
    ...FLAG_TABLE.flatMap((flag: FlagSpec) => (flag.env ? [flag.env] : [])),
    ...ENV_ONLY.map((variable) => variable.env),
  ];
}
