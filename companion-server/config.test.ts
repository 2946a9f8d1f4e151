import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('defaults to loopback 8787 with data in ./data', () => {
    expect(parseConfig([], {}, '/srv/app')).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: '/srv/app/data',
      allowOrigins: [],
      token: null,
      parallel: 3,
      apiKey: null,
      apiUrl: 'https://api.pixellab.ai/v1',
    });
  });

  it('takes flags over environment, with repeatable origins', () => {
    const config = parseConfig(
      ['--port', '9000', '--allow-origin', 'null', '--allow-origin', 'http://localhost:5500', '--data-dir', 'x'],
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
      allowOrigins: ['null', 'http://localhost:5500'],
      dataDir: '/w/x',
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
      dataDir: '/d',
      allowOrigins: ['http://a', 'http://b'],
      token: 't',
      parallel: 5,
    });
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

  it('explains bad values instead of starting wrong', () => {
    expect(() => parseConfig(['--port', 'http'], {}, '/')).toThrow(ConfigError);
    expect(() => parseConfig(['--parallel', '0'], {}, '/')).toThrow(/--parallel must be a whole number from 1 to 10/);
    expect(() => parseConfig(['--nope'], {}, '/')).toThrow(ConfigError);
    expect(parseConfig(['-h'], {}, '/')).toBe('help');
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
