import { useEffect, useState } from 'preact/hooks';
import { DeviceSyncLine } from '@/components/DeviceSyncLine';
import { formatAge, formatCost, formatCount, formatUsd } from '@/components/format';
import { SyncIcon } from '@/components/icons';
import { PairingPrompt } from '@/components/PairingPrompt';
import type { SyncState } from '@/utils/storage/layout';

/**
 * What the panel may say about the companion:
 * - `online`: the last attempt reached it;
 * - `offline`: an attempt failed (an error, or a backoff until the next one);
 * - `connecting`: no answer either way yet (before the background's first contact, or right after
 *   new settings cleared the old error), so neither "Online" nor "Offline" would be true.
 */
export type Connection = 'online' | 'offline' | 'connecting';

export function connectionOf(sync: SyncState): Connection {
  if (sync.online) return 'online';
  return sync.lastError !== null || sync.nextAttemptAt !== null ? 'offline' : 'connecting';
}

const CONNECTION_LABELS: Record<Connection, string> = {
  online: 'Online',
  offline: 'Offline',
  connecting: 'Connecting…',
};

/** How often ages ("Last synced 25 s ago") are redrawn. */
const TICK_MS = 5_000;

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
  /** The companion's pairing approval page, offered beside the code. */
  pairPageUrl?: string;
  /** False when the panel shows its own SyncNowButton elsewhere (the header). */
  syncButton?: boolean;
  clock?: () => number;
}

export interface SyncNowButtonProps {
  sync: SyncState;
  onSyncNow(): void;
  busy?: boolean;
}

/** "Sync now": spins while a sync runs, disabled while the intent is on its way. */
export function SyncNowButton({ sync, onSyncNow, busy = false }: SyncNowButtonProps) {
  const syncing = busy || sync.syncing;
  return (
    <button
      type="button"
      class="btn small sync-btn"
      onClick={onSyncNow}
      aria-busy={syncing ? 'true' : undefined}
      disabled={busy}
    >
      <span class={syncing ? 'spin' : undefined}>
        <SyncIcon />
      </span>
      Sync now
    </button>
  );
}

/** "—" for a value the companion cannot confirm right now; the last known one in its tooltip. */
function Unknown({ lastKnown }: { lastKnown?: string }) {
  return (
    <>
      <span aria-hidden="true" title={lastKnown ? `Last known: ${lastKnown}` : undefined}>
        —
      </span>
      <span class="visually-hidden">unknown{lastKnown ? ` (last known: ${lastKnown})` : ''}</span>
    </>
  );
}

export function StatusBar({
  sync,
  pending,
  onSyncNow,
  busy = false,
  onPairStart,
  onPairConfirm,
  pairPageUrl,
  syncButton = true,
  clock = Date.now,
}: StatusBarProps) {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), TICK_MS);
    return () => clearInterval(timer);
  }, [clock]);
  // Re-read the clock whenever the sync state changes, so "just now" is right after a sync.
  useEffect(() => setNow(clock()), [sync, clock]);

  const connection = connectionOf(sync);
  const online = connection === 'online';
  const age = sync.lastSyncAt ? formatAge(sync.lastSyncAt, now) : '';
  // A figure read before the companion's midnight is yesterday's: say nothing rather than the wrong day.
  const spendToday = sync.spend && now < sync.spend.resetsAt ? sync.spend.todayUsd : null;
  // Online, the values are the companion's answer of moments ago; otherwise they may be stale.
  const synced = online
    ? sync.syncing
      ? 'Syncing…'
      : age
        ? `Synced ${age}`
        : 'Never synced'
    : age
      ? `Last synced ${age}`
      : 'Never synced';
  const lastKey = sync.apiKeyDetected === true ? 'detected' : sync.apiKeyDetected === false ? 'none' : undefined;

  return (
    <section class="status-bar" aria-label="Companion status" data-testid="status-bar">
      <span
        class="conn"
        data-testid="companion-status"
        data-online={sync.online ? 'true' : 'false'}
        data-state={connection}
        title={sync.lastError ?? undefined}
      >
        <span class="dot" aria-hidden="true" />
        {CONNECTION_LABELS[connection]}
      </span>
      <p class="status-details">
        <span
          class="status-item"
          data-testid="api-key-status"
          data-key={online ? String(sync.apiKeyDetected) : 'unknown'}
        >
          {!online ? (
            <>
              API key <Unknown lastKnown={lastKey} />
            </>
          ) : sync.apiKeyDetected === true ? (
            <>
              API key <span aria-hidden="true">✓</span>
              <span class="visually-hidden">detected</span>
            </>
          ) : sync.apiKeyDetected === false ? (
            'No API key'
          ) : (
            <>
              API key <Unknown />
            </>
          )}
        </span>
        {sync.balanceUsd !== null &&
          (online ? (
            <span class="status-item" data-testid="balance">
              <span class="visually-hidden">Balance </span>
              {formatUsd(sync.balanceUsd)}
            </span>
          ) : (
            <span class="status-item" data-testid="balance" data-stale="true">
              Balance <Unknown lastKnown={formatUsd(sync.balanceUsd)} />
            </span>
          ))}
        {spendToday !== null && (
          <span
            class="status-item"
            data-testid="spend-today"
            title={
              sync.spend?.maxUsdPerDay != null ? 'Spent today, of the daily limit set on the companion' : undefined
            }
          >
            Today {formatCost(spendToday)}
            {sync.spend?.maxUsdPerDay != null && ` of ${formatUsd(sync.spend.maxUsdPerDay)}`}
          </span>
        )}
        <span class="status-item" data-testid="last-sync">
          {age && !(online && sync.syncing) ? (
            <time dateTime={new Date(sync.lastSyncAt!).toISOString()}>{synced}</time>
          ) : (
            synced
          )}
        </span>
        <span class="status-item" data-testid="pending-changes" data-pending={pending ?? ''}>
          {pending === null ? 'Pending: …' : pending === 0 ? 'All saved' : `${formatCount(pending)} pending`}
        </span>
      </p>
      {syncButton && <SyncNowButton sync={sync} onSyncNow={onSyncNow} busy={busy} />}
      {/* The companion's own answer of moments ago: while it is unreachable, its sync state is unknown too. */}
      {online && sync.deviceSync && <DeviceSyncLine status={sync.deviceSync} now={now} />}
      {(sync.pairing === 'required' || sync.pairingRequest !== null) && onPairStart && onPairConfirm && (
        <PairingPrompt
          request={sync.pairingRequest}
          onStart={onPairStart}
          onConfirm={onPairConfirm}
          pageUrl={pairPageUrl}
          clock={clock}
        />
      )}
    </section>
  );
}
