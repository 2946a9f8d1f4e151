import type { ServiceSpec } from './service-spec';
import { xmlText } from './xml-text';

const string = (value: string) => `<string>${xmlText(value)}</string>`;

/**
 * The launchd agent (launchd.plist(5)): loaded at login (RunAtLoad), started again when it exits with an error
 * or a signal (KeepAlive/SuccessfulExit false) but not after a clean stop, logging to ~/Library/Logs.
 */
export function launchdPlist(spec: ServiceSpec): string {
  const log = spec.paths.logFile!;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${string(spec.name)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[spec.node, spec.program, ...spec.args].map((arg) => `    ${string(arg)}`),
    '  </array>',
    '  <key>WorkingDirectory</key>',
    `  ${string(spec.workingDir)}`,
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    // launchd's own back-off between restarts, in seconds.
    '  <key>ThrottleInterval</key>',
    '  <integer>5</integer>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '  <key>StandardOutPath</key>',
    `  ${string(log)}`,
    '  <key>StandardErrorPath</key>',
    `  ${string(log)}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
