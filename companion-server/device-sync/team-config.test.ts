import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type ServerConfig } from '../config';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseConfig(argv, env, '/work/here') as ServerConfig;

describe('--sync-readonly and --author (a team sharing a target)', () => {
  it('are off and unset by default', () => {
    expect(parse([])).toMatchObject({ syncReadonly: false, author: null });
  });

  it('take a flag or the environment; the flag wins; an empty author means none', () => {
    expect(parse(['--sync-readonly', '--author', ' Ana '])).toMatchObject({ syncReadonly: true, author: 'Ana' });
    expect(parse([], { COMPANION_SYNC_READONLY: '1', COMPANION_AUTHOR: 'Rui' })).toMatchObject({
      syncReadonly: true,
      author: 'Rui',
    });
    expect(parse(['--author', 'Flag'], { COMPANION_AUTHOR: 'Env' }).author).toBe('Flag');
    expect(parse([], { COMPANION_AUTHOR: '  ' }).author).toBeNull();
  });

  it('refuse a readonly switch that is not 1 or 0, and an overlong author, with a clear message', () => {
    expect(() => parse([], { COMPANION_SYNC_READONLY: 'maybe' })).toThrow(ConfigError);
    expect(() => parse([], { COMPANION_SYNC_READONLY: 'maybe' })).toThrow(/COMPANION_SYNC_READONLY must be 1 or 0/);
    expect(() => parse(['--author', 'x'.repeat(65)])).toThrow(/--author is longer than 64/);
  });
});
