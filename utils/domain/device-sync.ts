import { z } from 'zod';
import { timeSchema } from './clock';
import { deviceIdSchema } from './device';

/** A device's or an author's name as people type it (--device-name, --author). */
export const personNameSchema = z.string().trim().min(1).max(64);

/** Another device that writes to the sync target, as its head.json names it. */
export const knownDeviceSchema = z.object({
  id: deviceIdSchema,
  /** Null until its head.json was read (or when it holds no readable name). */
  name: personNameSchema.nullable(),
  /** When its newest file on the target was written (the target's time), null when unknown. */
  lastSeen: timeSchema.nullable(),
});
export type KnownDevice = z.infer<typeof knownDeviceSchema>;

/**
 * Where every-device sync stands, as the panel shows it:
 * - `synced`: the last pass finished at `at`;
 * - `offline`: the last pass failed (the target could not be reached or written); `at`: the last good one;
 * - `passphrase`: the target is encrypted and this device has no passphrase, or the wrong one;
 * - `starting`: no pass has finished yet.
 */
export const deviceSyncPhaseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('synced'), at: timeSchema }),
  z.object({ kind: z.literal('offline'), error: z.string().max(2000), at: timeSchema.nullable() }),
  z.object({ kind: z.literal('passphrase'), message: z.string().max(2000) }),
  z.object({ kind: z.literal('starting') }),
]);
export type DeviceSyncPhase = z.infer<typeof deviceSyncPhaseSchema>;

/** `GET /api/v1/device-sync`: the companion's every-device sync (404 when it does not sync). */
export const deviceSyncStatusSchema = z.object({
  /** The target for people: "folder /home/ana/Dropbox/pixellab", never with a credential. */
  target: z.string().max(1000),
  device: z.object({ id: deviceIdSchema, name: personNameSchema }),
  /** --author: stamped on the jobs this companion accepts; null: the device name stands for it. */
  author: personNameSchema.nullable(),
  /** --sync-readonly: this device only reads the target, and nothing made here goes to it. */
  readonly: z.boolean(),
  state: deviceSyncPhaseSchema,
  /** The other devices writing to the target, by id. */
  devices: z.array(knownDeviceSchema).max(1000),
  /** Files or lines set aside as unreadable or hostile. */
  quarantined: z.number().int().nonnegative(),
});
export type DeviceSyncStatus = z.infer<typeof deviceSyncStatusSchema>;

/** Every device's name by id, this one's included, for showing who made a job. */
export function deviceNames(status: DeviceSyncStatus | null | undefined): Map<string, string> {
  const names = new Map<string, string>();
  if (!status) return names;
  for (const device of status.devices) if (device.name) names.set(device.id, device.name);
  names.set(status.device.id, status.device.name);
  return names;
}
