import { HEAD_FILE } from './line-format';
import type { Bounded, SyncTarget, TargetFile } from './targets/types';

/**
 * One listing per sync pass on a remote target, where each request costs (issue 22): the target as the publisher,
 * reader, compactor, roster and sweep see it during a pass, its `devices` and `list` answered from one
 * `listEverything` taken at the pass's start (one request for the whole tree instead of 4 + one per device).
 * This device's own listing is asked of the target again once the pass wrote or deleted a file of its own. A
 * target without `listEverything` (the folder), or one that cannot list a tree this time, is asked as before.
 */
export function passListing(target: SyncTarget, deviceId: string) {
  let everything: Map<string, TargetFile[]> | null = null;
  let ownChanged = false;
  /** The last head.json read of each device, by its listed size and time: read again only once it changes. */
  const heads = new Map<string, { stamp: string; bytes: Bounded }>();

  const view: SyncTarget = {
    ...target,
    async writeOwn(name, bytes) {
      ownChanged = true;
      await target.writeOwn(name, bytes);
    },
    async deleteOwn(name) {
      ownChanged = true;
      await target.deleteOwn(name);
    },
    async devices() {
      if (!everything) return target.devices();
      return [...everything.keys()].filter((id) => id !== deviceId).sort();
    },
    async list(device) {
      if (!everything || (device === deviceId && ownChanged)) return target.list(device);
      return everything.get(device) ?? [];
    },
  };

  return {
    target: view,
    /** At a pass's start: one listing of everything, when the target can give it. */
    async refresh(): Promise<void> {
      everything = null;
      ownChanged = false;
      if (target.listEverything) everything = await target.listEverything();
    },
    /** A device's head.json for the roster: a GET only when its listing changed since the last one read. */
    async readHead(device: string, max: number): Promise<Bounded> {
      const file = (await view.list(device)).find((f) => f.name === HEAD_FILE);
      const stamp = file ? `${file.size}:${file.mtimeMs}` : null;
      const known = heads.get(device);
      if (stamp !== null && known?.stamp === stamp) return known.bytes;
      const bytes = await target.read(device, HEAD_FILE, max);
      if (stamp !== null) heads.set(device, { stamp, bytes });
      return bytes;
    },
  };
}
