import { type ComponentChildren, createContext, createElement } from 'preact';
import { useContext, useMemo } from 'preact/hooks';
import { type DeviceSyncStatus, deviceNames } from '@/utils/domain/device-sync';

/**
 * Who made a job (issue 22): the companion that accepted it (`device`, its device-sync id, named through the
 * companion's GET /api/v1/device-sync, which the background keeps in the sync state) and, for a team, the
 * `author` that companion stamps (--author). The panel reads names from this context; it never asks the companion.
 */
export interface DeviceNames {
  /** Names by device id, this companion's own included. */
  readonly names: ReadonlyMap<string, string>;
  /** More than one device writes this history: rows say who made each job. */
  readonly several: boolean;
}

export const noDevices: DeviceNames = { names: new Map(), several: false };

export const DevicesContext = createContext<DeviceNames>(noDevices);

export const useDevices = (): DeviceNames => useContext(DevicesContext);

/** The names and whether there are several, from the devices' names by id. */
export function devicesOf(names: ReadonlyMap<string, string>): DeviceNames {
  return { names, several: names.size > 1 };
}

/** The devices' names from the companion's device sync as the background last stored it (null: no sync). */
export function useDeviceNames(status: DeviceSyncStatus | null): DeviceNames {
  return useMemo(() => devicesOf(deviceNames(status)), [status]);
}

/** Names the devices for everything under it, from the companion's device sync (App, and tests of its parts). */
export function DevicesProvider({
  status,
  children,
}: {
  status: DeviceSyncStatus | null;
  children: ComponentChildren;
}) {
  return createElement(DevicesContext.Provider, { value: useDeviceNames(status) }, children);
}

/** What an index entry or a job record knows of who made it. */
export interface MadeBy {
  device?: unknown;
  author?: unknown;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

/** The device a job was made on, by name (or a short id when its name is not known yet); null: not recorded. */
export function deviceLabel(made: MadeBy, devices: DeviceNames): string | null {
  const id = text(made.device);
  if (id === null) return null;
  return devices.names.get(id) ?? `device ${id.slice(0, 8)}`;
}

/**
 * The key the author filter compares: the stamped author when there is one, else the device it was made on (the
 * device name stands for the person); null when neither is recorded (made before sync).
 */
export function authorKey(made: MadeBy): string | null {
  const author = text(made.author);
  if (author !== null) return `author:${author}`;
  const device = text(made.device);
  return device === null ? null : `device:${device}`;
}

/** An author key as people read it: the author, or the device's name. */
export function authorKeyLabel(key: string, devices: DeviceNames): string {
  if (key.startsWith('author:')) return key.slice('author:'.length);
  const id = key.slice('device:'.length);
  return devices.names.get(id) ?? `device ${id.slice(0, 8)}`;
}

/** "Ana on Laptop", "Laptop", or null: the line a row and the detail view show. */
export function madeByLabel(made: MadeBy, devices: DeviceNames): string | null {
  const device = deviceLabel(made, devices);
  const author = text(made.author);
  if (author !== null && device !== null && author !== device) return `${author} on ${device}`;
  return author ?? device;
}
