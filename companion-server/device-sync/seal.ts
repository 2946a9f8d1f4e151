import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';

/**
 * End-to-end encryption of the sync target (issue 22). One passphrase, one target-wide `sync.json` written once
 * (scrypt parameters, a random salt, and a key check value), and every file and image written to the target
 * sealed with AES-256-GCM under a fresh random nonce. The authenticated data binds each file to its kind, its
 * device and its name, so a file moved to another name or device, or swapped with another, fails to open.
 * node:crypto's scrypt and AES-GCM are OpenSSL's: the maintained implementations, nothing of ours in the cipher.
 *
 * A sealed file: "PXS1" | key id (8) | whole file length (u32 BE) | nonce (12) | ciphertext | tag (16).
 * The length lets a reader tell a file still arriving (shorter) from a tampered one (same length, fails).
 */
export const SYNC_FILE = 'sync.json';
const MAGIC = Buffer.from('PXS1', 'ascii');
const KEY_ID_BYTES = 8;
const PREFIX_BYTES = MAGIC.length + KEY_ID_BYTES + 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SEAL_OVERHEAD = PREFIX_BYTES + NONCE_BYTES + TAG_BYTES;
const CHECK_TEXT = 'pixellab-sync key check v1';
/** A sync.json past this is not one of ours. */
export const MAX_SYNC_FILE_BYTES = 4096;

/** OWASP's scrypt figure (N=2^17, r=8, p=1): 128 MiB and about half a second here, once per start. */
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
/** A sync.json asking for more memory than this is refused (a hostile target could ask for gigabytes). */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

const scryptAsync = promisify(scrypt) as (
  passphrase: Buffer,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);
export const syncFileSchema = z.object({
  v: z.literal(1),
  kdf: z
    .object({
      name: z.literal('scrypt'),
      // At least 2^14 (a weak sync.json made by a hostile target is refused, not used).
      N: z
        .number()
        .int()
        .min(2 ** 14)
        .max(2 ** 20)
        .refine((n) => (n & (n - 1)) === 0, 'N must be a power of 2'),
      r: z.number().int().min(1).max(32),
      p: z.number().int().min(1).max(16),
    })
    .refine((k) => 128 * k.N * k.r * k.p <= MAX_SCRYPT_MEMORY, 'the scrypt parameters ask for too much memory'),
  salt: base64.max(200),
  check: base64.max(400),
});
export type SyncFile = z.infer<typeof syncFileSchema>;
export type ScryptCost = SyncFile['kdf'] extends infer K ? Omit<K, 'name'> : never;

/** Why a sealed file cannot be used; `arriving`: shorter than it says it is, so a sync client is still copying it. */
export type Opened = { bytes: Uint8Array } | { arriving: true } | { problem: string };

/** What is sealed: a device's own file (log, snapshot, head) or an image (content-addressed, shared). */
export type SealedKind = 'file' | 'image' | 'check';

export class SealError extends Error {
  constructor(
    readonly code: 'wrong passphrase' | 'damaged sync.json' | 'plain target',
    message: string,
  ) {
    super(message);
    this.name = 'SealError';
  }
}

export interface Seal {
  /** Hex id of the key: files sealed under another key are told apart from tampered ones. */
  readonly keyId: string;
  seal(kind: SealedKind, device: string, name: string, plain: Uint8Array): Uint8Array;
  open(kind: SealedKind, device: string, name: string, sealed: Uint8Array): Opened;
  /** The name an image is stored under: an HMAC of its hash, so the target never learns the plaintext's hash. */
  imageName(hash: string): string;
}

/**
 * The name a file is bound to: a sync client's conflict copy (`log-000000007 (… conflicted copy …).jsonl`,
 * `log-000000007.sync-conflict-….jsonl`) holds the same sealed bytes, so it opens under its original's name.
 */
export function boundName(name: string): string {
  const numbered = /^(log-\d{9}|snapshot-\d{9}-\d{4}of\d{4})[^/\\]*(\.jsonl)$/.exec(name);
  return numbered ? `${numbered[1]}${numbered[2]}` : name;
}

function aadOf(prefix: Uint8Array, kind: SealedKind, device: string, name: string): Buffer {
  return Buffer.concat([prefix, Buffer.from(`\0pixellab-sync v1\0${kind}\0${device}\0${boundName(name)}`, 'utf8')]);
}

function sealWith(key: Buffer, keyId: Buffer, kind: SealedKind, device: string, name: string, plain: Uint8Array) {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  MAGIC.copy(prefix, 0);
  keyId.copy(prefix, MAGIC.length);
  prefix.writeUInt32BE(plain.length + SEAL_OVERHEAD, MAGIC.length + KEY_ID_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aadOf(prefix, kind, device, name));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([prefix, nonce, body, cipher.getAuthTag()]);
}

function openWith(key: Buffer, keyId: Buffer, kind: SealedKind, device: string, name: string, sealed: Uint8Array) {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const head = bytes.subarray(0, MAGIC.length);
  if (!head.equals(MAGIC.subarray(0, head.length)))
    return { problem: 'it is not sealed (written without the passphrase?)' };
  if (bytes.length < PREFIX_BYTES) return { arriving: true } as const;
  if (!bytes.subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES).equals(keyId))
    return { problem: 'it is sealed under another key (another passphrase, or a sync.json two devices made at once)' };
  const length = bytes.readUInt32BE(MAGIC.length + KEY_ID_BYTES);
  if (length < SEAL_OVERHEAD) return { problem: 'its sealed length is impossible' };
  if (bytes.length < length) return { arriving: true } as const;
  if (bytes.length > length) return { problem: 'it is longer than it was sealed' };
  const nonce = bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + NONCE_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aadOf(bytes.subarray(0, PREFIX_BYTES), kind, device, name));
  decipher.setAuthTag(bytes.subarray(length - TAG_BYTES));
  try {
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(PREFIX_BYTES + NONCE_BYTES, length - TAG_BYTES)),
      decipher.final(),
    ]);
    return { bytes: new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength) };
  } catch {
    return { problem: 'it fails authentication (changed, damaged, or moved from another name or device)' };
  }
}

async function deriveSeal(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<Seal> {
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  const master = await scryptAsync(secret, salt, 32, { ...cost, maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024 });
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', master, salt, info, length));
  const fileKey = derive('pixellab-sync files', 32);
  const nameKey = derive('pixellab-sync image names', 32);
  const keyId = derive('pixellab-sync key id', KEY_ID_BYTES);
  master.fill(0);
  return {
    keyId: keyId.toString('hex'),
    seal: (kind, device, name, plain) => sealWith(fileKey, keyId, kind, device, name, plain),
    open: (kind, device, name, sealed) => openWith(fileKey, keyId, kind, device, name, sealed),
    imageName: (hash) => createHmac('sha256', nameKey).update(hash, 'utf8').digest('hex'),
  };
}

/** A new target's sync.json: a random salt, and the check value that tells a wrong passphrase at every start. */
export async function createSyncFile(
  passphrase: string,
  cost: ScryptCost = DEFAULT_SCRYPT,
): Promise<{ bytes: Uint8Array; seal: Seal }> {
  const salt = randomBytes(16);
  const seal = await deriveSeal(passphrase, salt, cost);
  const check = seal.seal('check', '', SYNC_FILE, Buffer.from(CHECK_TEXT, 'utf8'));
  const file: SyncFile = {
    v: 1,
    kdf: { name: 'scrypt', ...cost },
    salt: salt.toString('base64'),
    check: Buffer.from(check).toString('base64'),
  };
  return { bytes: Buffer.from(`${JSON.stringify(syncFileSchema.parse(file))}\n`, 'utf8'), seal };
}

/** The key of a target's sync.json; a SealError when the passphrase does not open its check value. */
export async function openSyncFile(passphrase: string, bytes: Uint8Array): Promise<Seal> {
  let file: SyncFile;
  try {
    file = syncFileSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch (error) {
    const issue = error instanceof z.ZodError ? error.issues[0]?.message : 'it is not JSON';
    throw new SealError('damaged sync.json', `The target's ${SYNC_FILE} cannot be used (${issue})`);
  }
  const { name: _name, ...cost } = file.kdf;
  const seal = await deriveSeal(passphrase, Buffer.from(file.salt, 'base64'), cost);
  const opened = seal.open('check', '', SYNC_FILE, Buffer.from(file.check, 'base64'));
  const expected = Buffer.from(CHECK_TEXT, 'utf8');
  const ok = 'bytes' in opened && opened.bytes.length === expected.length && timingSafeEqual(opened.bytes, expected);
  if (!ok)
    throw new SealError(
      'wrong passphrase',
      `The sync passphrase does not open this target's ${SYNC_FILE}: it is not the passphrase the target was encrypted with`,
    );
  return seal;
}
