// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { storedJob as job, seedPanel as seed, renderPanel as setup } from '@/tests/helpers/panel-app';
import { createClock, newBoard } from '@/utils/domain';
import { keys } from '@/utils/storage/keys';

/** Managing a board where the user looks at it: the list filtered by the board offers rename and delete. */
describe('App: rename and delete a board', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(cleanup);

  const forest = newBoard(
    'board-forest',
    'Forest',
    createClock('ext-test', () => 1_700_000_000_000),
  );

  async function filteredByForest() {
    await seed([job(1, { boards: ['board-forest'] }), job(2)], { [keys.records]: [forest] });
    const panel = setup();
    await waitFor(() => expect(screen.getByAltText('stored prompt 2')).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: /Filters/ }));
    // The records (boards) are read after the first rows.
    await waitFor(() => expect(screen.getByRole('option', { name: 'Forest' })).toBeTruthy());
    fireEvent.change(screen.getByLabelText('Board'), { target: { value: 'board-forest' } });
    await waitFor(() => expect(screen.queryByAltText('stored prompt 2')).toBeNull());
    return panel;
  }

  it('offers nothing while no board filters the list', async () => {
    await seed([job(1)], { [keys.records]: [forest] });
    setup();
    await waitFor(() => expect(screen.getByAltText('stored prompt 1')).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'Rename board' })).toBeNull();
  });

  it('renames through the board intent; an unchanged or empty name sends nothing', async () => {
    const { intents } = await filteredByForest();
    fireEvent.click(screen.getByRole('button', { name: 'Rename board' }));
    const name = screen.getByLabelText('Board name') as HTMLInputElement;
    expect(name.value).toBe('Forest');
    fireEvent.submit(name.closest('form')!);
    fireEvent.click(screen.getByRole('button', { name: 'Rename board' }));
    fireEvent.input(screen.getByLabelText('Board name'), { target: { value: '   ' } });
    fireEvent.submit(screen.getByLabelText('Board name').closest('form')!);
    expect(intents().filter((i) => i.type === 'board')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Rename board' }));
    fireEvent.input(screen.getByLabelText('Board name'), { target: { value: ' Forest tileset ' } });
    fireEvent.submit(screen.getByLabelText('Board name').closest('form')!);
    await waitFor(() =>
      expect(intents().filter((i) => i.type === 'board')).toEqual([
        { type: 'board', action: 'rename', id: 'board-forest', name: 'Forest tileset' },
      ]),
    );
    await waitFor(() => expect(screen.queryByLabelText('Board name')).toBeNull());
  });

  it('deletes only after a confirm that says the jobs stay, then drops the board filter', async () => {
    const { intents } = await filteredByForest();
    fireEvent.click(screen.getByRole('button', { name: 'Delete board' }));
    const confirm = screen.getByRole('alertdialog');
    expect(confirm.textContent).toContain('Its jobs stay in the history');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(intents().filter((i) => i.type === 'board')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Delete board' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete board' }));
    await waitFor(() =>
      expect(intents().filter((i) => i.type === 'board')).toEqual([
        { type: 'board', action: 'delete', id: 'board-forest' },
      ]),
    );
    // The filter is gone: both jobs show again.
    await waitFor(() => expect(screen.getByAltText('stored prompt 2')).toBeTruthy());
  });
});
