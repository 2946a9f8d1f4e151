// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { App } from '@/entrypoints/sidepanel/App';
import { storedJob as job, seedPanel as seed, renderPanel as setup } from '@/tests/helpers/panel-app';
import { bytesToPngDataUrl } from '@/utils/domain/data-url';
import type { Job } from '@/utils/domain/job';
import { encodePng } from '@/utils/export/png';
import { createPanelData } from '@/utils/panel/data';
import type { PanelStorage } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';

/** Reads through the fake browser and a lazily loaded chunk: slow on a loaded machine. */
const slow = { timeout: 10_000 };

describe('App: the detail view', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(cleanup);

  it('opens from a row, rates and stars through organise, and asks before reuse replaces a typed draft', async () => {
    await seed([job(1), job(2, { seed: 42 })]);
    const { intents, services } = setup();
    await waitFor(() => expect(screen.getByAltText('stored prompt 2')).toBeTruthy());
    fireEvent.input(screen.getByLabelText('Prompt'), { target: { value: 'my own draft' } });

    fireEvent.click(screen.getByRole('button', { name: 'Open details of job-1' }));
    const dialog = screen.getByRole('dialog', { name: 'stored prompt 1' });
    fireEvent.click(within(dialog).getByRole('button', { name: /Next/ }));
    await waitFor(() => expect(screen.getByRole('dialog', { name: 'stored prompt 2' })).toBeTruthy());
    fireEvent.click(within(dialog).getByRole('button', { name: /Star/ }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rate 4' }));
    await waitFor(() =>
      expect(intents()).toEqual([
        { type: 'organise', ids: ['job-2'], edit: { op: 'star', value: true } },
        { type: 'organise', ids: ['job-2'], edit: { op: 'rate', value: 4 } },
      ]),
    );

    // 1x is the stored PNG as it is (this test's PNG is only a header, nothing to scale).
    fireEvent.click(within(dialog).getByRole('button', { name: 'Zoom 1×' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Download 1×' }));
    await waitFor(() => expect(services.downloadBlob).toHaveBeenCalledTimes(1));
    const [blob, name] = vi.mocked(services.downloadBlob).mock.calls[0]!;
    expect(name).toBe('pixellab-job-2-stored-prompt-2.png');
    expect(blob.type).toBe('image/png');

    // The draft differs: the existing confirmation asks; Cancel keeps it, Replace fills the form.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reuse settings' }));
    const ask = screen.getByRole('alertdialog', { name: 'Replace the form?' });
    fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('my own draft');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reuse settings' }));
    fireEvent.click(screen.getByRole('button', { name: 'Replace' }));
    await waitFor(() => expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('stored prompt 2'));
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe('42');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('"Open in tab" opens the same panel full-page, and is not offered without the service', async () => {
    const { services } = setup();
    expect(screen.queryByRole('button', { name: 'Open in tab' })).toBeNull();
    cleanup();
    const openInTab = vi.fn(async () => {});
    const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, {
      afterPaint: (run) => setTimeout(run, 0),
    });
    render(<App services={{ ...services, data, openInTab }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Open in tab' }));
    expect(openInTab).toHaveBeenCalledTimes(1);
  });

  it('? shows the shortcuts sheet; j moves between rows and Enter opens the focused job', async () => {
    await seed([job(1), job(2)]);
    setup();
    await waitFor(() => expect(screen.getByAltText('stored prompt 2')).toBeTruthy());
    fireEvent.keyDown(document.body, { key: '?' });
    const sheet = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    fireEvent.keyDown(sheet, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    screen.getByRole('button', { name: 'Open details of job-1' }).focus();
    fireEvent.keyDown(document.activeElement!, { key: 'j' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Open details of job-2' }));
    fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    expect(screen.getByRole('dialog', { name: 'stored prompt 2' })).toBeTruthy();
  });

  it('x puts the focused row into the selection and takes it out again', async () => {
    await seed([job(1), job(2)]);
    setup();
    await waitFor(() => expect(screen.getByAltText('stored prompt 2')).toBeTruthy());
    const row = () => document.querySelector('[data-job-id="job-2"]')!;
    screen.getByRole('button', { name: 'Open details of job-2' }).focus();
    fireEvent.keyDown(document.activeElement!, { key: 'x' });
    await waitFor(() => expect(row().getAttribute('data-selected')).toBe('true'));
    expect(screen.getByText('1 selected')).toBeTruthy();
    fireEvent.keyDown(document.activeElement!, { key: 'x' });
    await waitFor(() => expect(row().getAttribute('data-selected')).toBeNull());
  });

  it('a batch is one stack with a count that expands in place; a rotation links its source, the source its rotations', async () => {
    const source = job(9);
    const rotations = [1, 2, 3].map((n) =>
      job(n, {
        kind: 'rotate',
        groupId: 'set-1',
        prompt: `turned ${n}`,
        rotate: { toDirection: 'east', fromDirection: null, sourceJobId: 'job-9', sourceImage: source.image! },
      }),
    );
    await seed([...rotations, source]);
    setup();
    const ids = () => [...document.querySelectorAll('[data-job-id]')].map((r) => r.getAttribute('data-job-id'));
    await waitFor(() => expect(ids()).toEqual(['job-1', 'job-9']));
    fireEvent.click(screen.getByRole('button', { name: 'Show the 3 jobs of this batch' }));
    await waitFor(() => expect(ids()).toEqual(['job-1', 'job-2', 'job-3', 'job-9']));
    expect(screen.getByTestId('job-scroller').getAttribute('aria-label')).toBe('Job history, 4 jobs');
    fireEvent.click(screen.getByRole('button', { name: 'Fold the batch of 3' }));
    await waitFor(() => expect(ids()).toEqual(['job-1', 'job-9']));

    fireEvent.click(screen.getByRole('button', { name: 'Open details of job-9' }));
    const dialog = screen.getByRole('dialog', { name: 'stored prompt 9' });
    const derived = within(dialog).getByText('Derived').closest('div')!;
    expect(
      within(derived)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['turned 1', 'turned 2', 'turned 3']);
    fireEvent.click(within(derived).getByRole('button', { name: 'turned 2' }));
    const rotated = await screen.findByRole('dialog', { name: 'turned 2' });
    await waitFor(() => expect(within(rotated).getByRole('button', { name: 'stored prompt 9' })).toBeTruthy());
  });

  it('delete moves a job to the trash through organise, and a trashed job leaves the history', async () => {
    await seed([job(1), job(2, { trashedAt: Date.now() - 1000 })]);
    const { intents } = setup();
    const ids = () => [...document.querySelectorAll('[data-job-id]')].map((r) => r.getAttribute('data-job-id'));
    await waitFor(() => expect(ids()).toEqual(['job-1']));
    fireEvent.click(screen.getByRole('button', { name: 'More actions for job-1' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Delete job-1' }));
    await waitFor(() => expect(intents()).toEqual([{ type: 'organise', ids: ['job-1'], edit: { op: 'trash' } }]));
    // Said with an Undo beside it (UndoToast), not as a plain toast.
    await waitFor(() => expect(screen.getByText('Moved “stored prompt 1” to the trash')).toBeTruthy());
    expect(screen.getByRole('button', { name: 'Undo' })).toBeTruthy();
  });
});

describe('App: a direction set and its exports', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(cleanup);

  /** A real 16x16 PNG of one colour, as storage holds images. */
  const sprite = (r: number) => {
    const data = new Uint8Array(16 * 16 * 4);
    for (let i = 0; i < data.length; i += 4) data.set([r, 60, 120, 255], i);
    return bytesToPngDataUrl(encodePng({ width: 16, height: 16, data }));
  };
  const rotation = (n: number, to: 'east' | 'west') =>
    job(n, {
      kind: 'rotate',
      width: 16,
      height: 16,
      prompt: `stored prompt 1 (rotated to ${to})`,
      rotate: { toDirection: to, fromDirection: 'south', sourceJobId: 'job-1', sourceImage: job(1).image! },
    });

  it('the detail view of a source shows its compass; a cell runs again, and the set exports as a sheet', async () => {
    const jobs = [
      job(1, { width: 16, height: 16, options: { mode: 'pixflux', direction: 'south' } as Job['options'] }),
      rotation(2, 'east'),
      rotation(3, 'west'),
    ];
    await seed(jobs);
    await fakeBrowser.storage.local.set(
      Object.fromEntries(jobs.map((j, i) => [keys.image(j.image!), sprite(40 * (i + 1))])),
    );
    const { intents } = setup();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Open details of job-1' })).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Open details of job-1' }));
    const compass = await screen.findByRole('region', { name: 'Directions of stored prompt 1: 3 of 8' }, slow);
    fireEvent.click(within(compass).getByRole('button', { name: 'Run again to east' }));
    await waitFor(() =>
      expect(intents()).toContainEqual(expect.objectContaining({ type: 'rotate', id: 'job-1', toDirection: 'east' })),
    );

    fireEvent.click(within(compass).getByRole('button', { name: 'Export set…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Export 3 images' }, slow);
    // Clockwise from south: the source (south), then west, then east.
    const order = within(within(dialog).getByRole('list', { name: 'Frame order' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent?.replace(/[↑↓]/g, '').trim());
    expect(order).toEqual(['south', 'west', 'east']);
    expect(within(dialog).getByRole('img', { name: /Preview of the stored_prompt_1_sheet\.png/ })).toBeTruthy();
  });
});
