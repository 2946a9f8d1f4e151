// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { App, type PanelServices } from '@/entrypoints/sidepanel/App';
import type { Job } from '@/utils/domain/job';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import { createPanelData } from '@/utils/panel/data';
import type { PanelStorage } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import { toIndexEntry } from '@/utils/storage/layout';

/** The panel's workbench wiring over real panel data: delete goes to the trash with Undo, the trash view, queue control. */

function job(n: number, overrides: Partial<Job> = {}): Job {
  return {
    id: `job-${n}`,
    kind: 'generate',
    prompt: `prompt ${n}`,
    width: 48,
    height: 40,
    seed: n,
    status: 'success',
    error: null,
    image: null,
    rotate: null,
    groupId: null,
    startTime: 1,
    endTime: 2,
    duration: 1.5,
    createdAt: 1_700_000_000_000 - n * 1000,
    updatedAt: 2,
    deleted: false,
    ...overrides,
  };
}

async function seed(jobs: Job[], extra: Record<string, unknown> = {}) {
  const items: Record<string, unknown> = {
    [keys.head]: jobs.filter((j) => j.trashedAt == null).map((j) => j.id),
    ...indexItems(jobs.map(toIndexEntry)),
    [keys.sync]: { online: true, apiKeyDetected: true, lastSyncAt: Date.now() },
    [keys.outbox]: [],
    ...extra,
  };
  for (const j of jobs) items[keys.job(j.id)] = j;
  await fakeBrowser.storage.local.set(items);
}

function setup() {
  const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, {
    afterPaint: (run) => setTimeout(run, 0),
  });
  const send = vi.fn(async (_intent: IntentInput): Promise<IntentReply> => ({ ok: true, ids: ['job-1'] }));
  const services: PanelServices = {
    data,
    send,
    exportJson: vi.fn(async () => []),
    exportCsv: vi.fn(async () => ''),
    downloadBlob: vi.fn(),
    downloadPng: vi.fn(() => true),
    copyText: vi.fn(async () => {}),
  };
  void data.start();
  render(<App services={services} />);
  const intents = () => send.mock.calls.map((c) => c[0]).filter((i) => i.type !== 'panelOpen');
  return { data, send, intents };
}

describe('App: the workbench’s trash and queue', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(cleanup);

  it('Delete moves a job to the trash and offers Undo, which restores it', async () => {
    await seed([job(1), job(2)]);
    const { intents } = setup();
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: 'More actions for job-1' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Delete job-1' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Undo' })).toBeTruthy());
    expect(intents()).toEqual([{ type: 'organise', ids: ['job-1'], edit: { op: 'trash' } }]);
    expect(screen.getByText('Moved “prompt 1” to the trash')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(intents()).toHaveLength(2));
    expect(intents()[1]).toEqual({ type: 'organise', ids: ['job-1'], edit: { op: 'restore' } });
  });

  it('the trash holds what is trashed, out of the history; Trash shows it with Restore', async () => {
    await seed([job(1), job(2, { trashedAt: 1_700_000_000_000 })]);
    const { intents } = setup();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Trash (1)' })).toBeTruthy());
    await waitFor(() => expect(document.querySelectorAll('.job-row')).toHaveLength(1));
    fireEvent.click(screen.getByRole('button', { name: 'Trash (1)' }));
    const trash = screen.getByRole('region', { name: 'Trash' });
    fireEvent.click(within(trash).getByRole('button', { name: 'Restore “prompt 2”' }));
    await waitFor(() => expect(intents()).toEqual([{ type: 'organise', ids: ['job-2'], edit: { op: 'restore' } }]));
  });

  it('pause shows while jobs wait; a waiting row moves and cancels by the queue’s order', async () => {
    await seed([job(1, { status: 'queued' }), job(2, { status: 'queued' }), job(3, { status: 'idle' })], {
      [keys.records]: [{ kind: 'queue', id: 'queue', paused: true, order: ['job-1'], updatedAt: 5 }],
    });
    const { intents } = setup();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Resume queue' })).toBeTruthy());
    expect(screen.getByText('Queue paused: 3 waiting. Nothing new starts.')).toBeTruthy();
    // Order: job-1 (listed), then the rest oldest first: job-3 (created earliest), job-2.
    expect((screen.getByRole('button', { name: 'Move up “prompt 1”' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Move down “prompt 2”' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Move up “prompt 2”' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel “prompt 3”' }));
    fireEvent.click(screen.getByRole('button', { name: 'Resume queue' }));
    await waitFor(() => expect(intents()).toHaveLength(3));
    expect(intents()).toEqual([
      { type: 'queue', action: 'move', ids: ['job-2'], before: 'job-3' },
      { type: 'cancel', ids: ['job-3'] },
      { type: 'queue', action: 'resume' },
    ]);
    // A change of the record shows at once.
    await act(() =>
      fakeBrowser.storage.local.set({
        [keys.records]: [{ kind: 'queue', id: 'queue', paused: false, order: [], updatedAt: 6 }],
      }),
    );
    await waitFor(() => expect(screen.getByRole('button', { name: 'Pause queue' })).toBeTruthy());
  });
});
