// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { formatCost } from '@/components/format';
import InsightsPane, { type InsightsPaneProps } from '@/components/insights/InsightsPane';
import type { Job } from '@/utils/domain/job';
import { readIndex } from '@/utils/history/reads';
import { createHistoryStore } from '@/utils/history/store';
import type { InsightsRange } from '@/utils/insights/summary';
import { createInsightsSource } from '@/utils/panel/insights-source';
import { createRecordsReader, RecordsContext } from '@/utils/panel/records';
import type { PanelStorage, StorageAreaLike } from '@/utils/storage/area';
import type { IndexEntry } from '@/utils/storage/layout';
import { runMigrations } from '@/utils/storage/migrations';

/**
 * The Insights pane over aggregates the real background store wrote (fake chrome.storage), read through the
 * panel's real source: the numbers on screen are the store's, and follow its changes, the range and the filter.
 */
const NOW = new Date(2026, 5, 15, 12).getTime();
const DAY = 86_400_000;
const local = () => fakeBrowser.storage.local as unknown as StorageAreaLike;

let clock = NOW;
function job(id: string, overrides: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'generate',
    prompt: `prompt ${id}`,
    width: 64,
    height: 64,
    seed: null,
    status: 'success',
    error: null,
    image: null,
    rotate: null,
    groupId: null,
    startTime: NOW - 5000,
    endTime: NOW,
    duration: 4,
    createdAt: NOW,
    updatedAt: ++clock,
    deleted: false,
    usd: 0.01,
    ...overrides,
  } as Job;
}

const HISTORY: Job[] = [
  job('a', { prompt: 'knight' }),
  job('b', { prompt: 'knight', usd: 0.02 }),
  job('c', { prompt: 'slime', width: 32, height: 32, usd: 0.005, duration: 2 }),
  job('d', { prompt: 'castle', status: 'error', error: 'PixelLab answered 401: Invalid API token', usd: undefined }),
  job('e', { prompt: 'kind rotate', kind: 'rotate', usd: 0.03 }),
  // Twenty days ago: in "30 days" and "All", not in "7 days".
  job('old', { prompt: 'ancient', createdAt: NOW - 20 * DAY, usd: 1 }),
];

async function seedStore(jobs: Job[] = HISTORY) {
  await runMigrations(local());
  const store = createHistoryStore(local());
  await store.applyJobs(jobs);
  return store;
}

/** The index as the store wrote it (its pages, each checked against the schema). */
function storedEntries(): Promise<IndexEntry[]> {
  return readIndex(local());
}

function renderPane(overrides: Partial<InsightsPaneProps> = {}) {
  const props: InsightsPaneProps = {
    source: createInsightsSource(fakeBrowser.storage.local as unknown as PanelStorage),
    range: '7d',
    onRange: vi.fn(),
    entries: null,
    narrowed: null,
    narrowedLabel: null,
    spend: null,
    reason: null,
    onReason: vi.fn(),
    onExportLedger: vi.fn(),
    exporting: false,
    onClose: vi.fn(),
    now: () => NOW,
    ...overrides,
  };
  const view = render(<InsightsPane {...props} />);
  return {
    props,
    rerender: (next: Partial<InsightsPaneProps>) => view.rerender(<InsightsPane {...props} {...next} />),
  };
}

/** Storage reads through the fake browser: slow on a loaded machine. */
const slow = { timeout: 10_000 };
const kpi = (label: string) => screen.getByText(label).closest('.kpi')!.querySelector('dd')!.textContent;

describe('InsightsPane', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    clock = NOW;
  });
  afterEach(cleanup);

  it("shows the stored aggregates for the range, the companion's count of today, and the daily limit", async () => {
    await seedStore();
    renderPane({ spend: { todayUsd: 0.5, maxUsdPerDay: 10, resetsAt: NOW + DAY } });
    await waitFor(() => expect(kpi('Spent in range')).toBe(formatCost(0.065)), slow);
    // The guard also counts calls outside this history (the old API): its figure wins for the whole history.
    expect(screen.getByTestId('spent-today').textContent).toBe('$0.50');
    expect(screen.getByText('of $10.00 a day')).toBeTruthy();
    expect(kpi('Jobs')).toBe('5');
    expect(screen.getByText('1 failed')).toBeTruthy();
    expect(screen.getByTestId('spend-summary').textContent).toMatch(
      /^Spent \$0\.065 over 7 days: generate \$0\.035, rotate \$0\.03\. Most on Jun 15 \(\$0\.065\)\. Daily limit \$10\.00\./,
    );
    expect(screen.getByText(/64x64: median 4/)).toBeTruthy();
    // No rows at hand: the prompts wait for them rather than guess.
    expect(screen.getByText('Counting prompts…')).toBeTruthy();
  });

  it('a spend read before the companion’s midnight is not today’s: the jobs’ own sum is shown', async () => {
    await seedStore();
    renderPane({ spend: { todayUsd: 0.5, maxUsdPerDay: 10, resetsAt: NOW - 1 } });
    await waitFor(() => expect(screen.getByTestId('spent-today').textContent).toBe(formatCost(0.065)), slow);
    expect(screen.getByText('no daily limit')).toBeTruthy();
  });

  it('follows the range picker, and counts the top prompts once the rows are in', async () => {
    await seedStore();
    const entries = await storedEntries();
    let range: InsightsRange = '7d';
    const { rerender } = renderPane({ entries, onRange: (r) => (range = r) });
    await waitFor(() => expect(kpi('Jobs')).toBe('5'), slow);
    const prompts = screen.getByRole('region', { name: 'Top prompts' });
    await waitFor(
      () => expect(within(prompts).getAllByRole('listitem')[0]!.textContent).toMatch(/^knight2\$0\.03/),
      slow,
    );

    fireEvent.click(screen.getByRole('radio', { name: 'All' }));
    expect(range).toBe('all');
    rerender({ entries, range });
    await waitFor(() => expect(kpi('Jobs')).toBe('6'), slow);
    expect(kpi('Spent in range')).toBe(formatCost(1.065));
    expect(screen.getByRole('radio', { name: 'All' }).getAttribute('aria-checked')).toBe('true');
  });

  it('a narrowed history is counted from its own rows, and says what narrows it', async () => {
    await seedStore();
    const entries = await storedEntries();
    const knights = entries.filter((e) => e.prompt === 'knight');
    renderPane({
      entries,
      narrowed: knights,
      narrowedLabel: 'search “knight”',
      spend: { todayUsd: 0.5, maxUsdPerDay: null, resetsAt: NOW + DAY },
    });
    await waitFor(() => expect(kpi('Jobs')).toBe('2'), slow);
    expect(screen.getByText('Following the filter: search “knight”.')).toBeTruthy();
    // Today's spend of these jobs, not the guard's count of everything.
    expect(screen.getByTestId('spent-today').textContent).toBe(formatCost(0.03));
  });

  it('a failure reason is a button that picks it; the ledger is asked for the range in local days', async () => {
    await seedStore();
    const { props } = renderPane();
    const reasons = await screen.findByRole('region', { name: 'Why jobs failed' }, slow);
    const button = await within(reasons).findByRole('button', { name: /^Show the jobs that failed with/ }, slow);
    fireEvent.click(button);
    expect(props.onReason).toHaveBeenCalledWith('PixelLab answered 401');

    fireEvent.click(screen.getByRole('button', { name: 'Download ledger (CSV)' }));
    const from = new Date(2026, 5, 9).getTime();
    expect(props.onExportLedger).toHaveBeenCalledWith({ from, to: new Date(2026, 5, 16).getTime() });
  });

  it('reads the aggregates again when the background changes them', async () => {
    const store = await seedStore();
    renderPane();
    await waitFor(() => expect(kpi('Jobs')).toBe('5'), slow);
    await act(async () => {
      await store.applyJobs([job('f', { usd: 0.1 })]);
    });
    await waitFor(() => expect(kpi('Jobs')).toBe('6'), slow);
    expect(kpi('Spent in range')).toBe(formatCost(0.165));
  });

  it('with no aggregates and no rows yet it says it is counting, never zero', async () => {
    // Checked once the pane's read of the (empty) aggregates has come back, not after a fixed 20 ms that a loaded
    // machine could end before the read did (and then the check would see the state before it, proving nothing).
    const source = createInsightsSource(fakeBrowser.storage.local as unknown as PanelStorage);
    let readBack: () => void = () => undefined;
    const read = new Promise<void>((resolve) => (readBack = resolve));
    renderPane({ source: { ...source, read: (range, now) => source.read(range, now).finally(readBack) } });
    await act(async () => {
      await read;
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(screen.getByText('Counting…')).toBeTruthy();
    expect(screen.queryByTestId('spent-today')).toBeNull();
  });

  it('names boards by their records, and a board deleted since as such', async () => {
    await seedStore([
      job('a', { boards: ['board-forest'] }),
      job('b', { boards: ['board-forest', 'board-gone'], usd: 0.02 }),
    ]);
    const records = createRecordsReader();
    records.apply([{ kind: 'board', id: 'board-forest', name: 'Forest tileset', updatedAt: 1, deleted: false }]);
    render(
      <RecordsContext.Provider value={records}>
        <InsightsPane
          source={createInsightsSource(fakeBrowser.storage.local as unknown as PanelStorage)}
          range="7d"
          onRange={vi.fn()}
          entries={null}
          narrowed={null}
          narrowedLabel={null}
          spend={null}
          reason={null}
          onReason={vi.fn()}
          onExportLedger={vi.fn()}
          exporting={false}
          onClose={vi.fn()}
          now={() => NOW}
        />
      </RecordsContext.Provider>,
    );
    const boards = await screen.findByRole('heading', { name: 'Top boards' }, slow);
    const list = within(boards.closest('section')!);
    expect(list.getByText('Forest tileset')).toBeTruthy();
    expect(list.getByText('deleted board')).toBeTruthy();
    expect(list.queryByText('board-forest')).toBeNull();
  });
});
