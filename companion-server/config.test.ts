import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('defaults to loopback 8787, leaving the data dir to cli/data-dir.ts', () => {
    expect(parseConfig([], {}, '/srv/app')).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: null,
      importPath: null,
      envFile: null,
      allowOrigins: [],
      token: null,
      parallel: 3,
      apiKey: null,
      apiUrl: 'https://api.pixellab.ai/v1',
    });
  });

  it('takes flags over environment, with repeatable origins', () => {
    const config = parseConfig(
      [
        '--port',
        '9000',
        '--allow-origin',
        'http://localhost:5501',
        '--allow-origin',
        'http://localhost:5500',
        '--data-dir',
        'x',
      ],
      {
        COMPANION_PORT: '1',
        COMPANION_ALLOW_ORIGINS: 'http://a',
        PIXELLAB_API_KEY: ' k ',
        PIXELLAB_API_URL: 'http://127.0.0.1:9/v1/',
      },
      '/w',
    );
    expect(config).toMatchObject({
      port: 9000,
      allowOrigins: ['http://localhost:5501', 'http://localhost:5500'],
      dataDir: { path: '/w/x', source: 'flag' },
      apiKey: 'k',
      apiUrl: 'http://127.0.0.1:9/v1',
    });
  });

  it('reads every option from the environment', () => {
    expect(
      parseConfig(
        [],
        {
          COMPANION_PORT: '1234',
          COMPANION_HOST: '::1',
          COMPANION_DATA_DIR: '/d',
          COMPANION_ALLOW_ORIGINS: 'http://a, http://b',
          COMPANION_TOKEN: 't',
          COMPANION_PARALLEL: '5',
        },
        '/',
      ),
    ).toMatchObject({
      port: 1234,
      host: '::1',
      dataDir: { path: '/d', source: 'env' },
      allowOrigins: ['http://a', 'http://b'],
      token: 't',
      parallel: 5,
    });
  });

  it('reads --import and --env-file as paths from the working directory; an empty COMPANION_DATA_DIR is none', () => {
    expect(parseConfig(['--import', 'old/job_history.json', '--env-file', 'x.env'], {}, '/w')).toMatchObject({
      importPath: '/w/old/job_history.json',
      envFile: '/w/x.env',
    });
    expect(parseConfig([], { COMPANION_DATA_DIR: '' }, '/w')).toMatchObject({ dataDir: null });
  });

  it('reads --require-pairing and COMPANION_REQUIRE_PAIRING', () => {
    expect(parseConfig([], {}, '/')).toMatchObject({ requirePairing: false });
    expect(parseConfig(['--require-pairing'], {}, '/')).toMatchObject({ requirePairing: true });
    expect(parseConfig([], { COMPANION_REQUIRE_PAIRING: '1' }, '/')).toMatchObject({ requirePairing: true });
    expect(parseConfig([], { COMPANION_REQUIRE_PAIRING: '0' }, '/')).toMatchObject({ requirePairing: false });
    expect(() => parseConfig([], { COMPANION_REQUIRE_PAIRING: 'maybe' }, '/')).toThrow(
      /COMPANION_REQUIRE_PAIRING must be 1 or 0/,
    );
  });

  it('refuses the origin "null", which any website can send from a sandboxed frame, and points to --dashboard', () => {
    for (const [argv, env] of [
      [['--allow-origin', 'null'], {}],
      [[], { COMPANION_ALLOW_ORIGINS: 'http://localhost:5500, null' }],
    ] as const) {
      expect(() => parseConfig([...argv], env, '/')).toThrow(ConfigError);
      expect(() => parseConfig([...argv], env, '/')).toThrow(/sandboxed iframe.*--dashboard/);
    }
  });

  it('reads --dashboard and COMPANION_DASHBOARD_DIR as a folder', () => {
    expect(parseConfig([], {}, '/w')).toMatchObject({ dashboardDir: null });
    expect(parseConfig(['--dashboard', 'old/dashboards'], {}, '/w')).toMatchObject({
      dashboardDir: '/w/old/dashboards',
    });
    expect(parseConfig([], { COMPANION_DASHBOARD_DIR: '/d' }, '/w')).toMatchObject({ dashboardDir: '/d' });
    expect(() => parseConfig(['--dashboard', ' '], {}, '/w')).toThrow(/--dashboard is empty/);
    expect(parseConfig([], { COMPANION_DASHBOARD_DIR: '' }, '/w')).toMatchObject({ dashboardDir: null });
  });

  it('reads --allow-extension (repeatable) and COMPANION_ALLOW_EXTENSIONS as ids or origins', () => {
    expect(parseConfig([], {}, '/')).toMatchObject({ allowExtensions: [] });
    expect(
      parseConfig(
        [
          '--allow-extension',
          'ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP',
          '--allow-extension',
          'moz-extension://2f1c0d55-1111/',
        ],
        { COMPANION_ALLOW_EXTENSIONS: 'ignored' },
        '/',
      ),
    ).toMatchObject({ allowExtensions: ['abcdefghijklmnopabcdefghijklmnop', 'moz-extension://2f1c0d55-1111'] });
    expect(parseConfig([], { COMPANION_ALLOW_EXTENSIONS: 'a1, chrome-extension://b2' }, '/')).toMatchObject({
      allowExtensions: ['a1', 'chrome-extension://b2'],
    });
    expect(() => parseConfig(['--allow-extension', 'https://evil.example'], {}, '/')).toThrow(
      /--allow-extension takes an extension id/,
    );
  });

  it('refuses an empty token, which would switch auth off in silence, and one with spaces', () => {
    expect(() => parseConfig(['--token', ''], {}, '/')).toThrow(/--token is empty/);
    expect(() => parseConfig([], { COMPANION_TOKEN: '' }, '/')).toThrow(/COMPANION_TOKEN is empty/);
    expect(() => parseConfig([], { COMPANION_TOKEN: '   ' }, '/')).toThrow(/COMPANION_TOKEN is empty/);
    expect(() => parseConfig(['--token', ' tok '], {}, '/')).toThrow(/--token has spaces around it/);
    expect(() => parseConfig(['--token', 'my token'], {}, '/')).toThrow(/--token may hold only letters/);
    // The flag wins, so an empty variable under a given flag is no matter.
    expect(parseConfig(['--token', 'tok-1.2_3~4+5/6=='], { COMPANION_TOKEN: '' }, '/')).toMatchObject({
      token: 'tok-1.2_3~4+5/6==',
    });
    expect(parseConfig([], {}, '/')).toMatchObject({ token: null });
  });

  it('explains bad values instead of starting wrong', () => {
    expect(() => parseConfig(['--port', 'http'], {}, '/')).toThrow(ConfigError);
    expect(() => parseConfig(['--parallel', '0'], {}, '/')).toThrow(/--parallel must be a whole number from 1 to 10/);
    expect(() => parseConfig(['--nope'], {}, '/')).toThrow(ConfigError);
    expect(parseConfig(['-h'], {}, '/')).toBe('help');
    expect(parseConfig(['--version'], {}, '/')).toBe('version');
    expect(() => parseConfig(['--data-dir', ' '], {}, '/')).toThrow(/--data-dir is empty/);
    expect(() => parseConfig(['--import', ''], {}, '/')).toThrow(/--import is empty/);
  });

  it('keeps the trash until the user empties it, unless a retention in days is given', () => {
    expect(parseConfig([], {}, '/')).toMatchObject({ trashDays: null });
    expect(parseConfig(['--trash-days', '30'], {}, '/')).toMatchObject({ trashDays: 30 });
    expect(parseConfig([], { COMPANION_TRASH_DAYS: '7' }, '/')).toMatchObject({ trashDays: 7 });
    expect(parseConfig(['--trash-days', '0'], { COMPANION_TRASH_DAYS: '7' }, '/')).toMatchObject({ trashDays: null });
    expect(() => parseConfig(['--trash-days', '1.5'], {}, '/')).toThrow(/--trash-days must be a whole number/);
  });

  it('reads the spending guard: $10 a day and 60 calls a minute by default, 0 turns a limit off', () => {
    expect(parseConfig([], {}, '/')).toMatchObject({ maxUsdPerDay: 10, maxCallsPerMinute: 60 });
    expect(
      parseConfig(
        ['--max-usd-per-day', '2.5'],
        { COMPANION_MAX_USD_PER_DAY: '7', COMPANION_MAX_CALLS_PER_MINUTE: '5' },
        '/',
      ),
    ).toMatchObject({ maxUsdPerDay: 2.5, maxCallsPerMinute: 5 });
    expect(parseConfig(['--max-usd-per-day', '0', '--max-calls-per-minute', '0'], {}, '/')).toMatchObject({
      maxUsdPerDay: null,
      maxCallsPerMinute: null,
    });
    expect(() => parseConfig(['--max-usd-per-day=-1'], {}, '/')).toThrow(/--max-usd-per-day must be a number from 0/);
    expect(() => parseConfig([], { COMPANION_MAX_CALLS_PER_MINUTE: '1.5' }, '/')).toThrow(
      /--max-calls-per-minute must be a whole number/,
    );
  });
});
