import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../tests/helpers/temp-dir';
import { ConfigError, parseConfig, type ServerConfig } from '../config';
import { openDeviceIdentity } from './identity';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseConfig(argv, env, '/work/here') as ServerConfig;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

describe('--sync-dir and --device-name', () => {
  it('are off by default, and the device is named after the host', () => {
    expect(parse([])).toMatchObject({ syncDir: null, deviceName: os.hostname() || 'device' });
  });

  it('take a flag (resolved against the working dir) or the environment; the flag wins', () => {
    expect(parse(['--sync-dir', 'shared', '--device-name', 'Laptop'])).toMatchObject({
      syncDir: path.resolve('/work/here', 'shared'),
      deviceName: 'Laptop',
    });
    expect(parse([], { COMPANION_SYNC_DIR: '/sync', COMPANION_DEVICE_NAME: 'Desk' })).toMatchObject({
      syncDir: '/sync',
      deviceName: 'Desk',
    });
    expect(parse(['--sync-dir', '/flag'], { COMPANION_SYNC_DIR: '/env' }).syncDir).toBe('/flag');
    // An empty variable means none, as for the other variables.
    expect(parse([], { COMPANION_SYNC_DIR: '' }).syncDir).toBeNull();
  });

  it('refuse an empty folder flag and an overlong name with a clear message', () => {
    expect(() => parse(['--sync-dir', ' '])).toThrow(ConfigError);
    expect(() => parse(['--sync-dir', ' '])).toThrow(/--sync-dir is empty/);
    expect(() => parse(['--device-name', 'x'.repeat(65)])).toThrow(/longer than 64/);
  });
});

describe('the device identity', () => {
  it('is made once with --sync-dir, kept across starts, and still known without it', async () => {
    const t = await makeTempDir('pixellab-devsync-id-');
    cleanup.push(t.remove);
    const dataDir = path.join(t.dir, 'data');
    const first = await openDeviceIdentity(dataDir, path.join(t.dir, 'sync'), () => undefined);
    expect(first.deviceId).toMatch(/^d-[0-9a-f]{16}$/);
    const again = await openDeviceIdentity(dataDir, path.join(t.dir, 'sync'), () => undefined);
    expect(again.deviceId).toBe(first.deviceId);
    // Sync turned off: the id is still honoured (jobs of other devices are never run here), and nothing is opened.
    expect(await openDeviceIdentity(dataDir, null, () => undefined)).toEqual({ deviceId: first.deviceId, state: null });
    expect(await openDeviceIdentity(path.join(t.dir, 'never-synced'), null, () => undefined)).toEqual({
      deviceId: null,
      state: null,
    });
  });

  it('refuses a sync folder that is the data dir, inside it, or holds it', async () => {
    const t = await makeTempDir('pixellab-devsync-id-');
    cleanup.push(t.remove);
    const data = path.join(t.dir, 'data');
    await expect(openDeviceIdentity(data, data, () => undefined)).rejects.toThrow(/is the data dir or inside it/);
    await expect(openDeviceIdentity(data, path.join(data, 'sync'), () => undefined)).rejects.toThrow(/inside it/);
    await expect(openDeviceIdentity(data, t.dir, () => undefined)).rejects.toThrow(/is inside --sync-dir/);
    await expect(openDeviceIdentity(data, path.join(t.dir, 'sync'), () => undefined)).resolves.toMatchObject({
      deviceId: expect.any(String),
    });
  });
});
