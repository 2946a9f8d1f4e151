/**
 * --sync-url and its credentials (issue 22): WebDAV and S3 targets from flags or the environment; credentials from
 * the environment or a 0600 file in the config folder, never from the URL, and never in a message.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../tests/helpers/temp-dir';
import { ConfigError, parseConfig, type ServerConfig } from '../../config';
import { readSyncCredentials, SYNC_CREDENTIALS_FILE } from '../../secrets/sync-credentials';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseConfig(argv, env, '/work/here') as ServerConfig;
const refusal = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parse(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('not refused');
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

describe('--sync-url', () => {
  it('is off by default; takes WebDAV over http or https, from the flag or COMPANION_SYNC_URL', () => {
    expect(parse([]).syncUrl).toBeNull();
    expect(parse(['--sync-url', 'webdavs://cloud.example.com/remote.php/dav/files/ana/pixellab']).syncUrl).toEqual({
      kind: 'webdav',
      base: 'https://cloud.example.com/remote.php/dav/files/ana/pixellab/',
      display: 'webdavs://cloud.example.com/remote.php/dav/files/ana/pixellab/',
    });
    expect(parse([], { COMPANION_SYNC_URL: 'webdav://127.0.0.1:8080/dav' }).syncUrl).toMatchObject({
      base: 'http://127.0.0.1:8080/dav/',
    });
    expect(parse([], { COMPANION_SYNC_URL: '' }).syncUrl).toBeNull();
  });

  it('takes S3 with the endpoint and region from flags or the environment (AWS and us-east-1 by default)', () => {
    expect(parse(['--sync-url', 's3://team-sprites/pixellab/']).syncUrl).toEqual({
      kind: 's3',
      bucket: 'team-sprites',
      prefix: 'pixellab',
      endpoint: null,
      region: 'us-east-1',
      display: 's3://team-sprites/pixellab in us-east-1',
    });
    const r2 = parse(['--sync-url', 's3://sprites', '--sync-s3-region', 'auto'], {
      COMPANION_SYNC_S3_ENDPOINT: 'https://abc123.r2.cloudflarestorage.com',
    }).syncUrl;
    expect(r2).toMatchObject({ prefix: '', endpoint: 'https://abc123.r2.cloudflarestorage.com', region: 'auto' });
  });

  it('refuses a credential in the URL or the endpoint without quoting it, and says where credentials go', () => {
    for (const url of ['webdavs://ana:hunter2-secret@cloud.example.com/dav', 's3://AKIA:hunter2-secret@bucket/x']) {
      const message = refusal(['--sync-url', url]);
      expect(message).toMatch(/credentials never go in the URL/);
      expect(message).toMatch(/COMPANION_SYNC_PASSWORD/);
      expect(message).not.toContain('hunter2');
    }
    const message = refusal(['--sync-url', 's3://bucket'], {
      COMPANION_SYNC_S3_ENDPOINT: 'https://key:hunter2-secret@s3.example.com',
    });
    expect(message).toMatch(/--sync-s3-endpoint holds a user name or password/);
    expect(message).not.toContain('hunter2');
  });

  it('refuses another scheme, a bad bucket, an endpoint with a path, and both a folder and a URL', () => {
    expect(refusal(['--sync-url', 'https://cloud.example.com/dav'])).toMatch(/must start with webdav:\/\//);
    expect(refusal(['--sync-url', 's3://No_Such'])).toMatch(/not a valid S3 bucket name/);
    expect(refusal(['--sync-url', 's3://bucket', '--sync-s3-endpoint', 'https://s3.example.com/x'])).toMatch(
      /the server only/,
    );
    expect(refusal(['--sync-url', ' '])).toMatch(/--sync-url is empty/);
    expect(refusal(['--sync-dir', '/sync', '--sync-url', 's3://bucket'])).toMatch(/both name a target/);
  });
});

describe('sync credentials', () => {
  async function configDir() {
    const t = await makeTempDir('pixellab-sync-creds-');
    cleanup.push(t.remove);
    await mkdir(t.dir, { recursive: true });
    return t.dir;
  }
  const fileIn = async (dir: string, content: string, mode: number) => {
    const file = path.join(dir, SYNC_CREDENTIALS_FILE);
    await writeFile(file, content);
    await chmod(file, mode);
    return file;
  };

  it('come from the environment first, else the 0600 file; none at all is none', async () => {
    const dir = await configDir();
    expect(await readSyncCredentials({ env: {}, configDir: dir })).toEqual({ webdav: null, s3: null });
    await fileIn(
      dir,
      JSON.stringify({
        webdav: { user: 'ana', password: 'from-file' },
        s3: { accessKeyId: 'K', secretAccessKey: 'S' },
      }),
      0o600,
    );
    expect(await readSyncCredentials({ env: {}, configDir: dir })).toEqual({
      webdav: { user: 'ana', password: 'from-file' },
      s3: { accessKeyId: 'K', secretAccessKey: 'S' },
    });
    const env = { COMPANION_SYNC_USER: 'bo', COMPANION_SYNC_PASSWORD: 'from-env', AWS_ACCESS_KEY_ID: 'K2' };
    await expect(readSyncCredentials({ env, configDir: dir })).rejects.toThrow(
      /AWS_SECRET_ACCESS_KEY is not set, but AWS_ACCESS_KEY_ID is/,
    );
    const both = { ...env, AWS_SECRET_ACCESS_KEY: 'S2', AWS_SESSION_TOKEN: 'T2' };
    expect(await readSyncCredentials({ env: both, configDir: dir })).toEqual({
      webdav: { user: 'bo', password: 'from-env' },
      s3: { accessKeyId: 'K2', secretAccessKey: 'S2', sessionToken: 'T2' },
    });
  });

  it('refuse a file others can read, and a damaged one, without quoting what it holds', async () => {
    const dir = await configDir();
    const file = await fileIn(dir, JSON.stringify({ webdav: { user: 'ana', password: 'hunter2-secret' } }), 0o644);
    await expect(readSyncCredentials({ env: {}, configDir: dir, platform: 'linux' })).rejects.toThrow(
      `can be read by other users (mode 644): run chmod 600 "${file}"`,
    );
    await fileIn(dir, '{"webdav": {"user": "ana", "password": "hunter2-secret", "extra": 1}', 0o600);
    const error = await readSyncCredentials({ env: {}, configDir: dir }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/is not valid/);
    expect((error as Error).message).not.toContain('hunter2');
    await fileIn(dir, JSON.stringify({ webdav: { user: 'ana', password: 'hunter2-secret', extra: 1 } }), 0o600);
    const again = await readSyncCredentials({ env: {}, configDir: dir }).catch((e: Error) => e);
    expect((again as Error).message).toMatch(/is not valid.*the problem is at webdav/);
    expect((again as Error).message).not.toContain('hunter2');
  });
});
