// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { JobList, listCaption } from '@/components/JobList';
import type { JobActions } from '@/components/JobRow';
import { SearchBar } from '@/components/SearchBar';
import type { JobStatus } from '@/utils/domain/job';
import { createPanelData, type PanelData } from '@/utils/panel/data';
import { initialQuery, useFind } from '@/utils/panel/use-find';
import type { PanelStorage } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import type { IndexEntry } from '@/utils/storage/layout';

afterEach(cleanup);

const statuses: JobStatus[] = ['success', 'error', 'running', 'queued', 'idle'];
const creatures = ['knight', 'mage', 'dragon', 'warrior', 'wizard', 'slime', 'golem'];

/** Index entries only: search and filter never need the job records. Every third is starred, rated i % 5 + 1. */
async function seedIndex(count: number) {
  const index: IndexEntry[] = Array.from({ length: count }, (_, n) => {
    const i = count - n;
    const entry: IndexEntry = {
      id: `job-${i}`,
      createdAt: i,
      status: statuses[i % 5]!,
      prompt: `Pixel ${creatures[i % 7]} number ${i}`,
      width: i % 2 ? 64 : 32,
      height: 64,
      rating: (i % 5) + 1,
    };
    if (i % 3 === 0) entry.starred = true;
    if (i % 4 === 0) entry.tags = i % 8 === 0 ? ['hero', 'knight'] : ['hero'];
    return entry;
  });
  await fakeBrowser.storage.local.set({ ...indexItems(index), [keys.head]: [] });
}

const noActions = new Proxy({}, { get: () => () => {} }) as JobActions;

/** SearchBar and JobList over the real panel data, wired the way App wires them. */
function Harness({ data }: { data: PanelData }) {
  // Reading the snapshot signal re-renders the harness whenever the panel data changes.
  const snap = data.snapshot.value;
  const find = useFind(snap.entries, snap.entriesVersion);
  return (
    <>
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
    </>
  );
}

async function setup(count: number) {
  await seedIndex(count);
  const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, { afterPaint: (run) => run() });
  await act(async () => {
    await data.start();
    await data.loadIndex();
  });
  render(<Harness data={data} />);
  return data;
}

const renderedIds = () => [...document.querySelectorAll('[data-job-id]')].map((el) => el.getAttribute('data-job-id'));

describe('search, filters and sort', () => {
  beforeEach(() => fakeBrowser.reset());

  it('narrow the list by prompt words and by status', async () => {
    await setup(70);
    expect(screen.getByText('70 jobs')).toBeTruthy();

    fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'DRAGON' } });
    expect(screen.getByText('10 of 70')).toBeTruthy();
    for (const el of document.querySelectorAll('[data-job-id]')) expect(el.textContent).toContain('dragon');

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'error' } });
    // dragon: i % 7 == 2; error: i % 5 == 1  ->  i = 16, 51
    expect(renderedIds()).toEqual(['job-51', 'job-16']);
    expect(screen.getByText('2 of 70')).toBeTruthy();

    fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'no such thing' } });
    expect(screen.getByText('No jobs match this search.')).toBeTruthy();

    fireEvent.input(screen.getByLabelText('Search'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'all' } });
    expect(screen.getByText('70 jobs')).toBeTruthy();
  });

  it('offers every status under its on-screen name', async () => {
    await setup(5);
    const options = [...(screen.getByLabelText('Status') as HTMLSelectElement).options].map(
      (o) => `${o.value}:${o.text}`,
    );
    expect(options).toEqual([
      'all:All statuses',
      'idle:Waiting',
      'queued:Queued',
      'running:Running',
      'success:Done',
      'error:Failed',
      'cancelled:Cancelled',
    ]);
  });

  // How fast is the bench's to say ("Search over 10,000 prompts, keystroke to painted list"): a timer here only
  // failed on a loaded machine. This checks what each keystroke does at that size.
  it('narrows 10,000 jobs keystroke by keystroke from memory, without storage reads', async () => {
    await setup(10_000);
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const box = screen.getByLabelText('Search');
    // Warm up the JIT and happy-dom's element creation, which a real panel has done by the time anyone types.
    for (const value of ['k', 'kn', 'knight 1', '']) fireEvent.input(box, { target: { value } });
    const counts: number[] = [];
    for (const value of ['g', 'go', 'gol', 'gole', 'golem', 'golem 9', 'golem 99']) {
      fireEvent.input(box, { target: { value } });
      counts.push(renderedIds().length);
    }
    // Every keystroke paints a list at once, and a longer query never shows more.
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.every((n, i) => i === 0 || n <= counts[i - 1]!)).toBe(true);
    expect(get).not.toHaveBeenCalledWith(expect.arrayContaining([keys.indexPages]));
  });

  it('show each filter as a chip with its own remove button, and combine with the words', async () => {
    await setup(70);
    fireEvent.click(screen.getByRole('button', { name: 'Filters' }));
    fireEvent.click(screen.getByLabelText('Starred'));
    fireEvent.change(screen.getByLabelText('Rating'), { target: { value: '4' } });
    // Starred (i % 3 == 0) and rated 4+ (i % 5 >= 3): i = 3, 9, 18, 24, 33, 39, 48, 54, 63, 69.
    expect(screen.getByText('10 of 70')).toBeTruthy();
    const chips = screen.getByRole('list', { name: 'Active filters' });
    expect([...chips.querySelectorAll('.chip-label')].map((c) => c.textContent)).toEqual(['Starred', 'Rating ≥ 4']);
    expect(screen.getByRole('button', { name: /^Filters · 2/ })).toBeTruthy();

    fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'wizard' } });
    // ...and wizard (i % 7 == 4): 18, 39.
    expect(renderedIds()).toEqual(['job-39', 'job-18']);

    fireEvent.click(screen.getByRole('button', { name: 'Remove filter: Rating ≥ 4' }));
    // Starred wizards: 18, 39, 60.
    expect(renderedIds()).toEqual(['job-60', 'job-39', 'job-18']);
    expect(screen.queryByRole('button', { name: 'Remove filter: Rating ≥ 4' })).toBeNull();
    expect((screen.getByLabelText('Rating') as HTMLSelectElement).value).toBe('');

    fireEvent.click(screen.getByRole('button', { name: 'Remove filter: Starred' }));
    expect(screen.queryByRole('list', { name: 'Active filters' })).toBeNull();
    expect(screen.getByText('10 of 70')).toBeTruthy();
  });

  it('sort the listed rows by the order picked', async () => {
    await setup(12);
    fireEvent.change(screen.getByLabelText('Sort'), { target: { value: 'oldest' } });
    expect(renderedIds().slice(0, 3)).toEqual(['job-1', 'job-2', 'job-3']);
    fireEvent.change(screen.getByLabelText('Sort'), { target: { value: 'rating' } });
    // Rated 5: i % 5 == 4 -> 9, 4; then rated 4: 8, 3.
    expect(renderedIds().slice(0, 4)).toEqual(['job-9', 'job-4', 'job-8', 'job-3']);
    fireEvent.change(screen.getByLabelText('Sort'), { target: { value: 'size' } });
    expect(renderedIds().slice(0, 2)).toEqual(['job-11', 'job-9']);
  });

  it('pick a tag from the history with the keyboard, as a chip', async () => {
    await setup(16);
    fireEvent.click(screen.getByRole('button', { name: 'Filters' }));
    const tag = screen.getByRole('combobox', { name: 'Tag' });
    fireEvent.focus(tag);
    fireEvent.input(tag, { target: { value: 'kn' } });
    const listbox = screen.getByRole('listbox', { name: 'Tag suggestions' });
    expect([...listbox.querySelectorAll('[role="option"]')].map((o) => o.textContent)).toEqual(['knight']);
    expect(tag.getAttribute('aria-expanded')).toBe('true');
    fireEvent.keyDown(tag, { key: 'ArrowDown' });
    expect(tag.getAttribute('aria-activedescendant')).toBe(listbox.querySelector('[role="option"]')!.id);
    fireEvent.keyDown(tag, { key: 'Enter' });
    expect(screen.getByRole('button', { name: 'Remove filter: Tag: knight' })).toBeTruthy();
    expect(renderedIds()).toEqual(['job-16', 'job-8']);
  });

  it('start from the newest first, every filter off', () => {
    expect(initialQuery.sort).toBe('newest');
    expect(initialQuery.statuses).toEqual([]);
  });
});
