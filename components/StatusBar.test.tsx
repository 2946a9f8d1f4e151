// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectionOf, StatusBar } from '@/components/StatusBar';
import { syncStateSchema } from '@/utils/storage/layout';

afterEach(cleanup);

const NOW = 1_700_000_000_000;

describe('StatusBar', () => {
  it('shows online state, API key, balance, last sync and pending changes', () => {
    const onSyncNow = vi.fn();
    const sync = syncStateSchema.parse({
      online: true,
      apiKeyDetected: true,
      balanceUsd: 12.5,
      lastSyncAt: NOW - 120_000,
    });
    render(<StatusBar sync={sync} pending={3} onSyncNow={onSyncNow} clock={() => NOW} />);
    expect(screen.getByTestId('companion-status').textContent).toBe('Online');
    expect(screen.getByTestId('companion-status').getAttribute('data-online')).toBe('true');
    expect(screen.getByTestId('api-key-status').textContent).toBe('API key ✓detected');
    expect(screen.getByTestId('balance').textContent).toBe('Balance $12.50');
    expect(screen.getByText('Synced 2 min ago')).toBeTruthy();
    expect(screen.getByText('3 pending')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    expect(onSyncNow).toHaveBeenCalledTimes(1);
  });

  it("shows today's spend with the daily limit, and drops it once the companion's day has ended", () => {
    const spend = { todayUsd: 0.0421, maxUsdPerDay: 10, resetsAt: NOW + 3_600_000 };
    const sync = syncStateSchema.parse({ online: true, lastSyncAt: NOW, spend });
    const { rerender } = render(<StatusBar sync={sync} pending={0} onSyncNow={() => {}} clock={() => NOW} />);
    expect(screen.getByTestId('spend-today').textContent).toBe('Today $0.0421 of $10.00');
    const noLimit = syncStateSchema.parse({ online: true, lastSyncAt: NOW, spend: { ...spend, maxUsdPerDay: null } });
    rerender(<StatusBar sync={noLimit} pending={0} onSyncNow={() => {}} clock={() => NOW} />);
    expect(screen.getByTestId('spend-today').textContent).toBe('Today $0.0421');
    cleanup();
    render(<StatusBar sync={sync} pending={0} onSyncNow={() => {}} clock={() => NOW + 3_600_000} />);
    expect(screen.queryByTestId('spend-today')).toBeNull();
  });

  it('offline: says when it last synced (ticking), and shows the key and balance as unknown, not stale', async () => {
    vi.useFakeTimers();
    try {
      let now = NOW;
      const sync = syncStateSchema.parse({
        online: false,
        apiKeyDetected: true,
        balanceUsd: 25,
        lastSyncAt: NOW - 180_000,
        lastError: 'connect ECONNREFUSED',
        nextAttemptAt: NOW + 10_000,
      });
      render(<StatusBar sync={sync} pending={1} onSyncNow={() => {}} clock={() => now} />);
      const status = screen.getByTestId('companion-status');
      expect(status.textContent).toBe('Offline');
      expect(status.getAttribute('data-online')).toBe('false');
      expect(status.getAttribute('data-state')).toBe('offline');
      expect(status.getAttribute('title')).toBe('connect ECONNREFUSED');
      expect(screen.getByTestId('last-sync').textContent).toBe('Last synced 3 min ago');
      expect(screen.getByTestId('api-key-status').textContent).toBe('API key —unknown (last known: detected)');
      expect(screen.getByTestId('balance').textContent).toBe('Balance —unknown (last known: $25.00)');
      expect(screen.getByTestId('status-bar').textContent).not.toContain('✓');
      expect(screen.getByText('1 pending')).toBeTruthy();
      now += 60_000;
      await act(async () => {
        vi.advanceTimersByTime(5_000);
      });
      expect(screen.getByTestId('last-sync').textContent).toBe('Last synced 4 min ago');
    } finally {
      vi.useRealTimers();
    }
  });

  it('before the first contact: "Connecting…", not "Offline"', () => {
    const sync = syncStateSchema.parse({});
    render(<StatusBar sync={sync} pending={0} onSyncNow={() => {}} clock={() => NOW} />);
    expect(screen.getByTestId('companion-status').textContent).toBe('Connecting…');
    expect(screen.getByTestId('companion-status').getAttribute('data-state')).toBe('connecting');
    expect(screen.getByText('Never synced')).toBeTruthy();
    expect(screen.getByText('All saved')).toBeTruthy();
    expect(screen.queryByTestId('balance')).toBeNull();
  });

  it('online without a key says so; the Sync now button can live elsewhere', () => {
    const sync = syncStateSchema.parse({ online: true, apiKeyDetected: false, lastSyncAt: NOW });
    render(<StatusBar sync={sync} pending={0} onSyncNow={() => {}} syncButton={false} clock={() => NOW} />);
    expect(screen.getByText('No API key')).toBeTruthy();
    expect(screen.getByText('Synced just now')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sync now' })).toBeNull();
  });
});

describe('connectionOf', () => {
  it('is offline only after an attempt failed', () => {
    expect(connectionOf(syncStateSchema.parse({}))).toBe('connecting');
    expect(connectionOf(syncStateSchema.parse({ syncing: true }))).toBe('connecting');
    // New settings cleared the old error: the next attempt decides.
    expect(connectionOf(syncStateSchema.parse({ lastSyncAt: NOW - 60_000, syncing: true }))).toBe('connecting');
    expect(connectionOf(syncStateSchema.parse({ lastError: 'not reachable' }))).toBe('offline');
    expect(connectionOf(syncStateSchema.parse({ nextAttemptAt: NOW + 5_000 }))).toBe('offline');
    expect(connectionOf(syncStateSchema.parse({ online: true, lastError: 'internal' }))).toBe('online');
  });
});
