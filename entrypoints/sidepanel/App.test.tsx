// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { storedJob as job, PNG, seedPanel as seed, renderPanel as setup } from '@/tests/helpers/panel-app';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';

describe('App', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(cleanup);

  it('paints the stored rows with images, stats and status, and tells the background it is open', async () => {
    await seed([job(1), job(2), job(3, { status: 'error', image: null, error: 'boom' })]);
    const { send, services } = setup();
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(3));
    await waitFor(() => expect(services.onFirstRowsPainted).toHaveBeenCalledTimes(1));
    expect(screen.getByAltText('stored prompt 1')).toBeTruthy();
    expect(document.querySelector('[data-job-id="job-3"]')!.getAttribute('data-status')).toBe('error');
    expect(document.querySelector('[data-stat="total"] dd')!.textContent).toBe('3');
    expect(screen.getByTestId('companion-status').textContent).toBe('Online');
    // The ping starts a sync run in the background: it goes once the first rows are in, not beside their reads.
    await waitFor(() => expect(send).toHaveBeenCalledWith({ type: 'panelOpen' }));
    const ping = send.mock.calls.findIndex(([intent]) => intent.type === 'panelOpen');
    expect(send.mock.invocationCallOrder[ping]).toBeGreaterThan(
      vi.mocked(services.onFirstRowsPainted!).mock.invocationCallOrder[0]!,
    );
    expect(screen.queryByTestId('offline-notice')).toBeNull();
  });

  it('shows the empty state, and the offline notice while still listing local history', async () => {
    setup();
    await waitFor(() => expect(screen.getByText('No jobs yet…')).toBeTruthy());
    cleanup();
    fakeBrowser.reset();
    await seed([job(1)], { [keys.sync]: { online: false, lastError: 'connect ECONNREFUSED 127.0.0.1:8787' } });
    setup();
    await waitFor(() => expect(screen.getByTestId('offline-notice').textContent).toContain('ECONNREFUSED'));
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(1));
  });

  it('before the first contact says "Connecting…" with no offline notice; new settings clear the old error', async () => {
    await seed([job(1)], { [keys.sync]: {} });
    setup();
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(1));
    expect(screen.getByTestId('companion-status').textContent).toBe('Connecting…');
    expect(screen.queryByTestId('offline-notice')).toBeNull();

    // The first attempt failed: now it is offline, with the reason, and the last sync's age.
    const lastSyncAt = Date.now() - 120_000;
    const failed = {
      online: false,
      lastSyncAt,
      apiKeyDetected: true,
      balanceUsd: 25,
      lastError: 'The companion at http://127.0.0.1:8787 is not reachable',
      nextAttemptAt: Date.now() + 5000,
    };
    await act(async () => {
      await fakeBrowser.storage.local.set({ [keys.sync]: failed });
    });
    await waitFor(() => expect(screen.getByTestId('offline-notice').textContent).toContain('is not reachable'));
    expect(screen.getByTestId('companion-status').textContent).toBe('Offline');
    expect(screen.getByTestId('last-sync').textContent).toBe('Last synced 2 min ago');
    // The last known balance is only in the tooltip and for screen readers, not shown as current.
    expect(screen.getByTestId('balance').textContent).toMatch(/^Balance —unknown/);
    expect(screen.getByTestId('status-bar').textContent).not.toContain('✓');

    // saveSettings cleared the error and forced a sync: no stale notice while it runs.
    await act(async () => {
      await fakeBrowser.storage.local.set({
        [keys.sync]: { ...failed, lastError: null, nextAttemptAt: null, syncing: true },
      });
    });
    await waitFor(() => expect(screen.queryByTestId('offline-notice')).toBeNull());
    expect(screen.getByTestId('companion-status').textContent).toBe('Connecting…');
  });

  it('offline, a new job is "saved" to run later, not "queued"; toasts name jobs by prompt and sit over the list caption', async () => {
    await seed(
      [
        job(3, {
          status: 'error',
          image: null,
          error: 'boom',
          prompt: 'a very long prompt about a knight holding a glowing lantern',
        }),
      ],
      {
        [keys.sync]: { online: false, lastError: 'not reachable', lastSyncAt: Date.now() - 60_000 },
      },
    );
    setup({ generate: { ok: true, ids: ['job-x'] } });
    await waitFor(() => expect(screen.getByTestId('offline-notice')).toBeTruthy());
    fireEvent.input(screen.getByLabelText('Prompt'), { target: { value: 'a mage' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() =>
      expect(screen.getByTestId('toast').textContent).toBe('Saved 1 job; it will run when the companion is back'),
    );
    expect(screen.getByTestId('toast').closest('.list-area')).not.toBeNull();

    await act(async () => {
      await fakeBrowser.storage.local.set({ [keys.sync]: { online: true, lastSyncAt: Date.now() } });
    });
    await waitFor(() => expect(screen.getByTestId('companion-status').textContent).toBe('Online'));
    await waitFor(() => expect(document.querySelector('[data-job-id="job-3"]')).not.toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Retry job-3' }));
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toBe('Retrying “a very long prompt about a…”'));
  });

  it('sends generate from the form and confirms with a toast', async () => {
    const { intents } = setup({ generate: { ok: true, ids: ['job-a', 'job-b'] } });
    fireEvent.click(screen.getByRole('button', { name: 'Wizard' }));
    fireEvent.input(screen.getByLabelText('Count'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toBe('Queued 2 jobs'));
    expect(intents()).toEqual([
      {
        type: 'generate',
        request: {
          prompt: 'wise old wizard with long beard, staff with glowing crystal',
          width: 64,
          height: 64,
          seed: null,
          count: 2,
        },
      },
    ]);
  });

  it('shows intent failures and storage errors in the alert banner', async () => {
    await seed([job(1)], { [keys.storageError]: { message: 'QUOTA_BYTES quota exceeded', at: 5 } });
    setup({ retry: { ok: false, error: 'Job job-1 is not failed' }, panelOpen: { ok: false, error: 'No background' } });
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toContain('Storage problem: QUOTA_BYTES quota exceeded'),
    );
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('No background'));
    await waitFor(() => expect(document.querySelector('[data-job-id="job-1"]')).not.toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'More actions for job-1' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Delete job-1' }));
    await act(async () => {});
    // A success is not an error.
    expect(screen.getByRole('alert').textContent).not.toContain('Delete');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss: Storage problem: QUOTA_BYTES quota exceeded' }));
    expect(screen.getByRole('alert').textContent).not.toContain('QUOTA');
  });

  it('asks before clearing history, mentioning the backup', async () => {
    const { intents } = setup();
    const clear = () => {
      fireEvent.click(screen.getByRole('button', { name: 'History data' }));
      fireEvent.click(screen.getByRole('menuitem', { name: 'Clear history' }));
    };
    clear();
    const dialog = screen.getByRole('alertdialog', { name: 'Clear history?' });
    expect(dialog.textContent).toContain('job_history.json.backup');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(intents()).toEqual([]);
    clear();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, clear history' }));
    await waitFor(() => expect(intents()).toEqual([{ type: 'clearHistory' }]));
  });

  it('imports a file through the import intent and reports the counts', async () => {
    const { intents } = setup({ import: { ok: true, imported: 3, skipped: 1 } });
    const text = JSON.stringify({ jobs: [], version: '1.0' });
    fireEvent.change(screen.getByLabelText('Import'), { target: { files: [new File([text], 'job_history.json')] } });
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toBe('Imported 3, skipped 1'));
    expect(intents()).toEqual([{ type: 'import', text }]);
  });

  it('sends a history too large for one message in parts, and adds up their counts', async () => {
    const { intents } = setup({ import: { ok: true, imported: 2, skipped: 1 } });
    // About 12 MiB of inline images: over one part (8 MiB), well under the browser's 64 MiB message limit.
    const pad = 'A'.repeat(1024 * 1024);
    const jobs = Array.from({ length: 12 }, (_, i) => ({
      id: `job-${i}`,
      prompt: `p${i}`,
      status: 'success',
      result: `data:image/png;base64,${pad}`,
    }));
    const text = JSON.stringify({ jobs, lastJobId: 12 });
    fireEvent.change(screen.getByLabelText('Import'), { target: { files: [new File([text], 'job_history.json')] } });
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toBe('Imported 4, skipped 2'));
    const sent = intents() as { type: string; text: string }[];
    expect(sent).toHaveLength(2);
    expect(sent.flatMap((i) => (JSON.parse(i.text) as { jobs: { id: string }[] }).jobs.map((j) => j.id))).toEqual(
      jobs.map((j) => j.id),
    );
  });

  it('wires row actions: reuse fills the form, rotate and download use the job', async () => {
    await seed([job(7, { seed: 99 })]);
    const { intents, services } = setup();
    await waitFor(() => expect(screen.getByAltText('stored prompt 7')).toBeTruthy());
    const menuItem = (name: string) => {
      fireEvent.click(screen.getByRole('button', { name: 'More actions for job-7' }));
      fireEvent.click(screen.getByRole('menuitem', { name }));
    };
    menuItem('Reuse job-7 in the form');
    await waitFor(() => expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('stored prompt 7'));
    expect((screen.getByLabelText('Width') as HTMLInputElement).value).toBe('48');
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe('99');

    // Rotate… opens the detail view, where the direction is picked.
    menuItem('Rotate job-7…');
    const detail = screen.getByRole('dialog', { name: 'stored prompt 7' });
    fireEvent.change(within(detail).getByLabelText('Direction'), { target: { value: 'south' } });
    fireEvent.click(within(detail).getByRole('button', { name: 'Rotate' }));
    fireEvent.click(within(detail).getByRole('button', { name: 'Close details' }));
    menuItem('Make 8 directions of job-7');
    await waitFor(() =>
      expect(intents()).toEqual([
        { type: 'rotate', id: 'job-7', toDirection: 'south' },
        { type: 'rotate8', id: 'job-7' },
      ]),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Download PNG of job-7' }));
    expect(services.downloadPng).toHaveBeenCalledWith(expect.objectContaining({ id: 'job-7' }), PNG);
    menuItem('Copy prompt of job-7');
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toBe('Prompt copied'));
    expect(services.copyText).toHaveBeenCalledWith('stored prompt 7');
  });

  it('follows storage changes: a new job from the background appears', async () => {
    await seed([job(1)]);
    setup();
    await waitFor(() => expect(document.querySelectorAll('[data-job-id]')).toHaveLength(1));
    const fresh = job(2, { status: 'running', image: null, createdAt: Date.now(), prompt: 'fresh one' });
    await act(async () => {
      await fakeBrowser.storage.local.set({
        [keys.job(fresh.id)]: fresh,
        [keys.head]: [fresh.id, 'job-1'],
        ...indexItems([
          { id: fresh.id, createdAt: fresh.createdAt, status: 'running', prompt: fresh.prompt },
          { id: 'job-1', createdAt: 1, status: 'success', prompt: 'stored prompt 1' },
        ]),
      });
    });
    await waitFor(() =>
      expect(document.querySelector('[data-job-id="job-2"]')?.getAttribute('data-status')).toBe('running'),
    );
    expect(document.querySelector('[data-job-id]')!.getAttribute('data-job-id')).toBe('job-2');
  });
});
