// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { App, type PanelServices } from '@/entrypoints/sidepanel/App';
import { send as background, useIntentHandlers } from '@/tests/helpers/intent-handlers';
import type { IntentInput } from '@/utils/intents/protocol';
import { exportSelection } from '@/utils/panel/bulk-export';
import { createPanelData } from '@/utils/panel/data';
import type { PanelStorage, ReadableStorage } from '@/utils/storage/area';

/** Six jobs, the fourth failed, imported through the real handler (the background's own writes). */
async function seed() {
  const jobs = [1, 2, 3, 4, 5, 6].map((n) => ({
    id: `job-${n}`,
    prompt: `${n % 2 ? 'knight' : 'slime'} ${n}`,
    status: n === 4 ? 'error' : 'success',
    error: n === 4 ? 'boom' : null,
    width: 32,
    height: 32,
    createdAt: 1_000_000 - n,
  }));
  expect(await background({ type: 'import', text: JSON.stringify({ jobs }) })).toMatchObject({ imported: 6 });
}

async function setup() {
  await seed();
  const storage = fakeBrowser.storage.local as unknown as PanelStorage;
  const data = createPanelData(storage, { afterPaint: (run) => setTimeout(run, 0) });
  // The real intent handlers over the same storage: an organise intent really stars, trashes, restores.
  const send = vi.fn((intent: IntentInput) => background(intent));
  const downloads: { blob: Blob; name: string }[] = [];
  const services: PanelServices = {
    data,
    send,
    exportJson: async () => [],
    exportCsv: async () => '',
    exportSelection: (kind, ids, options) => exportSelection(storage as ReadableStorage, kind, ids, options),
    downloadBlob: (blob, name) => void downloads.push({ blob, name }),
    downloadPng: () => true,
    copyText: async () => {},
  };
  await act(async () => {
    await data.start();
    await data.loadIndex();
  });
  render(<App services={services} />);
  await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(6));
  const intents = () =>
    send.mock.calls.map((c) => c[0]).filter((i) => !['panelOpen', 'syncNow', 'refreshSpend'].includes(i.type));
  return { send, intents, downloads };
}

const row = (id: string) => document.querySelector(`[data-job-id="${id}"]`)!;
const clickRow = (id: string, mods: MouseEventInit = {}) => fireEvent.click(row(id).querySelector('.job-body')!, mods);
const selectedIds = () =>
  [...document.querySelectorAll('[data-selected="true"]')].map((el) => el.getAttribute('data-job-id'));
const bar = () => screen.getByRole('region', { name: 'Selection' });

describe('selecting jobs and acting on them', () => {
  useIntentHandlers();
  afterEach(cleanup);

  it('click, Shift-click and Ctrl/Cmd-click select like a file manager; the bar appears with a count', async () => {
    await setup();
    expect(screen.queryByRole('region', { name: 'Selection' })).toBeNull();
    clickRow('job-2');
    expect(selectedIds()).toEqual(['job-2']);
    clickRow('job-5', { shiftKey: true });
    expect(selectedIds()).toEqual(['job-2', 'job-3', 'job-4', 'job-5']);
    clickRow('job-3', { ctrlKey: true });
    clickRow('job-6', { metaKey: true });
    expect(selectedIds()).toEqual(['job-2', 'job-4', 'job-5', 'job-6']);
    expect(within(bar()).getByText('4 selected')).toBeTruthy();
    // A click on a row's own button is that button's, not a selection.
    fireEvent.click(within(row('job-1') as HTMLElement).getByRole('button', { name: 'Download PNG of job-1' }));
    expect(selectedIds()).toEqual(['job-2', 'job-4', 'job-5', 'job-6']);
    fireEvent.click(within(bar()).getByRole('button', { name: 'Clear selection' }));
    expect(selectedIds()).toEqual([]);
    expect(screen.queryByRole('region', { name: 'Selection' })).toBeNull();
  });

  it('x toggles the focused row', async () => {
    await setup();
    const button = within(row('job-3') as HTMLElement).getByRole('button', { name: 'Download PNG of job-3' });
    fireEvent.keyDown(button, { key: 'x' });
    expect(selectedIds()).toEqual(['job-3']);
    fireEvent.keyDown(button, { key: 'x' });
    expect(selectedIds()).toEqual([]);
  });

  it('selects all matching the search, and a row filtered out leaves the selection', async () => {
    await setup();
    fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'knight' } });
    clickRow('job-1');
    fireEvent.click(within(bar()).getByRole('button', { name: 'Select all 3' }));
    expect(selectedIds()).toEqual(['job-1', 'job-3', 'job-5']);
    fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'knight 5' } });
    await waitFor(() => expect(within(bar()).getByText('1 selected')).toBeTruthy());
  });

  it('stars, rates and tags the selection with one organise intent each', async () => {
    const { intents } = await setup();
    clickRow('job-1');
    clickRow('job-3', { shiftKey: true });
    fireEvent.click(within(bar()).getByRole('button', { name: 'Star' }));
    await waitFor(() =>
      expect(intents()).toEqual([
        { type: 'organise', ids: ['job-1', 'job-2', 'job-3'], edit: { op: 'star', value: true } },
      ]),
    );
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toBe('Starred 3 jobs'));
    // Stored by the background, read back by the panel: the Starred filter lists them.
    fireEvent.click(screen.getByRole('button', { name: 'Filters' }));
    fireEvent.click(screen.getByLabelText('Starred'));
    await waitFor(() => expect(screen.getByText('3 of 6')).toBeTruthy());
    fireEvent.change(within(bar()).getByLabelText('Rate the selected jobs'), { target: { value: '4' } });
    fireEvent.click(within(bar()).getByRole('button', { name: 'Tag…' }));
    const tag = within(bar()).getByRole('combobox', { name: 'Add tag' });
    fireEvent.input(tag, { target: { value: ' Hero  Sprite ' } });
    fireEvent.keyDown(tag, { key: 'Enter' });
    await waitFor(() =>
      expect(intents().slice(1)).toEqual([
        { type: 'organise', ids: ['job-1', 'job-2', 'job-3'], edit: { op: 'rate', value: 4 } },
        { type: 'organise', ids: ['job-1', 'job-2', 'job-3'], edit: { op: 'addTags', tags: ['hero sprite'] } },
      ]),
    );
  });

  it('files the selection into a new board: the board is made, then the jobs are added to it by its id', async () => {
    const { intents } = await setup();
    clickRow('job-1');
    clickRow('job-2', { shiftKey: true });
    fireEvent.change(within(bar()).getByLabelText('Add the selected jobs to a board, or remove them'), {
      target: { value: 'new' },
    });
    fireEvent.input(screen.getByLabelText('New board'), { target: { value: 'Forest tileset' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create and add 2 jobs' }));
    await waitFor(() => expect(intents()).toHaveLength(2));
    const [create, add] = intents() as [IntentInput, IntentInput & { edit?: { boardId?: string } }];
    expect(create).toEqual({ type: 'board', action: 'create', name: 'Forest tileset' });
    expect(add).toMatchObject({ type: 'organise', ids: ['job-1', 'job-2'], edit: { op: 'addToBoard' } });
    expect(add.edit?.boardId).toMatch(/^board-/);
    await waitFor(() =>
      expect(screen.getByTestId('toast').textContent).toBe('Added 2 jobs to the new board “Forest tileset”'),
    );
    // The board record came back through storage: it is offered by name from now on.
    await waitFor(() => expect(screen.getAllByRole('option', { name: 'Forest tileset' }).length).toBeGreaterThan(0));
  });

  it('deletes to the trash with an Undo that restores, and retries only the failed', async () => {
    const { intents } = await setup();
    clickRow('job-3');
    clickRow('job-5', { shiftKey: true });
    expect(within(bar()).getByRole('button', { name: 'Retry failed (1)' })).toBeTruthy();
    fireEvent.click(within(bar()).getByRole('button', { name: 'Retry failed (1)' }));
    await waitFor(() => expect(intents()).toEqual([{ type: 'retry', id: 'job-4' }]));
    await waitFor(() =>
      expect(within(bar()).getByRole('button', { name: 'Delete' }).hasAttribute('disabled')).toBe(false),
    );
    fireEvent.click(within(bar()).getByRole('button', { name: 'Delete' }));
    await waitFor(() =>
      expect(intents()[1]).toEqual({ type: 'organise', ids: ['job-3', 'job-4', 'job-5'], edit: { op: 'trash' } }),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() =>
      expect(intents()[2]).toEqual({ type: 'organise', ids: ['job-3', 'job-4', 'job-5'], edit: { op: 'restore' } }),
    );
  });

  it('exports the selection as CSV, a file named for it', async () => {
    const { downloads } = await setup();
    clickRow('job-2');
    clickRow('job-6', { ctrlKey: true });
    fireEvent.click(within(bar()).getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(downloads[0]!.name).toMatch(/^pixellab-selection-2-.*\.csv$/);
    const lines = (await downloads[0]!.blob.text()).trim().split('\r\n');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['id', 'job-2', 'job-6']);
    // No image in this browser: the ZIP says so rather than downloading an empty file.
    fireEvent.click(within(bar()).getByRole('button', { name: 'Download ZIP' }));
    await waitFor(() => expect(screen.getByText(/None of the selected jobs has an image/)).toBeTruthy());
    expect(downloads).toHaveLength(1);
  });

  it('in the trash, offers Restore instead of Delete', async () => {
    const { intents } = await setup();
    clickRow('job-2');
    fireEvent.click(within(bar()).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(5));
    await screen.findByRole('button', { name: 'Undo' });
    fireEvent.click(screen.getByRole('button', { name: 'Filters' }));
    fireEvent.click(screen.getByLabelText('Trash'));
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(1));
    clickRow('job-2');
    expect(within(bar()).queryByRole('button', { name: 'Delete' })).toBeNull();
    const restore = within(bar()).getByRole('button', { name: 'Restore' });
    await waitFor(() => expect(restore.hasAttribute('disabled')).toBe(false));
    fireEvent.click(restore);
    await waitFor(() =>
      expect(intents().at(-1)).toEqual({ type: 'organise', ids: ['job-2'], edit: { op: 'restore' } }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Remove filter: In the trash' }));
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(6));
  });
});
