/**
 * The sealing codec (issue 22): real AES-256-GCM and scrypt (at scrypt's lowest accepted cost, to keep the suite
 * fast; one test derives at the default cost).
 */
import { describe, expect, it } from 'vitest';
import { boundName, createSyncFile, DEFAULT_SCRYPT, openSyncFile, SEAL_OVERHEAD, SealError } from './seal';

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const text = (s: string) => Buffer.from(s, 'utf8');

describe('sealed files', () => {
  it('round trip: what one device seals another opens with the same passphrase, and only with it', async () => {
    const made = await createSyncFile('correct horse battery', FAST);
    const other = await openSyncFile('correct horse battery', made.bytes);
    expect(other.keyId).toBe(made.seal.keyId);
    const sealed = made.seal.seal('file', 'd-0123456789abcdef', 'log-000000001.jsonl', text('{"v":1}\n'));
    expect(Buffer.from(sealed).includes(text('"v"'))).toBe(false);
    expect(sealed.length).toBe(8 + SEAL_OVERHEAD);
    const opened = other.open('file', 'd-0123456789abcdef', 'log-000000001.jsonl', sealed);
    expect('bytes' in opened && Buffer.from(opened.bytes).toString('utf8')).toBe('{"v":1}\n');
    // Two seals of the same bytes differ (fresh nonce each time).
    const again = made.seal.seal('file', 'd-0123456789abcdef', 'log-000000001.jsonl', text('{"v":1}\n'));
    expect(Buffer.from(again).equals(Buffer.from(sealed))).toBe(false);
    await expect(openSyncFile('Correct horse battery', made.bytes)).rejects.toMatchObject({ code: 'wrong passphrase' });
  });

  it('a moved, swapped, tampered, foreign, cut or plain file is told apart', async () => {
    const { seal } = await createSyncFile('pw', FAST);
    const dev = 'd-0123456789abcdef';
    const sealed = Buffer.from(seal.seal('file', dev, 'log-000000001.jsonl', text('line one\n')));
    const problem = (opened: unknown) => (opened as { problem?: string }).problem ?? opened;
    expect(problem(seal.open('file', dev, 'log-000000002.jsonl', sealed))).toMatch(/fails authentication/);
    expect(problem(seal.open('file', 'd-fedcba9876543210', 'log-000000001.jsonl', sealed))).toMatch(/authentication/);
    expect(problem(seal.open('image', '', 'log-000000001.jsonl', sealed))).toMatch(/authentication/);
    for (const at of [0, 5, 14, 30, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 1;
      expect(problem(seal.open('file', dev, 'log-000000001.jsonl', bad)), `byte ${at}`).not.toHaveProperty('bytes');
    }
    expect(seal.open('file', dev, 'log-000000001.jsonl', sealed.subarray(0, 20))).toEqual({ arriving: true });
    expect(problem(seal.open('file', dev, 'log-000000001.jsonl', Buffer.concat([sealed, text('x')])))).toMatch(
      /longer/,
    );
    expect(problem(seal.open('file', dev, 'log-000000001.jsonl', text('{"v":1}\n')))).toMatch(/not sealed/);
    const foreign = (await createSyncFile('pw', FAST)).seal.seal('file', dev, 'log-000000001.jsonl', text('x'));
    expect(problem(seal.open('file', dev, 'log-000000001.jsonl', foreign))).toMatch(/another key/);
    // A sync client's conflict copy holds the same bytes: it opens under its original's name.
    expect(boundName("log-000000001 (Laptop's conflicted copy 2026-12-06).jsonl")).toBe('log-000000001.jsonl');
    expect(boundName('log-000000001.sync-conflict-20261206-072500-ABCDEFG.jsonl')).toBe('log-000000001.jsonl');
    expect(seal.open('file', dev, 'log-000000001.sync-conflict-20261206-072500-ABC.jsonl', sealed)).toHaveProperty(
      'bytes',
    );
  });

  it('image names are keyed: the same on every device, never the plaintext hash', async () => {
    const made = await createSyncFile('pw', FAST);
    const other = await openSyncFile('pw', made.bytes);
    const hash = 'a'.repeat(64);
    expect(made.seal.imageName(hash)).toMatch(/^[0-9a-f]{64}$/);
    expect(made.seal.imageName(hash)).toBe(other.imageName(hash));
    expect(made.seal.imageName(hash)).not.toBe(hash);
    expect((await createSyncFile('pw', FAST)).seal.imageName(hash)).not.toBe(made.seal.imageName(hash));
  });

  it('a damaged or weakened sync.json is refused, and the default cost is the strong one', async () => {
    const made = await createSyncFile('pw', FAST);
    const json = JSON.parse(Buffer.from(made.bytes).toString('utf8'));
    await expect(openSyncFile('pw', text('not json'))).rejects.toBeInstanceOf(SealError);
    const weak = { ...json, kdf: { ...json.kdf, N: 1024 } };
    await expect(openSyncFile('pw', text(JSON.stringify(weak)))).rejects.toMatchObject({ code: 'damaged sync.json' });
    const greedy = { ...json, kdf: { ...json.kdf, N: 2 ** 20, r: 32 } };
    await expect(openSyncFile('pw', text(JSON.stringify(greedy)))).rejects.toMatchObject({ code: 'damaged sync.json' });
    // Its parameters are bound by the check value: the same salt at another cost is a wrong key.
    const other = { ...json, kdf: { ...json.kdf, N: 2 ** 15 } };
    await expect(openSyncFile('pw', text(JSON.stringify(other)))).rejects.toMatchObject({ code: 'wrong passphrase' });
    const strong = await createSyncFile('pw');
    expect(JSON.parse(Buffer.from(strong.bytes).toString('utf8')).kdf).toEqual({ name: 'scrypt', ...DEFAULT_SCRYPT });
  });
});
