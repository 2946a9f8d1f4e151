// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { App, type PanelServices } from '@/entrypoints/sidepanel/App';
import type { Job } from '@/utils/domain/job';
import { createHistoryStore } from '@/utils/history/store';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import { createPanelData } from '@/utils/panel/data';
import { createInsightsSource } from '@/utils/panel/insights-source';
import type { PanelStorage, StorageAreaLike } from '@/utils/storage/area';
import { keys } from '@/utils/storage/keys';
import { runMigrations } from '@/utils/storage/migrations';

/**
 * Insights in the panel: opened by its visible name (its chunk imported then), over what the real background
 * store wrote; a failure reason filters the history, and the ledger downloads through the background.
 */
const storage = () => fakeBrowser.storage.local as unknown as PanelStorage;

function job(id: string, overrides: Partial<Job> = {}): Job {
  const now = Date.now();
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
    startTime: now - 3000,
    endTime: now,
    duration: 3,
    createdAt: now - Number(id.replace(/\D/g, '') || 0) * 1000,
    updatedAt: now,
    deleted: false,
    usd: 0.0125,
    ...overrides,
  } as Job;
}

async function seed() {
  await runMigrations(fakeBrowser.storage.local as unknown as StorageAreaLike);
  await createHistoryStore(fakeBrowser.storage.local as unknown as StorageAreaLike).applyJobs([
    job('j1'),
    job('j2'),
    job('j3', { status: 'error', error: 'PixelLab rate limit reached (429): slow down', usd: undefined }),
  ]);
  await fakeBrowser.storage.local.set({ [keys.sync]: { online: true, lastSyncAt: Date.now() } });
}

function setup() {
  const data = createPanelData(storage(), { afterPaint: (run) => setTimeout(run, 0) });
  const send = vi.fn(
    async (intent: IntentInput): Promise<IntentReply> =>
      intent.type === 'exportLedger'
        ? { ok: true, text: 'at,job,kind,size,usd,estimated\r\n', message: '0 paid calls' }
        : { ok: true },
  );
  const services: PanelServices = {
    data,
    send,
    exportJson: vi.fn(async () => []),
    exportCsv: vi.fn(async () => ''),
    downloadBlob: vi.fn(),
    downloadPng: vi.fn(() => true),
    copyText: vi.fn(async () => {}),
    insights: async () => createInsightsSource(storage()),
  };
  void data.start();
  render(<App services={services} />);
  return { send, services };
}

/** The first open imports Insights' chunk (and vitest transforms it): slow on a loaded machine. */
const slow = { timeout: 10_000 };
const rows = () => [...document.querySelectorAll('[data-job-id]')].map((r) => r.getAttribute('data-job-id'));

describe('Insights in the panel', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(cleanup);

  it('opens by its name, reads the stored numbers, and a failure reason filters the history to its jobs', async () => {
    await seed();
    const { send } = setup();
    await waitFor(() => expect(rows()).toHaveLength(3), slow);
    // The form's cost preview: the newest 64x64 price the background's aggregates hold.
    await waitFor(() => expect(screen.getByTestId('cost-preview').textContent).toBe('About $0.0125'), slow);
    const open = screen.getByRole('button', { name: 'Insights' });
    expect(open.getAttribute('aria-pressed')).toBe('false');

    fireEvent.click(open);
    expect(open.getAttribute('aria-pressed')).toBe('true');
    expect(send).toHaveBeenCalledWith({ type: 'refreshSpend' });
    await waitFor(() => expect(screen.getByTestId('spent-today').textContent).toBe('$0.025'), slow);
    expect(rows()).toHaveLength(0);
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Insights' }));

    const reasons = screen.getByRole('region', { name: 'Why jobs failed' });
    fireEvent.click(within(reasons).getByRole('button', { name: /failed with “PixelLab rate limit reached \(429\)”/ }));
    await waitFor(() => expect(rows()).toEqual(['j3']), slow);
    expect(screen.getByTestId('reason-filter').textContent).toContain('PixelLab rate limit reached (429)');

    // Insights follows the filter now.
    fireEvent.click(screen.getByRole('button', { name: 'Insights' }));
    await waitFor(() => expect(screen.getByText(/^Following the filter: failed with/)).toBeTruthy(), slow);
    fireEvent.click(screen.getByRole('button', { name: 'Back to history' }));
    await waitFor(() => expect(rows()).toEqual(['j3']), slow);

    fireEvent.click(screen.getByRole('button', { name: /^Remove filter: Failed with/ }));
    await waitFor(() => expect(rows()).toHaveLength(3), slow);
    expect(screen.queryByTestId('reason-filter')).toBeNull();
  });

  it("downloads the range's ledger through the background as a CSV file", async () => {
    await seed();
    const { send, services } = setup();
    await waitFor(() => expect(rows()).toHaveLength(3), slow);
    fireEvent.click(screen.getByRole('button', { name: 'Insights' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Download ledger (CSV)' }, slow));
    await waitFor(() => expect(services.downloadBlob).toHaveBeenCalledTimes(1), slow);
    const ledger = send.mock.calls.map((c) => c[0]).find((i) => i.type === 'exportLedger');
    expect(ledger).toMatchObject({ type: 'exportLedger', from: expect.any(Number), to: expect.any(Number) });
    const { from, to } = ledger as { from: number; to: number };
    // Seven local days, today included.
    expect(Math.round((to - from) / 86_400_000)).toBe(7);
    expect(to).toBeGreaterThan(Date.now());
    const [blob, name] = vi.mocked(services.downloadBlob).mock.calls[0]!;
    expect(name).toMatch(/^pixellab-ledger-.*\.csv$/);
    expect(await blob.text()).toBe('at,job,kind,size,usd,estimated\r\n');
  });
});
