import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { Window } from 'happy-dom';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../tests/helpers/temp-dir';
import { platformPaths } from '../platform-paths';
import { formatEnvFile } from './env-file';
import { launchdPlist } from './launchd-plist';
import type { ServiceSpec } from './service-spec';
import { systemdUnit } from './systemd-unit';
import { utf16le, windowsLauncher, windowsTaskXml } from './windows-task';

/** Arguments a user may well give: spaces, and characters each format must escape. */
const TRICKY = [
  '--dashboard',
  '/home/ann/old dash/50% "done" $HOME & <b>\\x',
  '--allow-origin',
  'http://localhost:5500',
];

function spec(platform: NodeJS.Platform, over: Partial<ServiceSpec> = {}): ServiceSpec {
  const paths = platformPaths({ platform, env: {}, home: platform === 'win32' ? 'C:\\Users\\ann' : '/home/ann' });
  return {
    name: 'pixellab-companion',
    version: '0.1.0',
    node: '/usr/bin/node',
    program: `${paths.program}/pixellab-companion.mjs`,
    args: [...TRICKY, '--data-dir', paths.data, '--env-file', `${paths.config}/service.env`],
    workingDir: paths.program,
    paths,
    ...over,
  };
}

/** An INI-style unit file as sections of key → values. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) sections[header[1]!] = current = {};
    else if (line.includes('=') && !line.startsWith('#')) {
      const [key, ...value] = line.split('=');
      (current[key!] ??= []).push(value.join('='));
    }
  }
  return sections;
}

/** A systemd command line split back into words (systemd.syntax(7)): quotes, C escapes, %% and $$. */
function splitSystemdCommand(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) {
    const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    words.push(raw.replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return words;
}

const xml = (text: string) => {
  const doc = new new Window().DOMParser().parseFromString(text, 'application/xml');
  expect(doc.querySelector('parsererror'), 'well-formed XML').toBeNull();
  return doc;
};

/** A plist <dict> as a plain object. */
function plistValue(node: { tagName: string; children: ArrayLike<unknown>; textContent: string | null }): unknown {
  switch (node.tagName) {
    case 'dict': {
      const out: Record<string, unknown> = {};
      const items = Array.from(node.children);
      for (let i = 0; i < items.length; i += 2)
        out[(items[i] as { textContent: string }).textContent] = plistValue(items[i + 1] as never);
      return out;
    }
    case 'array':
      return Array.from(node.children as ArrayLike<never>, (child) => plistValue(child));
    case 'true':
      return true;
    case 'false':
      return false;
    case 'integer':
      return Number(node.textContent);
    default:
      return node.textContent;
  }
}

const temps: { remove: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const t of temps) await t.remove();
});

describe('the systemd user unit', () => {
  it('parses back to the same command, restarts on failure, starts at login', () => {
    const s = spec('linux');
    const unit = parseUnit(systemdUnit(s));
    expect(splitSystemdCommand(unit.Service!.ExecStart![0]!)).toEqual([s.node, s.program, ...s.args]);
    expect(unit.Service).toMatchObject({ Restart: ['on-failure'], Type: ['simple'], WorkingDirectory: [s.workingDir] });
    expect(unit.Install).toEqual({ WantedBy: ['default.target'] });
    expect(systemdUnit(s)).not.toMatch(/PIXELLAB_API_KEY|Environment=/);
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it(
    analyze
      ? 'systemd-analyze verify accepts it, and refuses a broken one'
      : 'parses back only: systemd-analyze is not installed here, so the unit is not verified',
    async () => {
      const t = await makeTempDir('pixellab-unit-');
      temps.push(t);
      const program = path.join(t.dir, 'lib dir', 'pixellab-companion.mjs');
      await mkdir(path.dirname(program), { recursive: true });
      await writeFile(program, '');
      const s = spec('linux', { node: process.execPath, program, workingDir: path.dirname(program) });
      const unitFile = path.join(t.dir, 'pixellab-companion.service');
      await writeFile(unitFile, systemdUnit(s));
      expect(splitSystemdCommand(parseUnit(systemdUnit(s)).Service!.ExecStart![0]!)[1]).toBe(program);
      if (!analyze) return;
      const runtime = path.join(t.dir, 'runtime');
      await mkdir(runtime, { mode: 0o700 });
      const verify = (file: string) =>
        spawnSync('systemd-analyze', ['--user', 'verify', file], {
          env: { ...process.env, XDG_RUNTIME_DIR: runtime },
          encoding: 'utf8',
        });
      const good = verify(unitFile);
      expect(good.stderr + good.stdout).toBe('');
      expect(good.status).toBe(0);
      const broken = path.join(t.dir, 'broken.service');
      await writeFile(broken, systemdUnit(s).replace(/^ExecStart="[^"]+"/m, 'ExecStart=node-without-a-path/x'));
      expect(verify(broken).status).not.toBe(0);
    },
  );
});

describe('the launchd agent', () => {
  it('parses back as a plist with the same arguments, kept alive after a crash, logging to ~/Library/Logs', () => {
    const s = spec('darwin');
    const doc = xml(launchdPlist(s));
    const plist = plistValue(doc.documentElement.children[0] as never) as Record<string, unknown>;
    expect(plist).toEqual({
      Label: 'pixellab-companion',
      ProgramArguments: [s.node, s.program, ...s.args],
      WorkingDirectory: s.workingDir,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 5,
      ProcessType: 'Background',
      StandardOutPath: '/home/ann/Library/Logs/pixellab-companion/companion.log',
      StandardErrorPath: '/home/ann/Library/Logs/pixellab-companion/companion.log',
    });
  });
});

/** A Windows command line split as CommandLineToArgvW does for quoted and bare words (no quotes inside). */
function splitWindowsCommand(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\\\$/, '\\') : m[2]!));
}

describe('the Windows task', () => {
  const s = spec('win32', {
    node: 'C:\\Program Files\\nodejs\\node.exe',
    program: 'C:\\Users\\ann\\AppData\\Local\\pixellab-companion\\service\\pixellab-companion.mjs',
    args: [
      '--dashboard',
      'C:\\old dash\\a&b (1)\\',
      '--data-dir',
      'C:\\Users\\ann\\AppData\\Roaming\\pixellab-companion\\data',
    ],
  });
  const launcher = 'C:\\Users\\ann\\AppData\\Local\\pixellab-companion\\service\\pixellab-companion.vbs';

  it('is UTF-16 task XML that parses back: at logon, no time limit, running the hidden launcher', () => {
    const bytes = utf16le(windowsTaskXml(s, launcher, 'PC\\ann'));
    expect([...bytes.slice(0, 2)]).toEqual([0xff, 0xfe]);
    const doc = xml(
      Buffer.from(bytes.slice(2))
        .toString('utf16le')
        .replace(/^<\?xml[^>]*\?>/, ''),
    );
    const text = (selector: string) => doc.querySelector(selector)?.textContent;
    expect(text('LogonTrigger UserId')).toBe('PC\\ann');
    expect(text('Principal LogonType')).toBe('InteractiveToken');
    expect(text('Settings ExecutionTimeLimit')).toBe('PT0S');
    expect(text('Settings DisallowStartIfOnBatteries')).toBe('false');
    expect(text('RestartOnFailure Count')).toBe('3');
    expect(text('Exec Command')).toBe('wscript.exe');
    expect(splitWindowsCommand(text('Exec Arguments')!)).toEqual(['//B', '//Nologo', launcher]);
  });

  it('has a launcher that runs the same command hidden, logs, and restarts it after a crash', () => {
    const vbs = windowsLauncher(s);
    const run = /shell\.Run\("((?:[^"]|"")*)", 0, True\)/.exec(vbs);
    const command = run![1]!.replace(/""/g, '"');
    const inner = /^cmd\.exe \/d \/s \/c "(.*)"$/.exec(command)![1]!;
    expect(splitWindowsCommand(inner)).toEqual([s.node, s.program, ...s.args, '>>', s.paths.logFile, '2>&1']);
    expect(vbs).toMatch(/If code = 0 Then Exit Do\r\n {2}WScript\.Sleep 5000\r\nLoop/);
  });

  it('refuses what cmd.exe would change: a quote or a %VARIABLE%', () => {
    expect(() => windowsLauncher({ ...s, args: ['--token', '%PATH%'] })).toThrow(/holds a quote, "%"/);
  });
});

describe('the service environment file', () => {
  it("reads back through Node's own parser exactly, whatever the quotes", () => {
    const vars = {
      COMPANION_TOKEN: "it's",
      COMPANION_ALLOW_ORIGINS: 'http://a, http://b',
      A: 'say "hi" and \'bye\'',
      B: '#not a comment $HOME \\n',
    };
    expect(parseEnv(formatEnvFile(vars, ['header']))).toEqual(vars);
    expect(() => formatEnvFile({ A: 'two\nlines' }, [])).toThrow(/cannot be written/);
  });
});
