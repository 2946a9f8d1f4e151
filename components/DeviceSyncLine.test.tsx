// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { JobList, listCaption } from '@/components/JobList';
import type { JobActions } from '@/components/JobRow';
import { SearchBar } from '@/components/SearchBar';
import { StatusBar } from '@/components/StatusBar';
import type { DeviceSyncStatus } from '@/utils/domain/device-sync';
import { createPanelData, type PanelData } from '@/utils/panel/data';
import { DevicesContext, useDeviceNames } from '@/utils/panel/devices';
import { useFind } from '@/utils/panel/use-find';
import type { PanelStorage } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import { type IndexEntry, syncStateSchema } from '@/utils/storage/layout';

afterEach(cleanup);

const NOW = 1_700_000_000_000;
const LAPTOP = 'd-1aptop000000001';
const DESKTOP = 'd-desktop00000002';
const status = (patch: Partial<DeviceSyncStatus> = {}): DeviceSyncStatus => ({
  target: '/home/ana/Dropbox/pixellab',
  device: { id: LAPTOP, name: 'Laptop' },
  author: null,
  readonly: false,
  state: { kind: 'synced', at: NOW - 12_000 },
  devices: [{ id: DESKTOP, name: 'Desktop', lastSeen: NOW - 120_000 }],
  quarantined: 0,
  ...patch,
});
const bar = (deviceSync: DeviceSyncStatus | null, online = true) => (
  <StatusBar
    sync={syncStateSchema.parse({ online, lastSyncAt: NOW, deviceSync })}
    pending={0}
    onSyncNow={() => {}}
    clock={() => NOW}
  />
);
const line = () => screen.getByTestId('device-sync');
const summary = () => line().querySelector('summary')!.textContent;

describe('the device sync line', () => {
  it('says when it last synced, with what, and how many other devices; it opens to them', () => {
    render(bar(status()));
    expect(line().getAttribute('data-state')).toBe('synced');
    expect(summary()).toBe('Device sync: synced 12 s ago with /home/ana/Dropbox/pixellab · 1 other device');
    expect(line().textContent).toContain('This device: Laptop');
    expect(screen.getByRole('list', { name: 'Other devices' }).textContent).toContain('Desktop');
    expect(screen.getByRole('list', { name: 'Other devices' }).textContent).toContain('last wrote 2 min ago');
  });

  it('says offline with the error, passphrase needed, read-only and what was set aside', () => {
    const { rerender } = render(
      bar(status({ state: { kind: 'offline', error: 'EACCES: permission denied', at: null } })),
    );
    expect(summary()).toBe('Device sync: offline · 1 other device');
    expect(screen.getByRole('note').textContent).toBe('EACCES: permission denied');
    rerender(bar(status({ state: { kind: 'passphrase', message: 'The target is encrypted: set a passphrase' } })));
    expect(line().getAttribute('data-state')).toBe('passphrase');
    expect(summary()).toContain('Device sync: passphrase needed');
    expect(screen.getByRole('note').textContent).toBe('The target is encrypted: set a passphrase');
    rerender(bar(status({ readonly: true, quarantined: 2, author: 'Rui' })));
    expect(summary()).toContain('· read-only · 2 set aside');
    expect(line().textContent).toContain('jobs made here show as Rui');
    expect(line().textContent).toContain('nothing made here goes to the other devices');
  });

  it('is not shown without device sync, nor while the companion is unreachable', () => {
    const { rerender } = render(bar(null));
    expect(screen.queryByTestId('device-sync')).toBeNull();
    rerender(bar(status(), false));
    expect(screen.queryByTestId('device-sync')).toBeNull();
  });
});

const noActions = new Proxy({}, { get: () => () => {} }) as JobActions;

/** SearchBar and JobList over the real panel data, in the devices' names as App provides them. */
function Harness({ data, sync }: { data: PanelData; sync: DeviceSyncStatus | null }) {
  const snap = data.snapshot.value;
  const find = useFind(snap.entries, snap.entriesVersion);
  return (
    <DevicesContext.Provider value={useDeviceNames(sync)}>
      <SearchBar query={find.query} onQuery={find.setQuery} countId="job-count" facets={find.facets} />
      <JobList
        entries={find.rows}
        getJob={data.getJob}
        getImage={data.getImage}
        actions={noActions}
        filtered={find.narrowed}
        caption={listCaption(find.rows.length, snap.entries.length, find.narrowed)}
        resetKey={find.resetKey}
        fallbackHeight={600}
      />
    </DevicesContext.Provider>
  );
}

const renderedIds = () => [...document.querySelectorAll('[data-job-id]')].map((el) => el.getAttribute('data-job-id'));

describe('jobs by author', () => {
  beforeEach(() => fakeBrowser.reset());

  async function setup(sync: DeviceSyncStatus | null) {
    const entry = (i: number, made: Partial<IndexEntry>): IndexEntry => ({
      id: `job-${i}`,
      createdAt: i,
      status: 'success',
      prompt: `sprite ${i}`,
      ...made,
    });
    await fakeBrowser.storage.local.set({
      ...indexItems([
        entry(4, { device: DESKTOP, starred: true }),
        entry(3, { device: LAPTOP, author: 'Ana', starred: true }),
        entry(2, { device: LAPTOP }),
        entry(1, { device: DESKTOP }),
      ]),
      [keys.head]: [],
    });
    const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, { afterPaint: (run) => run() });
    await act(async () => {
      await data.start();
      await data.loadIndex();
    });
    render(<Harness data={data} sync={sync} />);
  }

  it('rows name who made them, the filter menu offers each author, and the chip combines with the others', async () => {
    await setup(status());
    const row = (id: string) => document.querySelector(`[data-job-id="${id}"] .job-author`)?.textContent;
    expect(row('job-3')).toBe('Made by Ana on Laptop');
    expect(row('job-4')).toBe('Made by Desktop');
    fireEvent.click(screen.getByRole('button', { name: 'Filters' }));
    const author = screen.getByLabelText('Author') as HTMLSelectElement;
    expect([...author.options].map((o) => o.text)).toEqual(['Anyone', 'Desktop', 'Ana', 'Laptop']);
    fireEvent.change(author, { target: { value: `device:${DESKTOP}` } });
    expect(renderedIds()).toEqual(['job-4', 'job-1']);
    const chips = screen.getByRole('list', { name: 'Active filters' });
    expect([...chips.querySelectorAll('.chip-label')].map((c) => c.textContent)).toEqual(['Author: Desktop']);
    fireEvent.click(screen.getByLabelText('Starred'));
    expect(renderedIds()).toEqual(['job-4']);
    fireEvent.click(screen.getByRole('button', { name: 'Remove filter: Author: Desktop' }));
    expect(renderedIds()).toEqual(['job-4', 'job-3']);
  });

  it('leaves rows and the menu as they were on a history of one device', async () => {
    await setup(null);
    expect(document.querySelector('.job-author')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Filters' }));
    // Two devices' ids are in the history even so: the filter is offered, by short ids.
    expect([...(screen.getByLabelText('Author') as HTMLSelectElement).options].map((o) => o.text)).toEqual([
      'Anyone',
      'device d-deskto',
      'Ana',
      'device d-1aptop',
    ]);
  });
});
