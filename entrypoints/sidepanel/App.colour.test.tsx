// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { storedJob as job, seedPanel as seed, renderPanel as setup } from '@/tests/helpers/panel-app';
import { bytesToPngDataUrl } from '@/utils/domain/data-url';
import { encodePng } from '@/utils/export/png';
import { colourCodesOfPng } from '@/utils/history/colour-codes';
import { createColourIndexer } from '@/utils/history/colour-indexer';
import { createHistoryStore } from '@/utils/history/store';
import type { StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';

const slow = { timeout: 10_000 };

/** A 2x2 PNG data URL of these RGB colours (opaque), cycling; a transparent pixel last when `hole`. */
function image(colours: number[], hole = false): string {
  const data = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const c = colours[i % colours.length]!;
    data.set([c >> 16, (c >> 8) & 255, c & 255, hole && i === 3 ? 0 : 255], i * 4);
  }
  return bytesToPngDataUrl(encodePng({ width: 2, height: 2, data }));
}

/** Three jobs with real images, stored as the background stores them, and their colours indexed by it. */
async function seedColours() {
  const jobs = [job(1), job(2), job(3)];
  await seed(jobs);
  await fakeBrowser.storage.local.set({
    [keys.image(jobs[0]!.image!)]: image([0xff0000, 0x0000ff]),
    [keys.image(jobs[1]!.image!)]: image([0xff0000, 0x00ff00], true),
    [keys.image(jobs[2]!.image!)]: image([0x00ff00]),
  });
  const store = createHistoryStore(fakeBrowser.storage.local as unknown as StorageAreaLike);
  expect(await createColourIndexer({ store, codesOf: colourCodesOfPng }).run()).toBe(3);
}

const listedIds = () =>
  [...document.querySelectorAll('[data-testid="job-scroller"] [data-job-id]')].map((el) =>
    el.getAttribute('data-job-id'),
  );

describe('App: find jobs by colour', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(cleanup);

  it(
    'a swatch in the detail view lists only the jobs whose image holds that colour, as a removable chip',
    slow,
    async () => {
      await seedColours();
      setup();
      await waitFor(() => expect(listedIds()).toEqual(['job-1', 'job-2', 'job-3']));
      fireEvent.click(screen.getByRole('button', { name: 'Open details of job-1' }));
      const dialog = screen.getByRole('dialog', { name: 'stored prompt 1' });
      const palette = await within(dialog).findByRole('region', { name: 'Colours' }, slow);
      const swatches = within(palette).getAllByRole('button');
      expect(swatches.map((b) => b.getAttribute('aria-label'))).toEqual([
        'Find jobs with colour #0000ff',
        'Find jobs with colour #ff0000',
      ]);

      fireEvent.click(within(palette).getByRole('button', { name: 'Find jobs with colour #ff0000' }));
      expect(screen.queryByRole('dialog')).toBeNull();
      expect(screen.getByRole('list', { name: 'Active filters' }).textContent).toContain('Colour #ff0000');
      await waitFor(() => expect(listedIds()).toEqual(['job-1', 'job-2']));

      // It combines with the words of the search box.
      fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'prompt 2' } });
      await waitFor(() => expect(listedIds()).toEqual(['job-2']));
      fireEvent.input(screen.getByLabelText('Search'), { target: { value: '' } });
      fireEvent.click(screen.getByRole('button', { name: 'Remove filter: Colour #ff0000' }));
      await waitFor(() => expect(listedIds()).toEqual(['job-1', 'job-2', 'job-3']));
    },
  );

  it(
    'the filter menu takes a colour as #rrggbb; a partial one waits, an emptied one removes the filter',
    slow,
    async () => {
      await seedColours();
      setup();
      await waitFor(() => expect(listedIds()).toHaveLength(3));
      fireEvent.click(screen.getByRole('button', { name: 'Filters' }));
      const hex = screen.getByLabelText('Colour') as HTMLInputElement;
      fireEvent.input(hex, { target: { value: '#00ff' } });
      expect(hex.getAttribute('aria-invalid')).toBe('true');
      expect(listedIds()).toHaveLength(3);
      fireEvent.input(hex, { target: { value: '00FF00' } });
      await waitFor(() => expect(listedIds()).toEqual(['job-2', 'job-3']));
      expect(screen.getByRole('list', { name: 'Active filters' }).textContent).toContain('Colour #00ff00');
      // A colour no image holds lists nothing; the picker sets the same filter.
      fireEvent.input(screen.getByLabelText('Pick a colour'), { target: { value: '#123456' } });
      await waitFor(() => expect(listedIds()).toEqual([]));
      fireEvent.input(hex, { target: { value: '' } });
      await waitFor(() => expect(listedIds()).toHaveLength(3));
    },
  );
});
