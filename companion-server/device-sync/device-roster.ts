import { z } from 'zod';
import { type KnownDevice, personNameSchema } from '../../utils/domain/device-sync';

/** A head.json is a few dozen bytes: one far larger is not read. */
const MAX_HEAD_BYTES = 64 * 1024;

/** What of a device's head.json the roster needs: its name (the publisher writes `{v, deviceId, name, ...}`). */
const headNameSchema = z.looseObject({ deviceId: z.string(), name: z.unknown() });

/** What the roster reads of the target (device-sync.ts wires it to whichever target kind is open). */
export interface RosterSource {
  /** The other devices with files on the target. */
  devices(): Promise<string[]>;
  /** A device's head.json: bytes, null when absent, 'too big' past `max`. */
  readHead(device: string, max: number): Promise<Uint8Array | null | 'too big'>;
  /** When the device's newest file was written (ms, the target's time), null when it has none. */
  lastWrite(device: string): Promise<number | null>;
}

/**
 * The other devices writing to the target, with the names their head.json gives and when they last wrote: what
 * the panel shows as "who made this job" and "last seen". An unreadable head leaves the name unknown (the
 * device's lines are the reader's business, quarantined there); nothing here ever fails a pass.
 */
export function createDeviceRoster(source: RosterSource) {
  let known: KnownDevice[] = [];

  async function nameOf(device: string): Promise<string | null> {
    const bytes = await source.readHead(device, MAX_HEAD_BYTES).catch(() => null);
    if (bytes === null || bytes === 'too big') return null;
    try {
      const head = headNameSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
      const name = personNameSchema.safeParse(head.name);
      return head.deviceId === device && name.success ? name.data : null;
    } catch {
      return null;
    }
  }

  return {
    devices: (): KnownDevice[] => known,
    /** Reads every other device's head and newest write again. */
    async refresh(): Promise<void> {
      const ids = await source.devices();
      const previous = new Map(known.map((d) => [d.id, d]));
      const next: KnownDevice[] = [];
      for (const id of ids.sort()) {
        const [name, lastSeen] = await Promise.all([
          nameOf(id),
          source.lastWrite(id).catch(() => previous.get(id)?.lastSeen ?? null),
        ]);
        const known = name ?? previous.get(id)?.name ?? null;
        // A folder with neither head nor log is no device writing here yet (a reader-only one makes it empty).
        if (known === null && lastSeen === null) continue;
        // A head being replaced by a sync client reads as nothing for a moment: keep the name last read.
        next.push({ id, name: known, lastSeen });
      }
      known = next;
    },
  };
}
