/**
 * Device sync through remote targets (issue 22): two and three companions' stores on separate temp data dirs meet
 * on a real WebDAV server (`rclone serve webdav`) and a real S3-compatible one (s3rver), over loopback HTTP.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { remoteServers, S3_KEY, WEBDAV_PASSWORD, WEBDAV_USER } from '../../tests/helpers/remote-servers';
import { seededRandom } from '../../tests/helpers/seeded-random';
import {
  type EditLog,
  exchange,
  folder,
  holding,
  job,
  openDevice,
  randomEdit,
  runCleanup,
} from '../../tests/helpers/sync-devices';
import { addToSetField, setOrganisingField, withoutSeq } from '../../utils/domain';
import { formatLine } from './line-format';
import { openSyncTarget, type SyncCredentials } from './targets/open';
import { parseSyncUrl } from './targets/sync-url';

const servers = remoteServers();
afterEach(runCleanup);

const GOOD: SyncCredentials = {
  webdav: { user: WEBDAV_USER, password: WEBDAV_PASSWORD },
  s3: S3_KEY,
};

/** A target maker for one fresh place on the server (each test its own). */
function remote(kind: 'webdav' | 's3', credentials: SyncCredentials = GOOD) {
  const place = `p-${randomBytes(4).toString('hex')}`;
  const spec =
    kind === 'webdav'
      ? parseSyncUrl(`${servers.webdav.syncUrl}${place}/`)
      : parseSyncUrl(`${servers.s3.syncUrl}/${place}`, { endpoint: servers.s3.endpoint });
  return (deviceId: string) => openSyncTarget({ remote: spec, deviceId, credentials, log: () => undefined });
}

describe.each(['webdav', 's3'] as const)('companions sharing a %s target', (kind) => {
  it('three devices converge through creates, edits, tags, stars and deletes; images come along', async () => {
    const root = await folder();
    const target = remote(kind);
    const devices = [
      await openDevice(root, 'A', { target }),
      await openDevice(root, 'B', { target }),
      await openDevice(root, 'C', { target }),
    ];
    const [a, b] = devices as [(typeof devices)[0], (typeof devices)[0]];
    const png = makeSprite(16, 16, `knight-${kind}`);
    const hash = await a.store.putImage(png);
    await a.store.merge([job('job-img', { image: hash })]);
    const random = seededRandom(kind === 'webdav' ? 5 : 9);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const log: EditLog = { made: ['job-img'], deleted: new Set() };
    for (let step = 0; step < 24; step++) {
      const d = pick(devices);
      await randomEdit(d, step, random, log, new Set(['job-img']));
      await d.sync.syncNow();
      for (const other of devices) if (random() < 0.4) await other.sync.syncNow();
    }
    // A star on one device and a tag on another of the same job both survive.
    await exchange(null, devices);
    await a.store.merge([setOrganisingField(withoutSeq(a.store.get('job-img')!), 'starred', true, a.store.clock)]);
    await b.store.merge([addToSetField(withoutSeq(b.store.get('job-img')!), 'tags', ['hero'], b.store.clock, 50)]);
    await exchange(null, devices);
    const live = log.made.filter((id) => !log.deleted.has(id)).sort();
    for (const d of devices) {
      expect(
        d.store
          .liveIndex()
          .map((e) => e.id)
          .sort(),
        d.name,
      ).toEqual(live);
      expect(d.store.get('job-img'), d.name).toMatchObject({ starred: true, tags: ['hero'], image: hash });
      expect(d.store.hasImage(hash), d.name).toBe(true);
      expect(d.sync.status().quarantined, d.name).toEqual([]);
      expect(d.sync.status().lastError, d.name).toBeNull();
      expect(d.sync.status().target).toMatch(kind === 'webdav' ? /^webdav:\/\/127\.0\.0\.1/ : /^s3:\/\//);
    }
    expect(holding(devices[1]!)).toEqual(holding(devices[0]!));
    expect(holding(devices[2]!)).toEqual(holding(devices[0]!));
  });

  it('one change at 2,000 jobs writes a few KB, and a new device takes the whole history', async () => {
    const root = await folder();
    const target = remote(kind);
    const a = await openDevice(root, 'A', { target });
    await a.store.merge(Array.from({ length: 2000 }, (_, i) => job(`job-${i + 1}`)));
    await a.sync.syncNow();
    const before = a.sync.status().bytesWritten;
    const held = withoutSeq(a.store.get('job-1000')!);
    await a.store.put(a.store.clock.stamp({ ...held, prompt: 'changed' }, held));
    await a.sync.syncNow();
    const perChange = a.sync.status().bytesWritten - before;
    expect(perChange).toBeGreaterThan(0);
    expect(perChange).toBeLessThan(4096);
    const b = await openDevice(root, 'B', { target });
    await b.sync.syncNow();
    expect(b.store.liveCount).toBe(2000);
    expect(b.store.get('job-1000')!.prompt).toBe('changed');
    expect(b.sync.status().bytesWritten).toBeLessThan(4096);
  });

  it('a hostile object of another device is quarantined and skipped; the rest still syncs', async () => {
    const root = await folder();
    const target = remote(kind);
    const a = await openDevice(root, 'A', { target });
    const b = await openDevice(root, 'B', { target });
    await a.store.merge([job('job-1')]);
    await exchange(null, [a, b]);
    const before = holding(b);
    const hostile = await target('d-ffffffffffffffff');
    await hostile.writeOwn('log-000000001.jsonl', Buffer.from('not json at all\n'));
    // A good line, but naming device A from another device's files.
    const forged = formatLine(a.store.device!, 9, [JSON.stringify(job('job-forged'))], []);
    await hostile.writeOwn('log-000000002.jsonl', Buffer.from(forged));
    await b.sync.syncNow();
    const reasons = b.sync
      .status()
      .quarantined.map((q) => `${q.file}: ${q.reason}`)
      .join('\n');
    expect(reasons).toMatch(/d-ffffffffffffffff\/log-000000001\.jsonl: a line it is incomplete/);
    expect(reasons).toMatch(/names device/);
    expect(holding(b)).toEqual(before);
    await a.store.merge([job('job-2')]);
    await exchange(null, [a, b]);
    expect(b.store.get('job-2')).toBeDefined();
    expect(b.store.get('job-forged')).toBeUndefined();
  });

  it('refused credentials: the pass reports it plainly without the secret, and nothing local changes', async () => {
    const root = await folder();
    const wrong: SyncCredentials = {
      webdav: { user: WEBDAV_USER, password: 'wrong-password-never-shown' },
      s3: { accessKeyId: 'NO-SUCH-KEY', secretAccessKey: 'wrong-secret-never-shown' },
    };
    const a = await openDevice(root, 'A', { target: remote(kind, wrong) });
    await a.store.merge([job('job-1')]);
    await a.sync.syncNow();
    const error = a.sync.status().lastError ?? '';
    expect(error).toMatch(kind === 'webdav' ? /401/ : /403.*InvalidAccessKeyId/);
    expect(error).toMatch(/refused the credentials/);
    expect(`${error}\n${a.logs.join('\n')}`).not.toMatch(/never-shown|NO-SUCH-KEY/);
    expect(a.store.get('job-1')).toBeDefined();
    expect(a.sync.status().lastSyncAt).toBeNull();
  });
});
