// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { syncStateSchema } from '../utils/history-layout';
import { StatusBar } from './StatusBar';
import { StatsBar } from './StatsBar';

afterEach(cleanup);

const NOW = 1_700_000_000_000;

describe('StatusBar', () => {
  it('shows online state, API key, balance, last sync and pending changes', () => {
    const onSyncNow = vi.fn();
    const sync = syncStateSchema.parse({ online: true, apiKeyDetected: true, balanceUsd: 12.5, lastSyncAt: NOW - 120_000 });
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

  it('shows offline, no key and never synced', () => {
    const sync = syncStateSchema.parse({ online: false, apiKeyDetected: false, lastError: 'connect ECONNREFUSED' });
    render(<StatusBar sync={sync} pending={0} onSyncNow={() => {}} clock={() => NOW} />);
    expect(screen.getByTestId('companion-status').textContent).toBe('Offline');
    expect(screen.getByTestId('companion-status').getAttribute('title')).toBe('connect ECONNREFUSED');
    expect(screen.getByText('No API key')).toBeTruthy();
    expect(screen.getByText('Never synced')).toBeTruthy();
    expect(screen.getByText('All saved')).toBeTruthy();
    expect(screen.queryByTestId('balance')).toBeNull();
  });
});

describe('StatsBar', () => {
  it('shows the counts and the average duration from the stats key', () => {
    render(<StatsBar stats={{ total: 10_000, idle: 2, queued: 3, running: 1, success: 9000, error: 994, avgDuration: 3.21 }} />);
    const value = (key: string) => document.querySelector(`[data-stat="${key}"] dd`)!.textContent;
    expect(value('total')).toBe('10,000');
    expect(value('queued')).toBe('3');
    expect(value('running')).toBe('1');
    expect(value('success')).toBe('9,000');
    expect(value('error')).toBe('994');
    expect(value('avg')).toBe('3.2 s');
    expect(screen.getByText('Completed')).toBeTruthy();
  });

  it('shows dashes before stats exist', () => {
    render(<StatsBar stats={null} />);
    expect(document.querySelector('[data-stat="total"] dd')!.textContent).toBe('–');
  });
});
