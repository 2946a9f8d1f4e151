// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { DetailParams } from '@/components/detail/DetailParams';
import type { DeviceSyncStatus } from '@/utils/domain/device-sync';
import { DevicesProvider } from '@/utils/panel/devices';
import type { IndexEntry } from '@/utils/storage/layout';

afterEach(cleanup);

const LAPTOP = 'd-1aptop000000001';
const status: DeviceSyncStatus = {
  target: '/sync',
  device: { id: LAPTOP, name: 'Laptop' },
  author: null,
  readonly: false,
  state: { kind: 'starting' },
  devices: [],
  quarantined: 0,
};
const entry = (made: Partial<IndexEntry>): IndexEntry => ({
  id: 'job-1',
  createdAt: 1,
  status: 'success',
  prompt: 'a knight',
  ...made,
});
const madeBy = () => screen.queryByText('Made by')?.nextElementSibling?.textContent ?? null;

describe('the detail view’s parameters', () => {
  it('say who made the job, even with one device, and nothing for a job made before sync', () => {
    const show = (e: IndexEntry, sync: DeviceSyncStatus | null) =>
      render(
        <DevicesProvider status={sync}>
          <DetailParams entry={e} source={null} derived={[]} onOpenJob={() => {}} />
        </DevicesProvider>,
      );
    show(entry({ device: LAPTOP, author: 'Ana' }), status);
    expect(madeBy()).toBe('Ana on Laptop');
    cleanup();
    show(entry({ device: LAPTOP }), status);
    expect(madeBy()).toBe('Laptop');
    cleanup();
    // Named once the companion's status names it; a short id until then.
    show(entry({ device: LAPTOP }), null);
    expect(madeBy()).toBe('device d-1aptop');
    cleanup();
    show(entry({}), status);
    expect(madeBy()).toBeNull();
  });
});
