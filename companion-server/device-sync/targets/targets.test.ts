/**
 * The SyncTarget contract (issue 22) held by every kind against the real thing: a folder, `rclone serve webdav`
 * (Debian's rclone) and s3rver, each on loopback. Two devices share one target here, as two machines would.
 */
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RemoteServer,
  S3_KEY,
  startS3Server,
  startWebDavServer,
  WEBDAV_PASSWORD,
  WEBDAV_USER,
} from '../../../tests/helpers/remote-servers';
import { makeTempDir } from '../../../tests/helpers/temp-dir';
import { sha256Hex } from '../../lib/hash';
import { openSyncTarget } from './open';
import { parseSyncUrl } from './sync-url';
import type { SyncTarget } from './types';

const A = 'd-aaaaaaaaaaaaaaaa';
const B = 'd-bbbbbbbbbbbbbbbb';

let webdav: RemoteServer;
let s3: RemoteServer & { endpoint: string };
let folder: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  [webdav, s3, folder] = await Promise.all([startWebDavServer(), startS3Server(), makeTempDir('pixellab-target-')]);
});
afterAll(async () => {
  await Promise.all([webdav?.close(), s3?.close(), folder?.remove()]);
});

/** A fresh place on the server for each test, so they do not see each other's files. */
const kinds: Record<string, (device: string, place: string) => Promise<SyncTarget>> = {
  folder: (device, place) => openSyncTarget({ syncDir: `${folder.dir}/${place}`, deviceId: device, log: () => {} }),
  webdav: (device, place) =>
    openSyncTarget({
      remote: parseSyncUrl(`${webdav.syncUrl}${place}/`),
      deviceId: device,
      credentials: { webdav: { user: WEBDAV_USER, password: WEBDAV_PASSWORD }, s3: null },
      log: () => {},
    }),
  s3: (device, place) =>
    openSyncTarget({
      remote: parseSyncUrl(`${s3.syncUrl}/${place}`, { endpoint: s3.endpoint }),
      deviceId: device,
      credentials: { webdav: null, s3: S3_KEY },
      log: () => {},
    }),
};

const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const text = (read: unknown) => (read instanceof Uint8Array ? Buffer.from(read).toString('utf8') : read);

describe('what a remote target says when it cannot serve', () => {
  it('a missing bucket, and a WebDAV server that does not answer, are named plainly', async () => {
    const bucket = await openSyncTarget({
      remote: parseSyncUrl('s3://no-such-bucket/x', { endpoint: s3.endpoint }),
      deviceId: A,
      credentials: { webdav: null, s3: S3_KEY },
      log: () => {},
    });
    await expect(bucket.devices()).rejects.toThrow(
      /^S3 list s3:\/\/no-such-bucket\/x at http.*: 404 Not Found \(NoSuchBucket\)$/,
    );
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const down = await openSyncTarget({
      remote: parseSyncUrl(`webdav://127.0.0.1:${port}/dav`),
      deviceId: A,
      credentials: { webdav: { user: WEBDAV_USER, password: WEBDAV_PASSWORD }, s3: null },
      log: () => {},
    });
    const error = await down.list(B).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `WebDAV PROPFIND webdav://127.0.0.1:${port}/dav/devices/${B}/: unreachable (ECONNREFUSED)`,
    );
  });
});

describe.each(Object.keys(kinds))('the %s target', (kind) => {
  const open = async () => {
    const place = `t-${randomBytes(4).toString('hex')}`;
    return { a: await kinds[kind]!(A, place), b: await kinds[kind]!(B, place) };
  };

  it('writes, replaces, lists and reads a device’s own files; the other device sees them, never as its own', async () => {
    const { a, b } = await open();
    expect(await b.devices()).not.toContain(B);
    await a.writeOwn('log-000000001.jsonl', bytes('one\n'));
    await a.writeOwn('head.json', bytes('{"n":1}\n'));
    await a.writeOwn('head.json', bytes('{"n":2}\n'));
    await a.writeOwn('log-000000002.jsonl', bytes('two\n'));
    expect(await b.devices()).toEqual([A]);
    expect(await a.devices()).not.toContain(A);
    const listed = await b.list(A);
    expect(listed.map((f) => f.name)).toEqual(['head.json', 'log-000000001.jsonl', 'log-000000002.jsonl']);
    expect(listed.map((f) => f.size)).toEqual([8, 4, 4]);
    for (const file of listed) expect(file.mtimeMs).toBeGreaterThan(Date.now() - 3_600_000);
    expect(text(await b.read(A, 'head.json', 1000))).toBe('{"n":2}\n');
    // Bounded: never read whole past the bound; gone is null.
    expect(await b.read(A, 'log-000000001.jsonl', 3)).toBe('too big');
    expect(await b.read(A, 'log-000000099.jsonl', 1000)).toBeNull();
    expect(await b.read(A, '../../images/x', 1000)).toBeNull();
    await a.deleteOwn('log-000000001.jsonl');
    await a.deleteOwn('log-000000001.jsonl');
    expect((await b.list(A)).map((f) => f.name)).toEqual(['head.json', 'log-000000002.jsonl']);
    expect(await b.list(B)).toEqual([]);
    await expect(a.writeOwn('../escape', bytes('x'))).rejects.toThrow(/not a file name of this device/);
    await expect(a.writeOwn('.hidden', bytes('x'))).rejects.toThrow(/not a file name of this device/);
  });

  it('writes an image once: a second put of other bytes (same size) leaves the first; read, listed and deleted by hash', async () => {
    const { a, b } = await open();
    const png = bytes('first image bytes');
    const hash = sha256Hex(png);
    expect(await b.hasImage(hash)).toBe(false);
    expect(await b.readImage(hash, 1000)).toBeNull();
    await a.putImage(hash, png);
    await b.putImage(hash, bytes('other image bytes'));
    expect(await b.hasImage(hash)).toBe(true);
    expect(text(await b.readImage(hash, 1000))).toBe('first image bytes');
    expect(await b.readImage(hash, 4)).toBe('too big');
    expect(await b.listImages()).toEqual([{ hash, size: png.length, mtimeMs: expect.any(Number) }]);
    await b.deleteImage(hash);
    await b.deleteImage(hash);
    expect(await a.hasImage(hash)).toBe(false);
    expect(await a.listImages()).toEqual([]);
    await expect(a.putImage('not-a-hash', png)).rejects.toThrow(/not an image hash/);
  });

  // Remote targets only: a folder's file is written whole under a temp name, then renamed.
  if (kind !== 'folder')
    it('takes an image of another size for an upload cut short, and puts it whole again', async () => {
      // What some S3-compatible stores keep of a PUT cut mid-body (s3rver did): the first half, under the name.
      const { a, b } = await open();
      const png = bytes('a whole image, every byte of it');
      const hash = sha256Hex(png);
      await a.putImage(hash, png.subarray(0, 10));
      expect(await b.hasImage(hash)).toBe(true);
      expect(await b.hasImage(hash, png.length)).toBe(false);
      await b.putImage(hash, png);
      expect(await a.hasImage(hash, png.length)).toBe(true);
      expect(text(await a.readImage(hash, 1000))).toBe('a whole image, every byte of it');
    });

  it('writes a shared file once: the first device’s stays, the second is told', async () => {
    const { a, b } = await open();
    expect(await b.readShared('sync.json', 1000)).toBeNull();
    expect(await a.putSharedOnce('sync.json', bytes('{"salt":"a"}'))).toBe(true);
    expect(await b.putSharedOnce('sync.json', bytes('{"salt":"b"}'))).toBe(false);
    expect(text(await b.readShared('sync.json', 1000))).toBe('{"salt":"a"}');
    expect(await b.readShared('sync.json', 3)).toBe('too big');
    await expect(a.putSharedOnce('other.json' as 'sync.json', bytes('x'))).rejects.toThrow(/not a shared file/);
  });

  it('opening writes nothing: a device that only reads leaves no trace', async () => {
    const place = `t-${randomBytes(4).toString('hex')}`;
    const writer = await kinds[kind]!(A, place);
    await writer.writeOwn('head.json', bytes('{}'));
    const reader = await kinds[kind]!(B, place);
    expect(await reader.devices()).toEqual([A]);
    await reader.list(A);
    await reader.read(A, 'head.json', 100);
    await reader.hasImage('0'.repeat(64));
    expect(await writer.devices()).toEqual([]);
  });

  it('describes itself without a credential', async () => {
    const { a } = await open();
    expect(a.describe()).not.toContain(WEBDAV_PASSWORD);
    expect(a.describe()).not.toContain(WEBDAV_USER);
    expect(a.describe()).not.toContain(S3_KEY.secretAccessKey);
  });
});
