import type { ServiceSpec } from './service-spec';
import { xmlText } from './xml-text';

/**
 * One argument for the command line cmd.exe runs and node reads back (CommandLineToArgvW's rules). A quote or
 * `%` is refused: cmd.exe does not know the C runtime's escapes, and expands %NAME%. No path or flag value of
 * the companion needs either.
 */
export function windowsArg(arg: string): string {
  if (/["%]|\p{Cc}/u.test(arg)) {
    throw new Error(
      `A service argument holds a quote, "%" or a control character, which a Windows task cannot pass: ${arg}`,
    );
  }
  if (arg !== '' && !/[\s&|<>^()]/.test(arg)) return arg;
  // Inside quotes, backslashes are literal except before the closing quote, where they double.
  return `"${arg.replace(/(\\+)$/, '$1$1')}"`;
}

/** The command line the launcher runs: node, the program and its flags, output appended to the log file. */
export function windowsCommandLine(spec: ServiceSpec): string {
  const line = [spec.node, spec.program, ...spec.args].map(windowsArg).join(' ');
  // cmd /s /c strips the outer quotes and runs the rest as typed, so every quote inside stays as it is.
  return `cmd.exe /d /s /c "${line} >> ${windowsArg(spec.paths.logFile!)} 2>&1"`;
}

/**
 * A VBScript launcher: runs the companion with no console window (a console program started by a logon task
 * would show one), waits, and starts it again 5 s after a crash; a clean exit (0) ends it. Task Scheduler's
 * own RestartOnFailure covers only a task that failed to start.
 */
export function windowsLauncher(spec: ServiceSpec): string {
  const vbs = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return [
    "' PixelLab companion launcher, written by `service install`; runs hidden, restarts after a crash.",
    'Dim shell, code',
    'Set shell = CreateObject("WScript.Shell")',
    'Do',
    `  code = shell.Run(${vbs(windowsCommandLine(spec))}, 0, True)`,
    '  If code = 0 Then Exit Do',
    '  WScript.Sleep 5000',
    'Loop',
    'WScript.Quit code',
    '',
  ].join('\r\n');
}

/**
 * The Task Scheduler task (schema 1.2): at this user's logon, as this user with no stored password, no time
 * limit, not stopped on battery, and started again if it fails to start.
 */
export function windowsTaskXml(spec: ServiceSpec, launcherPath: string, userId: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${xmlText(`PixelLab companion ${spec.version} (local server of the PixelLab side panel)`)}</Description>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${xmlText(userId)}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${xmlText(userId)}</UserId>`,
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>3</Count>',
    '    </RestartOnFailure>',
    '    <Enabled>true</Enabled>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    '      <Command>wscript.exe</Command>',
    `      <Arguments>${xmlText(`//B //Nologo ${windowsArg(launcherPath)}`)}</Arguments>`,
    `      <WorkingDirectory>${xmlText(spec.workingDir)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/** schtasks reads a task file as UTF-16 with a byte order mark. */
export function utf16le(text: string): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
}
