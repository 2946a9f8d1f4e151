/**
 * Device sync through WebDAV and S3 (issue 22) between real companions: each its own process on loopback with its
 * own temp data dir, started with --sync-url on a real `rclone serve webdav` or s3rver, also on loopback.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { platformPaths } from '../../companion-server/cli/platform-paths';
import { SYNC_CREDENTIALS_FILE } from '../../companion-server/secrets/sync-credentials';
import { type CompanionProcess, runCompanion, startCompanion, testConfigHome } from '../helpers/companion-process';
import { issueCaseThroughOldApi } from '../helpers/issue-case';
import { remoteServers, S3_KEY, WEBDAV_PASSWORD, WEBDAV_USER } from '../helpers/remote-servers';
import { makeTempDir } from '../helpers/temp-dir';

const servers = remoteServers();
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** None of the machine's own sync settings reach a test companion. */
const CLEAN_ENV = {
  COMPANION_SYNC_DIR: undefined,
  COMPANION_SYNC_URL: undefined,
  COMPANION_SYNC_USER: undefined,
  COMPANION_SYNC_PASSWORD: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
};

async function root() {
  const t = await makeTempDir('pixellab-devsync-remote-');
  cleanup.push(t.remove);
  return t.dir;
}

/** WebDAV credentials in the 0600 file of the companion's config folder; S3 ones in the environment. */
async function companion(dir: string, name: string, kind: 'webdav' | 's3', place: string): Promise<CompanionProcess> {
  const dataDir = path.join(dir, `data-${name}`);
  await mkdir(dataDir, { recursive: true });
  const env: Record<string, string | undefined> = { ...CLEAN_ENV };
  let args: string[];
  if (kind === 'webdav') {
    const config = platformPaths({
      platform: 'linux',
      env: { XDG_CONFIG_HOME: testConfigHome({ dataDir }) },
      home: os.homedir(),
    }).config;
    await mkdir(config, { recursive: true });
    const file = path.join(config, SYNC_CREDENTIALS_FILE);
    await writeFile(file, JSON.stringify({ webdav: { user: WEBDAV_USER, password: WEBDAV_PASSWORD } }));
    await chmod(file, 0o600);
    args = ['--sync-url', `${servers.webdav.syncUrl}${place}`];
  } else {
    Object.assign(env, { AWS_ACCESS_KEY_ID: S3_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_KEY.secretAccessKey });
    env.COMPANION_SYNC_S3_ENDPOINT = servers.s3.endpoint;
    args = ['--sync-url', `${servers.s3.syncUrl}/${place}`];
  }
  const c = await startCompanion({ dataDir, args: [...args, '--device-name', name], env });
  cleanup.push(() => c.stop());
  return c;
}

describe.each(['webdav', 's3'] as const)('two companions on one %s target', (kind) => {
  // Two companions through a WebDAV or S3 server: 8-9 s at a load of 11, a third of the 30 s default.
  it('the issue’s case through the old API: A saves 1 and 2, B saves 3, A saves 4; both end with 1, 2, 3, 4', {
    timeout: 90_000,
  }, async () => {
    const dir = await root();
    const place = `case-${kind}`;
    const a = await companion(dir, 'A', kind, place);
    const b = await companion(dir, 'B', kind, place);
    const showedMs = await issueCaseThroughOldApi(a, b);
    console.log(`device sync (${kind}): job-4 showed on B ${showedMs} ms after A's save (polled every 5 s)`);
    for (const c of [a, b]) {
      const text = c.logs.join('\n');
      expect(text).toMatch(
        kind === 'webdav'
          ? /Device sync: webdav:\/\/127\.0\.0\.1:\d+\/pixellab\/case-webdav\//
          : /Device sync: s3:\/\/pixellab-sync\/team\/library\/case-s3 at http/,
      );
      expect(text).not.toContain(WEBDAV_PASSWORD);
    }
  });
});

describe('--sync-url refusals at start', () => {
  it('a credential in the URL, and S3 without credentials, stop the start with a clear message that quotes no secret', async () => {
    const dir = await root();
    const dataDir = path.join(dir, 'data');
    await mkdir(dataDir, { recursive: true });
    const inUrl = await runCompanion({
      dataDir,
      args: ['--sync-url', `webdav://${WEBDAV_USER}:${WEBDAV_PASSWORD}@127.0.0.1:9/dav`],
      env: CLEAN_ENV,
    });
    expect(inUrl.code).toBe(1);
    expect(inUrl.output).toMatch(/--sync-url holds a user name or password: credentials never go in the URL/);
    expect(inUrl.output).not.toContain(WEBDAV_PASSWORD);
    const noKeys = await runCompanion({
      dataDir,
      args: ['--sync-url', 's3://pixellab-sync/x', '--sync-s3-endpoint', servers.s3.endpoint],
      env: CLEAN_ENV,
    });
    expect(noKeys.code).toBe(1);
    expect(noKeys.output).toMatch(/needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});
