// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { PairingPrompt } from '@/components/PairingPrompt';
import { StatusBar } from '@/components/StatusBar';
import { App, type PanelServices } from '@/entrypoints/sidepanel/App';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import { createPanelData } from '@/utils/panel/data';
import type { PanelStorage } from '@/utils/storage/area';
import { indexItems } from '@/utils/storage/index-pages';
import { keys } from '@/utils/storage/keys';
import { syncStateSchema } from '@/utils/storage/layout';

afterEach(cleanup);

const NOW = 1_700_000_000_000;
const request = { requestId: 'req-1', expiresAt: NOW + 120_000 };

describe('StatusBar', () => {
  it('shows "Pair with companion" only while the companion requires pairing', () => {
    const onPairStart = vi.fn();
    const props = { pending: 0, onSyncNow: () => {}, onPairStart, onPairConfirm: () => true, clock: () => NOW };
    const { rerender } = render(
      <StatusBar sync={syncStateSchema.parse({ online: true, auth: 'pairing' })} {...props} />,
    );
    expect(screen.queryByRole('button', { name: 'Pair with companion' })).toBeNull();

    rerender(
      <StatusBar sync={syncStateSchema.parse({ online: true, auth: 'pairing', pairing: 'required' })} {...props} />,
    );
    const statusBar = screen.getByRole('region', { name: 'Companion status' });
    const button = screen.getByRole('button', { name: 'Pair with companion' });
    expect(statusBar.contains(button)).toBe(true);
    expect(screen.getByText('This companion asks to pair before it syncs.')).toBeTruthy();
    expect(screen.queryByLabelText('Pairing code')).toBeNull();
    fireEvent.click(button);
    expect(onPairStart).toHaveBeenCalledTimes(1);
  });
});

describe('PairingPrompt', () => {
  it('asks for the printed code with its hint, and sends it on Confirm pairing', async () => {
    const onConfirm = vi.fn(async () => true);
    render(<PairingPrompt request={request} onStart={() => {}} onConfirm={onConfirm} clock={() => NOW + 15_000} />);
    const input = screen.getByLabelText('Pairing code') as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    const hint = document.getElementById(input.getAttribute('aria-describedby')!)!;
    expect(hint.textContent).toBe('Enter the code the companion printed');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(screen.getByTestId('pairing-expiry').textContent).toBe('expires in 105 s');

    fireEvent.input(input, { target: { value: '042 917' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm pairing' }));
    await waitFor(() => expect(onConfirm).toHaveBeenCalledWith('042917'));
  });

  it('says what is wrong with a code that is not six digits, without sending it', async () => {
    const onConfirm = vi.fn(async () => true);
    render(<PairingPrompt request={request} onStart={() => {}} onConfirm={onConfirm} clock={() => NOW} />);
    const input = screen.getByLabelText('Pairing code');
    fireEvent.input(input, { target: { value: '12a' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm pairing' }));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('pairing-code-hint pairing-code-error');
    expect(screen.getByText('The code is 6 digits.')).toBeTruthy();
  });

  it('hides the field once the code expired and offers a new one', () => {
    let now = NOW;
    vi.useFakeTimers();
    try {
      render(<PairingPrompt request={request} onStart={() => {}} onConfirm={() => true} clock={() => now} />);
      expect(screen.getByLabelText('Pairing code')).toBeTruthy();
      now = request.expiresAt;
      act(() => void vi.advanceTimersByTime(1000));
      expect(screen.queryByLabelText('Pairing code')).toBeNull();
      expect(screen.getByText('The pairing code expired: ask for a new one.')).toBeTruthy();
      expect(screen.getByRole('button', { name: 'Pair with companion' })).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the panel', () => {
  beforeEach(() => fakeBrowser.reset());

  /** The panel with storage as the background left it, and the background played by `replies`. */
  async function open(sync: Record<string, unknown>, replies: Partial<Record<IntentInput['type'], IntentReply[]>>) {
    await fakeBrowser.storage.local.set({
      [keys.head]: [],
      ...indexItems([]),
      [keys.stats]: { total: 0, idle: 0, queued: 0, running: 0, success: 0, error: 0, avgDuration: null },
      [keys.outbox]: [],
      [keys.sync]: { online: true, auth: 'pairing', lastSyncAt: null, ...sync },
    });
    const data = createPanelData(fakeBrowser.storage.local as unknown as PanelStorage, {
      afterPaint: (run) => setTimeout(run, 0),
    });
    const send = vi.fn(
      async (intent: IntentInput): Promise<IntentReply> => replies[intent.type]?.shift() ?? { ok: true },
    );
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
    return { send, intents };
  }

  it('pairs through intents only, shows a wrong code in the alert banner, and hides the prompt once paired', async () => {
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    const { intents } = await open(
      { pairing: 'required' },
      {
        pairConfirm: [
          { ok: false, error: 'Wrong pairing code; 4 tries left.' },
          { ok: true, message: 'Paired with the companion' },
        ],
      },
    );
    set.mockClear();
    fireEvent.click(await screen.findByRole('button', { name: 'Pair with companion' }));
    await waitFor(() => expect(intents()).toEqual([{ type: 'pairStart' }]));

    // The background stored the request; the panel follows storage.
    await act(async () => {
      await fakeBrowser.storage.local.set({
        [keys.sync]: {
          online: true,
          auth: 'pairing',
          pairing: 'required',
          pairingRequest: { requestId: 'r', expiresAt: Date.now() + 120_000 },
        },
      });
    });
    const input = await screen.findByLabelText('Pairing code');

    fireEvent.input(input, { target: { value: '111111' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm pairing' }));
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('Wrong pairing code; 4 tries left.');

    fireEvent.input(input, { target: { value: '222222' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm pairing' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(screen.getByTestId('toast').textContent).toBe('Paired with the companion');
    expect(intents()).toEqual([
      { type: 'pairStart' },
      { type: 'pairConfirm', code: '111111' },
      { type: 'pairConfirm', code: '222222' },
    ]);

    await act(async () => {
      await fakeBrowser.storage.local.set({
        [keys.sync]: { online: true, auth: 'pairing', pairing: null, pairingRequest: null },
      });
    });
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Pair with companion' })).toBeNull());
    expect(screen.queryByLabelText('Pairing code')).toBeNull();
    // Only this test wrote storage, standing in for the background: the panel never did.
    expect(set.mock.calls.every((c) => Object.keys(c[0] as object).every((k) => k === keys.sync))).toBe(true);
    expect(set).toHaveBeenCalledTimes(2);
  });

  it('shows a failed pairStart (expired, offline) in the banner in plain words', async () => {
    await open(
      { pairing: 'required' },
      {
        pairStart: [
          {
            ok: false,
            error: 'Could not start pairing: The companion at http://127.0.0.1:8787 is not reachable (fetch failed).',
          },
        ],
      },
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Pair with companion' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Could not start pairing: The companion at http://127.0.0.1:8787 is not reachable',
    );
  });
});
