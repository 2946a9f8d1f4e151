import { useEffect, useState } from 'preact/hooks';
import type { SyncState } from '../utils/history-layout';
import { formatAge, formatUsd } from './format';
import { SyncIcon } from './icons';
import { PairingPrompt } from './PairingPrompt';

export interface StatusBarProps {
  sync: SyncState;
  /** Outbox length plus waiting jobs; null until known. */
  pending: number | null;
  onSyncNow(): void;
  /** True while the Sync now intent is on its way. */
  busy?: boolean;
  /** "Pair with companion": shown while the companion requires pairing. */
  onPairStart?(): unknown;
  /** The typed pairing code; resolves true when the companion took it. */
  onPairConfirm?(code: string): Promise<boolean> | boolean;
  clock?: () => number;
}

export function StatusBar({ sync, pending, onSyncNow, busy = false, onPairStart, onPairConfirm, clock = Date.now }: StatusBarProps) {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), 15_000);
    return () => clearInterval(timer);
  }, [clock]);
  // Re-read the clock whenever the sync state changes, so "just now" is right after a sync.
  useEffect(() => setNow(clock()), [sync, clock]);

  const synced = sync.syncing ? 'Syncing…' : sync.lastSyncAt ? `Synced ${formatAge(sync.lastSyncAt, now)}` : 'Never synced';
  const syncing = busy || sync.syncing;

  return (
    <section class="status-bar" aria-label="Companion status" data-testid="status-bar">
      <span class="conn" data-testid="companion-status" data-online={sync.online ? 'true' : 'false'} title={sync.lastError ?? undefined}>
        <span class="dot" aria-hidden="true" />
        {sync.online ? 'Online' : 'Offline'}
      </span>
      <p class="status-details">
        <span class="status-item" data-testid="api-key-status" data-key={String(sync.apiKeyDetected)}>
          {sync.apiKeyDetected === true ? (
            <>
              API key <span aria-hidden="true">✓</span>
              <span class="visually-hidden">detected</span>
            </>
          ) : sync.apiKeyDetected === false ? (
            'No API key'
          ) : (
            'API key unknown'
          )}
        </span>
        {sync.balanceUsd !== null && (
          <span class="status-item" data-testid="balance">
            <span class="visually-hidden">Balance </span>
            {formatUsd(sync.balanceUsd)}
          </span>
        )}
        <span class="status-item" data-testid="last-sync">
          {sync.lastSyncAt && !sync.syncing ? <time dateTime={new Date(sync.lastSyncAt).toISOString()}>{synced}</time> : synced}
        </span>
        <span class="status-item" data-testid="pending-changes" data-pending={pending ?? ''}>
          {pending === null ? 'Pending: …' : pending === 0 ? 'All saved' : `${pending.toLocaleString('en-US')} pending`}
        </span>
      </p>
      <button type="button" class="btn small sync-btn" onClick={onSyncNow} aria-busy={syncing ? 'true' : undefined} disabled={busy}>
        <span class={syncing ? 'spin' : undefined}>
          <SyncIcon />
        </span>
        Sync now
      </button>
      {(sync.pairing === 'required' || sync.pairingRequest !== null) && onPairStart && onPairConfirm && (
        <PairingPrompt request={sync.pairingRequest} onStart={onPairStart} onConfirm={onPairConfirm} clock={clock} />
      )}
    </section>
  );
}
