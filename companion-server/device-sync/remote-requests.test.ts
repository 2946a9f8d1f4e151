/**
 * What an idle sync pass costs on a remote target (issue 22: providers bill per request): three devices' stores on
 * a real WebDAV server (`rclone serve webdav`) and a real S3-compatible one (s3rver), each reached through a
 * counting loopback proxy. An idle pass is one listing of the whole tree, whatever the number of devices, and a
 * change another device made is still found by it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { startCountingProxy } from '../../tests/helpers/counting-proxy';
import { remoteServers, S3_KEY, WEBDAV_PASSWORD, WEBDAV_USER } from '../../tests/helpers/remote-servers';
import { cleanup, type Device, exchange, folder, job, openDevice, runCleanup } from '../../tests/helpers/sync-devices';
import { withoutSeq } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { nextPollMs, REMOTE_IDLE_POLL_MS } from './device-sync';
import { RECHECK_FIRST_MS } from './missing-images';
import { decideSeal, sealTarget } from './sealed-target';
import { openSyncTarget } from './targets/open';
import { parseSyncUrl } from './targets/sync-url';

const servers = remoteServers();
afterEach(runCleanup);

/** `webdav-depth-1`: a server refusing whole-tree listings (Apache's default); `webdav-shallow`: one answering them
 * as depth 1 (Sabre, Nextcloud's server, unless told otherwise). */
type Kind = 'webdav' | 's3' | 'webdav-depth-1' | 'webdav-shallow';

/**
 * One fresh place on the server, and targets on it whose requests each go through a counting proxy of their
 * own device (so a pass of another device never counts as this one's).
 */
function remote(kind: Kind) {
  const place = `p-${randomBytes(4).toString('hex')}`;
  const upstream =
    kind === 's3' ? servers.s3.endpoint : new URL(servers.webdav.syncUrl.replace(/^webdav/, 'http')).origin;
  // Apache's default (DavDepthInfinity Off): a whole-tree PROPFIND is refused with 403.
  const refuse = (req: IncomingMessage) =>
    kind === 'webdav-depth-1' && req.method === 'PROPFIND' && req.headers.depth === 'infinity' ? 403 : null;
  const credentials = { webdav: { user: WEBDAV_USER, password: WEBDAV_PASSWORD }, s3: S3_KEY };
  return async () => {
    const proxy = await startCountingProxy(upstream, refuse, (req) =>
      kind === 'webdav-shallow' && req.headers.depth === 'infinity' ? { ...req.headers, depth: '1' } : req.headers,
    );
    cleanup.push(() => proxy.close());
    const spec =
      kind !== 's3'
        ? parseSyncUrl(`${proxy.url.replace(/^http/, 'webdav')}${new URL(servers.webdav.syncUrl).pathname}${place}/`)
        : parseSyncUrl(`${servers.s3.syncUrl}/${place}`, { endpoint: proxy.url });
    const target = (deviceId: string) => openSyncTarget({ remote: spec, deviceId, credentials, log: () => undefined });
    return { proxy, target };
  };
}

/** Three devices on one place, settled (each has read the others and published how far); A's requests counted. */
async function threeDevices(kind: Kind) {
  const root = await folder();
  const place = remote(kind);
  const mine = await place();
  const devices = [
    await openDevice(root, 'A', { target: mine.target }),
    await openDevice(root, 'B', { target: (await place()).target }),
    await openDevice(root, 'C', { target: (await place()).target }),
  ];
  for (const d of devices) await d.store.merge([job(`job-${d.name}`)]);
  await exchange(null, devices);
  for (const d of devices) await d.sync.syncNow();
  return { devices: devices as [Device, Device, Device], counted: mine.proxy };
}

describe.each(['webdav', 's3'] as const)('an idle pass on a %s target', (kind) => {
  it('is one listing with three devices, and still finds another device’s change', async () => {
    const { devices, counted: proxy } = await threeDevices(kind);
    const [a, b] = devices;
    proxy.reset();
    const PASSES = 5;
    for (let i = 0; i < PASSES; i++) await a.sync.syncNow();
    console.log(
      `device sync (${kind}): an idle pass with 3 devices made ${proxy.requests.length / PASSES} request(s): ${[...new Set(proxy.requests.map((r) => r.split(' ')[0]))].join(', ')}`,
    );
    expect(proxy.requests.length).toBe(PASSES);
    expect(proxy.requests.every((r) => r.startsWith(kind === 'webdav' ? 'PROPFIND ' : 'GET '))).toBe(true);

    // B's change is found by A's next pass: one listing, then B's new log and head.
    await b.store.merge([job('job-from-b')]);
    await b.sync.syncNow();
    proxy.reset();
    await a.sync.syncNow();
    expect(a.store.get('job-from-b')).toBeDefined();
    console.log(`device sync (${kind}): a pass that found one change made ${proxy.requests.length} request(s)`);
  });
});

const FAST_SCRYPT = { N: 2 ** 14, r: 8, p: 1 };

describe.each([
  ['webdav', 'plain'],
  ['s3', 'plain'],
  ['webdav', 'encrypted'],
  ['s3', 'encrypted'],
] as const)('images missing everywhere on a %s target (%s)', (kind, mode) => {
  it('cost nothing at an idle pass, and one that comes later (a device’s edit, a put by hand) is still fetched', async () => {
    const passphrase = mode === 'encrypted' ? 'a long passphrase' : null;
    const sync = { passphrase, sealCost: FAST_SCRYPT, sweepEveryMs: 0 };
    let clock = Date.now();
    const root = await folder();
    const place = remote(kind);
    const a = await openDevice(root, 'A', { target: (await place()).target, sync });
    const counted = await place();
    const b = await openDevice(root, 'B', { target: counted.target, sync: { ...sync, now: () => clock } });
    // A's jobs name images no device holds (their results were lost before any store had them).
    const K = 4;
    const sprites = Array.from({ length: K }, (_, i) => makeSprite(16, 16, `lost ${i}`));
    const hashes = sprites.map((png) => sha256Hex(png));
    await a.store.merge(hashes.map((image, i) => job(`job-lost-${i}`, { image })));
    await exchange(null, [a, b]);
    expect(b.store.get('job-lost-0')).toMatchObject({ image: hashes[0] });
    counted.proxy.reset();
    const PASSES = 5;
    for (let i = 0; i < PASSES; i++) await b.sync.syncNow();
    console.log(
      `device sync (${kind}, ${mode}): ${PASSES} idle passes with ${K} images missing everywhere made ${counted.proxy.requests.length} request(s)`,
    );
    // One listing a pass: no GET for an image the target cannot have gained since (PASSES * (K + 1) before).
    expect(counted.proxy.requests.length).toBe(PASSES);

    // A gets the first image back and edits its job: the image goes up before the log, and B's next pass takes it.
    await a.store.putImage(sprites[0]!);
    const base = withoutSeq(a.store.get('job-lost-0')!);
    await a.store.put(a.store.clock.stamp({ ...base, prompt: 'found again' }, base));
    await a.sync.syncNow();
    await b.sync.syncNow();
    expect(b.store.get('job-lost-0')?.prompt).toBe('found again');
    expect(b.store.hasImage(hashes[0]!)).toBe(true);

    // The second is put on the server by hand (no device's file changes): asked for again after the backoff.
    // (As A's device: a WebDAV target makes its own folder at its first write, which would be a change.)
    const id = a.sync.status().deviceId;
    const raw = await (await place()).target(id);
    const decided = await decideSeal({ target: raw, deviceId: id, passphrase, readonly: true });
    const hand = decided.kind === 'sealed' ? sealTarget(raw, decided.seal, id) : raw;
    await hand.putImage(hashes[1]!, sprites[1]!);
    await b.sync.syncNow();
    expect(b.store.hasImage(hashes[1]!)).toBe(false);
    clock += RECHECK_FIRST_MS;
    await b.sync.syncNow();
    expect(b.store.hasImage(hashes[1]!)).toBe(true);
    expect(b.store.hasImage(hashes[2]!)).toBe(false);
    expect(b.sync.status().quarantined).toEqual([]);
  });
});

describe.each(['webdav-depth-1', 'webdav-shallow'] as const)(
  'a WebDAV server that will not list a whole tree (%s)',
  (kind) => {
    it('is listed device by device as before, and changes still go both ways', async () => {
      const { devices, counted: proxy } = await threeDevices(kind);
      const [a, b] = devices;
      for (const d of devices) expect(d.store.liveCount).toBe(3);
      proxy.reset();
      await a.sync.syncNow();
      await a.sync.syncNow();
      // The refusal is remembered: no whole-tree PROPFIND again, the listings of before (4 + one per other device).
      console.log(`device sync (${kind}): two idle passes made ${proxy.requests.length} request(s)`);
      expect(proxy.requests.filter((r) => r.endsWith('depth=infinity'))).toEqual([]);
      expect(proxy.requests.length).toBe(2 * (4 + 2));
      await b.store.merge([job('job-from-b')]);
      await b.sync.syncNow();
      await a.sync.syncNow();
      expect(a.store.get('job-from-b')).toBeDefined();
    });
  },
);

describe('the poll', () => {
  it('backs off to the idle interval after three quiet passes, and a remote one still reads within 10 s', () => {
    expect([0, 1, 2, 3, 9].map((idle) => nextPollMs(idle, 5000, REMOTE_IDLE_POLL_MS))).toEqual([
      5000, 5000, 5000, 8000, 8000,
    ]);
    // A file that arrives right after a pass is seen at the next one: the interval plus a pass of one listing.
    expect(REMOTE_IDLE_POLL_MS + 2000).toBeLessThanOrEqual(10_000);
  });
});
