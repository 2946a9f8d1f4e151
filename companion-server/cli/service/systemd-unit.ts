import type { ServiceSpec } from './service-spec';

/**
 * One word of a systemd command line (systemd.syntax(7), systemd.service(5) "Command lines"): double-quoted,
 * with `\` and `"` escaped, `%` doubled (specifiers) and `$` doubled (variable expansion).
 */
export function systemdWord(word: string): string {
  if (/\p{Cc}/u.test(word)) throw new Error(`A service argument holds a control character: ${JSON.stringify(word)}`);
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** A unit value that is a path: specifiers doubled; systemd takes paths with spaces as they are. */
const pathValue = (path: string) => path.replace(/%/g, '%%');

/**
 * The systemd user unit: started at login (default.target), restarted after a crash (but not after a clean
 * stop), and logged to the journal (`journalctl --user -u <name>`), where user services log.
 */
export function systemdUnit(spec: ServiceSpec): string {
  return [
    '[Unit]',
    `Description=PixelLab companion ${spec.version} (local server of the PixelLab side panel)`,
    // Five crashes within a minute stop the restarts: a port taken by another server would otherwise loop.
    'StartLimitIntervalSec=60',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[spec.node, spec.program, ...spec.args].map(systemdWord).join(' ')}`,
    `WorkingDirectory=${pathValue(spec.workingDir)}`,
    'Restart=on-failure',
    'RestartSec=2',
    // The companion finishes its writes on SIGTERM within a few seconds.
    'TimeoutStopSec=20',
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}
