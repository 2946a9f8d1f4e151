import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { deviceIdSchema } from '../../utils/domain/device';
import { FileOps } from './file-ops';
import { type FsSeam, nodeFs } from './fs-seam';
import { fsFailure } from './store-error';

/**
 * `device-sync.json` in the data dir (issue 22): this device's sync id, how far its own changes went to the sync
 * target, and how far it has read each file of the other devices. Written atomically, then copied to `.backup`:
 * a lost id would make this device's own queued jobs look like another device's.
 */
export const DEVICE_SYNC_FILE = 'device-sync.json';

/** How far one file of another device was read: what it looked like, and the bytes already merged. */
export const fileCursorSchema = z.object({
  size: z.number().int().nonnegative(),
  mtimeMs: z.number().nonnegative(),
  /** Bytes up to the end of the last complete line read. */
  consumed: z.number().int().nonnegative(),
  /** sha-256 of those bytes: a file replaced under the same name is read again from its start. */
  prefix: z.string().regex(/^[0-9a-f]{64}$/),
  /** False once a line of it was quarantined: a snapshot part with one does not count as read. */
  clean: z.boolean().optional(),
  /** Its bytes ended with the last complete line read (nothing still arriving). */
  whole: z.boolean().optional(),
});
export type FileCursor = z.infer<typeof fileCursorSchema>;

/** This device's own log: the last local seq published, under which serverId, and where it was appended. */
export const publishedSchema = z.object({
  serverId: z.string().max(200),
  seq: z.number().int().nonnegative(),
  n: z.number().int().nonnegative(),
  segment: z.string().max(200).nullable(),
  segmentBytes: z.number().int().nonnegative(),
  /** Every segment written since the history was last sent in full: one gone means sending it in full again. */
  segments: z.array(z.string().max(200)).max(1_000_000).default([]),
});
export type Published = z.infer<typeof publishedSchema>;

/**
 * How far this device has merged another device's lines (by their `n`): every line up to `upTo`, and the ones
 * above it that arrived early. Published in head.json, so a device deletes an image from the target only once
 * every device has read its purge (device-sync/image-sweep.ts), and a snapshot already covered is not read.
 */
export const readPositionSchema = z.object({
  upTo: z.number().int().nonnegative(),
  max: z.number().int().nonnegative(),
  above: z.array(z.number().int().positive()).max(100_000).default([]),
});
export type ReadPosition = z.infer<typeof readPositionSchema>;

export const deviceSyncStateSchema = z.looseObject({
  version: z.literal(1),
  deviceId: deviceIdSchema,
  published: publishedSchema.nullable().default(null),
  /** Keyed `<deviceId>/<file name>`. */
  files: z.record(z.string().max(400), fileCursorSchema).default({}),
  /** Keyed by device id. */
  reads: z.record(deviceIdSchema, readPositionSchema).default({}),
});
export type DeviceSyncState = z.infer<typeof deviceSyncStateSchema>;

export interface DeviceSyncStateFile {
  read(): DeviceSyncState;
  /** Resolves once durable; rejects (keeping the state as it was) when the disk refuses. */
  write(next: DeviceSyncState): Promise<void>;
}

const newDeviceId = () => `d-${randomBytes(8).toString('hex')}`;

/** This data dir's device id, when sync was ever turned on here (read only: the store's start needs it). */
export async function readDeviceId(dataDir: string, fs: FsSeam = nodeFs): Promise<string | null> {
  const file = join(resolve(dataDir), DEVICE_SYNC_FILE);
  const state = (await load(fs, file)) ?? (await load(fs, `${file}.backup`));
  return state?.deviceId ?? null;
}

/** Opens the state, making a device id on first use. */
export async function openDeviceSyncState(options: {
  dataDir: string;
  fs?: FsSeam;
  log?: (line: string) => void;
}): Promise<DeviceSyncStateFile> {
  const fs = options.fs ?? nodeFs;
  const log = options.log ?? ((line: string) => console.warn(line));
  const io = new FileOps(fs, log);
  const file = join(resolve(options.dataDir), DEVICE_SYNC_FILE);
  const backup = `${file}.backup`;
  let current = (await load(fs, file, log)) ?? (await load(fs, backup, log));
  let writing: Promise<void> = Promise.resolve();
  const store: DeviceSyncStateFile = {
    read: () => current!,
    write(next) {
      const bytes = new TextEncoder().encode(`${JSON.stringify(deviceSyncStateSchema.parse(next))}\n`);
      const both = async () => {
        try {
          await io.replaceDurably(file, bytes);
        } catch (error) {
          throw fsFailure(`Could not save ${DEVICE_SYNC_FILE}`, error);
        }
        await io
          .replaceDurably(backup, bytes)
          .catch((e: unknown) => log(`Could not back up ${DEVICE_SYNC_FILE}: ${e}`));
      };
      const run = writing.catch(() => undefined).then(both);
      writing = run;
      return run.then(() => {
        current = next;
      });
    },
  };
  if (!current) {
    // Opened before the store, which makes the data dir otherwise.
    await fs.mkdir(dirname(file)).catch(() => undefined);
    await store.write({ version: 1, deviceId: newDeviceId(), published: null, files: {}, reads: {} });
    log(`Device sync: this device's id is ${current!.deviceId}`);
  }
  return store;
}

/** The state in `file`, or null when it is missing or unreadable (reported; left in place for inspection). */
async function load(fs: FsSeam, file: string, log?: (line: string) => void): Promise<DeviceSyncState | null> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return null;
  }
  try {
    return deviceSyncStateSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    log?.(`${basename(file)} could not be read (${(error as Error).message.slice(0, 200)}); it is not used`);
    return null;
  }
}
