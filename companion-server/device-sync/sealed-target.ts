import {
  createSyncFile,
  MAX_SYNC_FILE_BYTES,
  openSyncFile,
  type ScryptCost,
  SEAL_OVERHEAD,
  type Seal,
  SealError,
  SYNC_FILE,
} from './seal';
import type { Bounded, SyncTarget } from './targets/types';

/** A file of the target that fails to open: the reader quarantines it with this reason, and uses nothing of it. */
export class SealedFileError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SealedFileError';
  }
}

/** Where encryption stands on a target: off, on with this seal, or on and this device has no passphrase. */
export type TargetSeal =
  | { kind: 'plain' }
  | { kind: 'sealed'; seal: Seal }
  | { kind: 'passphrase needed'; reason: string };

/**
 * Decides encryption for this start before anything is written (issue 22): a target with a sync.json is
 * encrypted, and needs the passphrase that opens its check value (a wrong one throws SealError: nothing is
 * written, here or there); a passphrase on a target without one makes it, unless devices already wrote
 * unencrypted files there (mixing both would leave some devices unable to read the others).
 */
export async function decideSeal(options: {
  target: SyncTarget;
  deviceId: string;
  passphrase: string | null;
  /** The scrypt cost for a new sync.json (tests use the lowest accepted one). */
  cost?: ScryptCost;
  /** --sync-readonly: never makes sync.json (an unencrypted target is read as it is). */
  readonly?: boolean;
}): Promise<TargetSeal> {
  const { target, passphrase } = options;
  const read = () => target.readShared(SYNC_FILE, MAX_SYNC_FILE_BYTES);
  let bytes = await read();
  if (bytes === 'too big') throw new SealError('damaged sync.json', `The target's ${SYNC_FILE} is too large to be one`);
  if (bytes === null && passphrase === null) return { kind: 'plain' };
  if (bytes !== null && passphrase === null)
    return {
      kind: 'passphrase needed',
      reason: `passphrase needed: the target is end-to-end encrypted; set COMPANION_SYNC_PASSPHRASE or the passphrase file, then restart`,
    };
  if (bytes === null && options.readonly) return { kind: 'plain' };
  if (bytes === null) {
    const holders = await devicesWithFiles(target, options.deviceId);
    if (holders.length > 0)
      throw new SealError(
        'plain target',
        `The target already holds unencrypted files of ${holders.length} device(s): encryption starts on a new, empty target (or remove the passphrase)`,
      );
    const made = await createSyncFile(passphrase!, options.cost);
    await target.putSharedOnce(SYNC_FILE, made.bytes);
    // Another device may have made one first: whichever the target kept is the one every device uses.
    bytes = await read();
    if (bytes === null || bytes === 'too big') throw new Error(`The target's ${SYNC_FILE} did not stay written`);
  }
  return { kind: 'sealed', seal: await openSyncFile(passphrase!, bytes) };
}

async function devicesWithFiles(target: SyncTarget, self: string): Promise<string[]> {
  const out: string[] = [];
  for (const device of [self, ...(await target.devices())])
    if ((await target.list(device)).length > 0) out.push(device);
  return out;
}

/**
 * The target as the publisher and reader see it with encryption on: every own file and image sealed on the way
 * out, opened on the way in. Images are stored under `seal.imageName(hash)`. A file that fails to open throws
 * SealedFileError (the reader quarantines it); one still arriving reads as null (gone for now, read again later).
 */
export function sealTarget(target: SyncTarget, seal: Seal, deviceId: string): SyncTarget {
  const opened = (bytes: Bounded, open: (sealed: Uint8Array) => ReturnType<Seal['open']>): Bounded => {
    if (bytes === null || bytes === 'too big') return bytes;
    const result = open(bytes);
    if ('bytes' in result) return result.bytes;
    if ('arriving' in result) return null;
    throw new SealedFileError(result.problem);
  };
  return {
    describe: () => `${target.describe()} (end-to-end encrypted)`,
    writeOwn: (name, bytes) => target.writeOwn(name, seal.seal('file', deviceId, name, bytes)),
    deleteOwn: (name) => target.deleteOwn(name),
    devices: () => target.devices(),
    list: (device) => target.list(device),
    listEverything: target.listEverything ? () => target.listEverything!() : undefined,
    read: async (device, name, max) =>
      opened(await target.read(device, name, max + SEAL_OVERHEAD), (b) => seal.open('file', device, name, b)),
    hasImage: (hash, size) =>
      target.hasImage(seal.imageName(hash), size === undefined ? undefined : size + SEAL_OVERHEAD),
    putImage(hash, bytes) {
      const name = seal.imageName(hash);
      return target.putImage(name, seal.seal('image', '', name, bytes));
    },
    async readImage(hash, max) {
      const name = seal.imageName(hash);
      return opened(await target.readImage(name, max + SEAL_OVERHEAD), (b) => seal.open('image', '', name, b));
    },
    deleteImage: (hash) => target.deleteImage(seal.imageName(hash)),
    // Stored names only (keyed hashes): what the collector needs is found from the jobs, never from this list.
    listImages: () => target.listImages(),
    // sync.json: the salt and the check value, read before any key exists (it holds no secret).
    readShared: (name, max) => target.readShared(name, max),
    putSharedOnce: (name, bytes) => target.putSharedOnce(name, bytes),
    watch: target.watch ? (changed) => target.watch!(changed) : undefined,
  };
}
