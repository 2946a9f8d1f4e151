import path from 'node:path';
import type { PlatformEnv, PlatformPaths } from '../platform-paths';
import { launchdPlist } from './launchd-plist';
import type { ServiceBackend } from './service-spec';
import { systemdUnit } from './systemd-unit';
import { utf16le, windowsLauncher, windowsTaskXml } from './windows-task';

/** The platform's way to start a program at login: systemd on Linux, launchd on macOS, Task Scheduler on Windows. */
export function serviceBackend(
  machine: PlatformEnv & { uid: number },
  name: string,
  paths: PlatformPaths,
): ServiceBackend {
  if (machine.platform === 'win32') return taskScheduler(machine, name, paths);
  if (machine.platform === 'darwin') return launchd(machine, name);
  return systemd(machine, name);
}

function systemd({ env, home }: PlatformEnv, name: string): ServiceBackend {
  const configHome =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  const unit = `${name}.service`;
  const unitPath = path.join(configHome, 'systemd', 'user', unit);
  const systemctl = (...args: string[]) => ({ file: 'systemctl', args: ['--user', ...args] });
  return {
    kind: 'systemd',
    definition: unitPath,
    ownFiles: [unitPath],
    files: (spec) => [{ path: unitPath, content: systemdUnit(spec), mode: 0o600 }],
    install: () => [systemctl('daemon-reload'), systemctl('enable', unit), systemctl('restart', unit)],
    uninstall: () => [{ ...systemctl('disable', '--now', unit), mayFail: true }],
    afterRemove: () => [{ ...systemctl('daemon-reload'), mayFail: true }],
    status: () => [
      { ...systemctl('is-enabled', unit), mayFail: true },
      { ...systemctl('is-active', unit), mayFail: true },
    ],
    logs: () => `systemd's journal: journalctl --user -u ${unit} -f`,
  };
}

function launchd({ home, uid }: PlatformEnv & { uid: number }, name: string): ServiceBackend {
  const plist = path.join(home, 'Library', 'LaunchAgents', `${name}.plist`);
  const domain = `gui/${uid}`;
  return {
    kind: 'launchd',
    definition: plist,
    ownFiles: [plist],
    files: (spec) => [{ path: plist, content: launchdPlist(spec), mode: 0o600 }],
    // bootout first, so a reinstall (an update) starts the new copy.
    install: () => [
      { file: 'launchctl', args: ['bootout', `${domain}/${name}`], mayFail: true },
      { file: 'launchctl', args: ['bootstrap', domain, plist] },
    ],
    uninstall: () => [{ file: 'launchctl', args: ['bootout', `${domain}/${name}`], mayFail: true }],
    afterRemove: () => [],
    status: () => [{ file: 'launchctl', args: ['print', `${domain}/${name}`], mayFail: true }],
    logs: (spec) => `${spec.paths.logFile} (tail -f it, or open it in Console)`,
  };
}

function taskScheduler({ env }: PlatformEnv, name: string, paths: PlatformPaths): ServiceBackend {
  const user = env.USERDOMAIN ? `${env.USERDOMAIN}\\${env.USERNAME ?? ''}` : (env.USERNAME ?? '');
  const xml = path.win32.join(paths.program, `${name}-task.xml`);
  const launcher = path.win32.join(paths.program, `${name}.vbs`);
  return {
    kind: 'task-scheduler',
    definition: xml,
    ownFiles: [xml, launcher],
    files: (spec) => [
      { path: launcher, content: windowsLauncher(spec), mode: 0o600 },
      { path: xml, content: utf16le(windowsTaskXml(spec, launcher, user)), mode: 0o600 },
    ],
    install: () => [
      { file: 'schtasks', args: ['/End', '/TN', name], mayFail: true },
      { file: 'schtasks', args: ['/Create', '/TN', name, '/XML', xml, '/F'] },
      { file: 'schtasks', args: ['/Run', '/TN', name] },
    ],
    uninstall: () => [
      { file: 'schtasks', args: ['/End', '/TN', name], mayFail: true },
      { file: 'schtasks', args: ['/Delete', '/TN', name, '/F'], mayFail: true },
    ],
    afterRemove: () => [],
    status: () => [{ file: 'schtasks', args: ['/Query', '/TN', name, '/FO', 'LIST', '/V'], mayFail: true }],
    logs: (spec) => `${spec.paths.logFile} (Get-Content -Wait it in PowerShell)`,
  };
}
