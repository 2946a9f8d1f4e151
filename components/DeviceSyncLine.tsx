import { formatAge, plural } from '@/components/format';
import type { DeviceSyncStatus } from '@/utils/domain/device-sync';

/** The state words of every-device sync: what the line says after "Device sync:". */
export function deviceSyncSummary(status: DeviceSyncStatus, now: number): string {
  const { state } = status;
  switch (state.kind) {
    case 'synced': {
      const age = formatAge(state.at, now) || 'just now';
      return `synced ${age} with ${status.target}`;
    }
    case 'offline':
      return state.at === null ? 'offline' : `offline (last synced ${formatAge(state.at, now) || 'just now'})`;
    case 'passphrase':
      return 'passphrase needed';
    case 'starting':
      return `starting with ${status.target}…`;
  }
}

export interface DeviceSyncLineProps {
  status: DeviceSyncStatus;
  now: number;
}

/**
 * Where the companion's every-device sync stands (issue 22), one line under the status bar that opens to the
 * devices: "Device sync: synced 12 s ago with …", "offline" (the error below it), "passphrase needed".
 */
export function DeviceSyncLine({ status, now }: DeviceSyncLineProps) {
  const { state } = status;
  const others = status.devices.length;
  const why = state.kind === 'offline' ? state.error : state.kind === 'passphrase' ? state.message : null;
  return (
    <details class="device-sync" data-testid="device-sync" data-state={state.kind}>
      <summary title={status.target}>
        <span class="device-sync-dot" aria-hidden="true" />
        <span class="device-sync-text">
          Device sync: {deviceSyncSummary(status, now)}
          {` · ${plural(others, 'other device')}`}
          {status.readonly && ' · read-only'}
          {status.quarantined > 0 && ` · ${status.quarantined} set aside`}
        </span>
      </summary>
      <div class="device-sync-details">
        {why && (
          <p class="device-sync-why" role="note">
            {why}
          </p>
        )}
        <p>
          This device: <strong>{status.device.name}</strong>
          {status.author && ` (jobs made here show as ${status.author})`}
          {status.readonly && '. Read-only: nothing made here goes to the other devices.'}
        </p>
        <p class="device-sync-target">
          Target: <code>{status.target}</code>
        </p>
        {others > 0 && (
          <ul class="device-sync-devices" aria-label="Other devices">
            {status.devices.map((device) => (
              <li key={device.id}>
                {device.name ?? <em>unnamed</em>} <code>{device.id.slice(0, 10)}</code>
                {device.lastSeen !== null && ` · last wrote ${formatAge(device.lastSeen, now) || 'just now'}`}
              </li>
            ))}
          </ul>
        )}
        {status.quarantined > 0 && (
          <p>
            {plural(status.quarantined, 'file or line')} on the target could not be trusted and were set aside (the
            companion's log names them).
          </p>
        )}
      </div>
    </details>
  );
}
