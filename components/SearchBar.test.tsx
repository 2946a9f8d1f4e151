// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { JobList, listCaption } from '@/components/JobList';
import type { JobActions } from '@/components/JobRow';
import { SearchBar } from '@/components/SearchBar';
import type { JobStatus } from '@/utils/domain/job';
import { createPanelData, type PanelData } from '@/utils/panel/data';
import type { StatusFilter } from '@/utils/panel/search';
import type { PanelStorage } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import type { IndexEntry } from '@/utils/storage/layout';

afterEach(cleanup);

const statuses: JobStatus[] = ['success', 'error', 'running', 'queued', 'idle'];
const creatures = ['knight', 'mage', 'dragon', 'warrior', 'wizard', 'slime', 'golem'];

/** Index entries only: search and filter never need the job records. */
async function seedIndex(count: number) {
  const index: IndexEntry[] = Array.from({ length: count }, (_, n) => {
    const i = count - n;
    return { id: `job-${i}`, createdAt: i, status: statuses[i % 5]!, prompt: `Pixel ${creatures[i % 7]} number ${i}` };
  });
  await fakeBrowser.storage.local.set({ ...indexItems(index), [keys.head]: [] });
}

const noActions = new Proxy({}, { get: () => () => {} }) as JobActions;

/** SearchBar and JobList over the real panel data, wired the way App wires them. */
function Harness({ data }: { data: PanelData }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  // Reading the snapshot signal re-renders the harness whenever the panel data changes.
  const snap = data.snapshot.value;
  const rows = data.filter(text, status);
  return (
    <>
      <SearchBar text={text} status={status} onText={setText} onStatus={setStatus} countId="job-count" />
      <JobList
        entries={rows}
        getJob={data.getJob}
        getImage={data.getImage}
        actions={noActions}
        filtered={text !== '' || status !== 'all'}
        caption={listCaption(rows.length, snap.entries.length, text !== '' || status !== 'all')}
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

describe('search and status filter', () => {
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
      'all:All',
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
});
