/**
 * Real remote sync targets on loopback for device-sync tests (issue 22): `rclone serve webdav` (Debian's rclone,
 * which .ci/run installs) and s3rver (npm, dev dependency). A missing rclone fails the test, never skips it.
 */
import { spawn } from 'node:child_process';
import S3rver from 's3rver';
import { afterAll, beforeAll } from 'vitest';
import { makeTempDir } from './temp-dir';

export const WEBDAV_USER = 'artist';
export const WEBDAV_PASSWORD = 'dav-secret-never-shown';
/** s3rver's one account; it checks that the key id exists (a SigV4 signature it takes as given). */
export const S3_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3_BUCKET = 'pixellab-sync';

export interface RemoteServer {
  /** The --sync-url for it. */
  syncUrl: string;
  /** Where the server keeps its files (a test may plant a hostile one there). */
  dir: string;
  close(): Promise<void>;
}

export async function startWebDavServer(): Promise<RemoteServer> {
  const t = await makeTempDir('pixellab-webdav-');
  const child = spawn(
    'rclone',
    ['serve', 'webdav', t.dir, '--addr', '127.0.0.1:0', '--user', WEBDAV_USER, '--pass', WEBDAV_PASSWORD],
    // No rclone.conf of the user's; listings are not cached, so files planted beside the server are seen.
    {
      env: { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_DIR_CACHE_TIME: '0s' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`rclone serve webdav did not start in 10 s: ${text}`)), 10_000);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new Error('rclone is not installed: apt-get install rclone (.ci/run installs it for these tests)')
          : error,
      );
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const found = /started on (https?:\/\/127\.0\.0\.1:\d+)\//.exec(text);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`rclone serve webdav exited (${code}): ${text}`)));
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await t.remove();
    throw error;
  });
  return {
    syncUrl: `${url.replace(/^http/, 'webdav')}/pixellab/`,
    dir: t.dir,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await t.remove();
    },
  };
}

export async function startS3Server(): Promise<RemoteServer & { endpoint: string }> {
  const t = await makeTempDir('pixellab-s3-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: t.dir,
    silent: true,
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  const address = (await server.run()) as { address: string; port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    syncUrl: `s3://${S3_BUCKET}/team/library`,
    endpoint,
    dir: t.dir,
    async close() {
      await server.close();
      await t.remove();
    },
  };
}

/** Both servers for one test file: started before its tests, closed after them; read them inside a test. */
export function remoteServers(): { readonly webdav: RemoteServer; readonly s3: RemoteServer & { endpoint: string } } {
  let webdav: RemoteServer | undefined;
  let s3: (RemoteServer & { endpoint: string }) | undefined;
  beforeAll(async () => {
    [webdav, s3] = await Promise.all([startWebDavServer(), startS3Server()]);
  });
  afterAll(async () => {
    await Promise.all([webdav?.close(), s3?.close()]);
  });
  const started = <T>(server: T | undefined): T => {
    if (!server) throw new Error('the remote servers start in beforeAll: read them inside a test');
    return server;
  };
  return {
    get webdav() {
      return started(webdav);
    },
    get s3() {
      return started(s3);
    },
  };
}
