/**
 * End-to-end encryption of the sync target (issue 22), in-process: real file stores in temp data dirs, each with
 * its own view of the shared folder, a SyncFolderClient carrying files between the views, real AES-GCM and scrypt
 * (at the lowest cost sync.json accepts, to keep the suite fast).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSprite } from '../../tests/fixtures/png';
import { exchange, folder, holding, job, openDevice, runCleanup } from '../../tests/helpers/sync-devices';
import { SyncFolderClient } from '../../tests/helpers/sync-folder-client';
import { withoutSeq } from '../../utils/domain';

afterEach(runCleanup);

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const sealed = (passphrase: string | null) => ({ sync: { passphrase, sealCost: FAST, sweepEveryMs: 0 } });

/** Every file under a view, with a digest of its bytes. */
async function snapshotOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return out;
}

async function allBytes(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const rel of Object.keys(await snapshotOf(dir))) parts.push(await readFile(path.join(dir, rel)));
  return Buffer.concat(parts);
}

/** A first device makes the target encrypted; its sync.json reaches the other view before that one starts. */
async function encryptedPair(root: string, passphrase = 'a long passphrase') {
  const a = await openDevice(root, 'A', sealed(passphrase));
  const client = new SyncFolderClient([a.view, path.join(root, 'view-B')]);
  await client.settle();
  const b = await openDevice(root, 'B', sealed(passphrase));
  return { a, b, client };
}

describe('an encrypted target', () => {
  it('round trip: jobs, boards and images reach the other device, and the target holds no plaintext', async () => {
    const root = await folder();
    const { a, b, client } = await encryptedPair(root);
    const png = makeSprite(16, 16, 'knight');
    const hash = await a.store.putImage(png);
    await a.store.merge([job('job-secret-1', { image: hash, prompt: 'a plaintext prompt' })]);
    await exchange(client, [a, b]);
    expect(b.store.get('job-secret-1')).toMatchObject({ prompt: 'a plaintext prompt', image: hash });
    expect(Buffer.from((await b.store.readImage(hash))!).equals(Buffer.from(png))).toBe(true);
    expect(holding(a)).toEqual(holding(b));
    expect(a.sync.status()).toMatchObject({ encrypted: true, passphraseNeeded: null });
    expect(a.sync.status().target).toMatch(/end-to-end encrypted/);
    // No job text, no device name, no image hash, no PNG bytes anywhere on the target; image names are keyed.
    const everything = await allBytes(a.view);
    for (const clear of ['job-secret-1', 'plaintext prompt', '"name":"A"', hash, 'IHDR'])
      expect(everything.includes(Buffer.from(clear)), clear).toBe(false);
    const names = Object.keys(await snapshotOf(a.view));
    expect(names.some((n) => n.includes(hash))).toBe(false);
    expect(b.sync.status().quarantined).toEqual([]);
  });

  it('a wrong passphrase is refused at start, and nothing is written on the target or here', async () => {
    const root = await folder();
    const { a } = await encryptedPair(root);
    await a.store.merge([job('job-1')]);
    await a.sync.syncNow();
    const c = path.join(root, 'view-C');
    const client = new SyncFolderClient([a.view, c]);
    await client.settle();
    const before = await snapshotOf(c);
    const error = await openDevice(root, 'C', sealed('wrong-horse-42')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SealError', code: 'wrong passphrase' });
    expect((error as Error).message).not.toContain('wrong-horse-42');
    expect(await snapshotOf(c)).toEqual(before);
  });

  it('without a passphrase it says "passphrase needed", writes nothing and reads nothing', async () => {
    const root = await folder();
    const { a } = await encryptedPair(root);
    await a.store.merge([job('job-1')]);
    await a.sync.syncNow();
    const c = path.join(root, 'view-C');
    await new SyncFolderClient([a.view, c]).settle();
    const before = await snapshotOf(c);
    const device = await openDevice(root, 'C', sealed(null));
    await device.sync.syncNow();
    expect(device.sync.status().passphraseNeeded).toMatch(/passphrase needed/);
    expect(device.store.get('job-1')).toBeUndefined();
    expect(await snapshotOf(c)).toEqual(before);
  });

  it('a passphrase on a target that already holds unencrypted files is refused (no mixing)', async () => {
    const root = await folder();
    const a = await openDevice(root, 'A');
    await a.store.merge([job('job-1')]);
    await a.sync.syncNow();
    const c = path.join(root, 'view-C');
    await new SyncFolderClient([a.view, c]).settle();
    await expect(openDevice(root, 'C', sealed('pw'))).rejects.toMatchObject({ code: 'plain target' });
  });

  it('a tampered log, head, image or sync.json is quarantined and reported, and nothing of it is applied', async () => {
    const root = await folder();
    const pair = await encryptedPair(root);
    const { a, client } = pair;
    await exchange(client, [a, pair.b]);
    // B is stopped while the files arrive and are tampered with (a running B would read them as they land).
    await pair.b.close();
    const view = pair.b.view;
    const reopen = () => openDevice(root, 'B', { ...sealed('a long passphrase'), dataDir: pair.b.dataDir });
    const png = makeSprite(16, 16, 'tampered');
    const hash = await a.store.putImage(png);
    await a.store.merge([job('job-tampered', { image: hash })]);
    await a.sync.syncNow();
    await client.settle();
    // In B's view only (as a hostile storage would serve it): one bit of each of A's new files flipped.
    const aDir = path.join(view, 'devices', a.store.device!);
    const flip = async (file: string) => {
      const bytes = await readFile(file);
      bytes[bytes.length - 20]! ^= 1;
      await writeFile(file, bytes);
    };
    const logs = (await readdir(aDir)).filter((n) => n.startsWith('log-')).sort();
    await flip(path.join(aDir, logs.at(-1)!));
    await flip(path.join(aDir, 'head.json'));
    const images = await readdir(path.join(view, 'images'));
    for (const name of images) await flip(path.join(view, 'images', name));
    const b = await reopen();
    const reasons = b.sync.status().quarantined.map((q) => `${q.file}: ${q.reason}`);
    expect(reasons.some((r) => r.includes(logs.at(-1)!) && /authentication/.test(r))).toBe(true);
    expect(reasons.some((r) => r.includes('head.json') && /authentication/.test(r))).toBe(true);
    expect(b.store.get('job-tampered')).toBeUndefined();
    // The image: A's log read whole again (a sync client restores it), the job comes, its tampered image does not.
    await writeFile(
      path.join(aDir, logs.at(-1)!),
      await readFile(path.join(a.view, 'devices', a.store.device!, logs.at(-1)!)),
    );
    await b.sync.syncNow();
    expect(b.store.get('job-tampered')).toBeDefined();
    expect(b.store.hasImage(hash)).toBe(false);
    expect(b.sync.status().quarantined.some((q) => q.file === `image ${hash}` && /authentication/.test(q.reason))).toBe(
      true,
    );
    // A tampered sync.json: no device starts on it.
    const syncFile = path.join(view, 'sync.json');
    const json = JSON.parse(await readFile(syncFile, 'utf8'));
    json.salt = Buffer.from('another salt 16b').toString('base64');
    await writeFile(syncFile, JSON.stringify(json));
    await b.close();
    await expect(reopen()).rejects.toMatchObject({ name: 'SealError' });
  });

  it('a file swapped with another, or moved into another device’s folder, fails to open', async () => {
    const root = await folder();
    const pair = await encryptedPair(root);
    const { a, client } = pair;
    // B is stopped while the files arrive and are swapped (a running B would read them as they land).
    await pair.b.close();
    const view = pair.b.view;
    await a.store.merge([job('job-1')]);
    await a.sync.syncNow();
    await a.store.merge([job('job-2')]);
    await a.sync.syncNow();
    await client.settle();
    const aDir = path.join(view, 'devices', a.store.device!);
    const [first, second] = (await readdir(aDir)).filter((n) => n.startsWith('log-')).sort();
    await rename(path.join(aDir, first!), path.join(aDir, 'swap'));
    await rename(path.join(aDir, second!), path.join(aDir, first!));
    await rename(path.join(aDir, 'swap'), path.join(aDir, second!));
    // And A's first log copied into a third device's folder.
    const other = path.join(view, 'devices', 'd-00000000000000ff');
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, 'log-000000001.jsonl'), await readFile(path.join(aDir, second!)));
    const b = await openDevice(root, 'B', { ...sealed('a long passphrase'), dataDir: pair.b.dataDir });
    const files = b.sync.status().quarantined.map((q) => q.file);
    expect(files).toEqual(
      expect.arrayContaining([
        `${a.store.device}/${first}`,
        `${a.store.device}/${second}`,
        'd-00000000000000ff/log-000000001.jsonl',
      ]),
    );
    expect(b.store.get('job-1')).toBeUndefined();
    expect(b.store.get('job-2')).toBeUndefined();
    // An edit made later still arrives: only the bad files are set aside.
    const held = withoutSeq(a.store.get('job-1')!);
    await a.store.put(a.store.clock.stamp({ ...held, prompt: 'later' }, held));
    await a.sync.syncNow();
    await client.settle();
    await b.sync.syncNow();
    expect(b.store.get('job-1')).toMatchObject({ prompt: 'later' });
  });
});
