import { z } from 'zod';

/**
 * Which device accepted a job (issue 22): the companion that accepted it is the only one that runs it and bills
 * it. A job carries the accepting device's sync id as `device`, a field the old format does not know and keeps.
 * A job without one is as old as sync, or was accepted here before it had an id: it counts as this device's.
 */
export const deviceIdSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and -');

/** The device a job names, or null (none, or not a device id). */
export function jobDevice(job: object): string | null {
  const device = (job as { device?: unknown }).device;
  return typeof device === 'string' && deviceIdSchema.safeParse(device).success ? device : null;
}

/** True when another device accepted this job: this one shows it and never runs, bills or fails it. */
export function isForeignJob(job: object, localDevice: string | null | undefined): boolean {
  const device = jobDevice(job);
  return device !== null && device !== localDevice;
}
