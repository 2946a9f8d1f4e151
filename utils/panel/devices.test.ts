import { describe, expect, it } from 'vitest';
import { type DeviceSyncStatus, deviceNames } from '@/utils/domain/device-sync';
import { authorKey, authorKeyLabel, deviceLabel, devicesOf, madeByLabel, noDevices } from '@/utils/panel/devices';
import { facetsOf } from '@/utils/panel/facets';
import { emptyFilter, filterKey, isNarrowed, matchesFields } from '@/utils/panel/filter';
import type { IndexEntry } from '@/utils/storage/layout';

const LAPTOP = 'd-1aptop000000001';
const DESKTOP = 'd-desktop00000002';
const status: DeviceSyncStatus = {
  target: '/home/ana/Dropbox/pixellab',
  device: { id: LAPTOP, name: 'Laptop' },
  author: null,
  readonly: false,
  state: { kind: 'synced', at: 1 },
  devices: [
    { id: DESKTOP, name: 'Desktop', lastSeen: 1 },
    { id: 'd-unnamed00000003', name: null, lastSeen: null },
  ],
  quarantined: 0,
};
const devices = devicesOf(deviceNames(status));
const entry = (id: string, made: Partial<IndexEntry>): IndexEntry => ({
  id,
  createdAt: 1,
  status: 'success',
  prompt: id,
  ...made,
});

describe('who made a job', () => {
  it('names every device the status knows, this one included, and says when there are several', () => {
    expect([...deviceNames(status)]).toEqual([
      [DESKTOP, 'Desktop'],
      [LAPTOP, 'Laptop'],
    ]);
    expect(devices.several).toBe(true);
    expect(devicesOf(deviceNames({ ...status, devices: [] })).several).toBe(false);
    expect(deviceNames(null).size).toBe(0);
  });

  it('shows the author and the device, the device alone, or a short id for a device not named yet', () => {
    expect(madeByLabel({ device: LAPTOP, author: 'Ana' }, devices)).toBe('Ana on Laptop');
    expect(madeByLabel({ device: DESKTOP }, devices)).toBe('Desktop');
    expect(madeByLabel({ author: 'Ana' }, devices)).toBe('Ana');
    expect(madeByLabel({}, devices)).toBeNull();
    expect(deviceLabel({ device: 'd-99999999aaaa' }, noDevices)).toBe('device d-999999');
    // An author named like the device is said once.
    expect(madeByLabel({ device: LAPTOP, author: 'Laptop' }, devices)).toBe('Laptop');
  });

  it('filters by the stamped author, else by the device, and combines with the other filters', () => {
    const rows = [
      entry('by-ana', { device: LAPTOP, author: 'Ana', starred: true }),
      entry('on-laptop', { device: LAPTOP }),
      entry('on-desktop', { device: DESKTOP, starred: true }),
      entry('before-sync', {}),
    ];
    expect(rows.map(authorKey)).toEqual(['author:Ana', `device:${LAPTOP}`, `device:${DESKTOP}`, null]);
    const pick = (filter: Partial<typeof emptyFilter>) =>
      rows.filter((r) => matchesFields(r, { ...emptyFilter, ...filter })).map((r) => r.id);
    expect(pick({ author: `device:${LAPTOP}` })).toEqual(['on-laptop']);
    expect(pick({ author: 'author:Ana' })).toEqual(['by-ana']);
    expect(pick({ author: `device:${DESKTOP}`, starred: true })).toEqual(['on-desktop']);
    expect(pick({ author: `device:${LAPTOP}`, starred: true })).toEqual([]);
    expect(pick({})).toEqual(rows.map((r) => r.id));
    expect(isNarrowed({ ...emptyFilter, author: 'author:Ana' })).toBe(true);
    expect(filterKey({ ...emptyFilter, author: 'author:Ana' })).not.toBe(filterKey(emptyFilter));
    // The menu offers each author once, most jobs first, named for people.
    expect(facetsOf([...rows, entry('also-desktop', { device: DESKTOP })]).authors).toEqual([
      `device:${DESKTOP}`,
      'author:Ana',
      `device:${LAPTOP}`,
    ]);
    expect(authorKeyLabel(`device:${DESKTOP}`, devices)).toBe('Desktop');
    expect(authorKeyLabel('author:Ana', devices)).toBe('Ana');
  });
});
