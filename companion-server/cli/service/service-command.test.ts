import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../tests/helpers/temp-dir';
import type { CliProcess } from '../run-cli';
import { type RunCommand, runServiceCommand, type ServiceDeps } from './service-command';
import type { ServiceCommand } from './service-spec';

const SEED_FILE = path.join(import.meta.dirname, '../../../tests/fixtures/seed/string-results.json');
const KEY = 'pl-secret-key-never-in-a-unit';
const temps: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const t of temps.splice(0)) await t.remove();
});

/** A home folder in a temp dir, a packed program to install, and a runner that records what would run. */
async function machine(platform: NodeJS.Platform = 'linux', answers: Record<string, number> = {}) {
  const t = await makeTempDir('pixellab-service-');
  temps.push(t);
  const home = path.join(t.dir, 'home');
  const cwd = path.join(t.dir, 'somewhere');
  const self = path.join(t.dir, 'npx-cache/node_modules/pixellab-companion/pixellab-companion.mjs');
  await mkdir(cwd, { recursive: true });
  await mkdir(path.dirname(self), { recursive: true });
  await writeFile(self, '#!/usr/bin/env node\n// the bundle\n');
  const ran: string[] = [];
  const lines: string[] = [];
  const run: RunCommand = async (command: ServiceCommand) => {
    const line = [command.file, ...command.args].join(' ');
    ran.push(line);
    const code = Object.entries(answers).find(([prefix]) => line.startsWith(prefix))?.[1] ?? 0;
    return { code, output: code === 0 ? 'active' : 'Failed to connect to bus' };
  };
  const deps: ServiceDeps = { run, uid: 501, node: '/opt/node/bin/node', log: (line) => lines.push(line) };
  const env: NodeJS.ProcessEnv = {
    XDG_CONFIG_HOME: path.join(t.dir, 'xdg-config'),
    PIXELLAB_API_KEY: KEY,
    COMPANION_TOKEN: 'tok-123',
    COMPANION_MAX_USD_PER_DAY: '5',
  };
  const proc: CliProcess = { argv: [], env, cwd, platform, home, self };
  const service = (...argv: string[]) => runServiceCommand(argv, proc, deps);
  return { root: t.dir, home, cwd, self, ran, lines, service, config: env.XDG_CONFIG_HOME! };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe('service on Linux (systemd user unit, temp XDG_CONFIG_HOME)', () => {
  it('install writes the unit, a stable copy of the program and a 0600 environment without the key, then enables it', async () => {
    const m = await machine();
    expect(await m.service('install', '--port', '9999', '--dashboard', 'old')).toBe(0);

    const unitFile = path.join(m.config, 'systemd/user/pixellab-companion.service');
    const envFile = path.join(m.config, 'pixellab-companion/service.env');
    const program = path.join(m.home, '.local/lib/pixellab-companion/pixellab-companion.mjs');
    const unit = await readFile(unitFile, 'utf8');
    expect(unit).toContain(
      `ExecStart="/opt/node/bin/node" "${program}" "--port" "9999" "--dashboard" "${path.join(m.cwd, 'old')}" "--data-dir" "${path.join(m.home, '.local/share/pixellab-companion')}" "--env-file" "${envFile}"`,
    );
    expect(await readFile(program, 'utf8')).toBe(await readFile(m.self, 'utf8'));
    expect(await readFile(envFile, 'utf8')).toMatch(/^COMPANION_TOKEN='tok-123'\nCOMPANION_MAX_USD_PER_DAY='5'$/m);
    expect(await mode(envFile)).toBe(0o600);
    expect(await mode(unitFile)).toBe(0o600);
    for (const file of await filesUnder(m.root)) expect(await readFile(file, 'utf8'), file).not.toContain(KEY);
    expect(m.ran).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable pixellab-companion.service',
      'systemctl --user restart pixellab-companion.service',
    ]);
    expect(m.lines.join('\n')).toMatch(/journalctl --user -u pixellab-companion\.service/);
    expect(m.lines.join('\n')).toMatch(/PIXELLAB_API_KEY is set here but is not copied into the service/);
  });

  it('status reports the unit, the program and what systemctl says; uninstall removes only its own files', async () => {
    const m = await machine();
    expect(await m.service('status')).toBe(3);
    expect(m.lines).toEqual(['systemd service: not installed']);
    await m.service('install');
    const history = path.join(m.home, '.local/share/pixellab-companion/job_history.json');
    await mkdir(path.dirname(history), { recursive: true });
    await copyFile(SEED_FILE, history);

    m.ran.length = 0;
    expect(await m.service('status')).toBe(0);
    expect(m.ran).toEqual([
      'systemctl --user is-enabled pixellab-companion.service',
      'systemctl --user is-active pixellab-companion.service',
    ]);

    m.ran.length = 0;
    expect(await m.service('uninstall')).toBe(0);
    expect(m.ran).toEqual([
      'systemctl --user disable --now pixellab-companion.service',
      'systemctl --user daemon-reload',
    ]);
    expect((await filesUnder(m.root)).filter((f) => !f.includes('npx-cache'))).toEqual([history]);
  });

  it('keeps a ./data history the install was run beside, as a foreground start would', async () => {
    const m = await machine();
    await mkdir(path.join(m.cwd, 'data'));
    await copyFile(SEED_FILE, path.join(m.cwd, 'data/job_history.json'));
    await m.service('install');
    const unit = await readFile(path.join(m.config, 'systemd/user/pixellab-companion.service'), 'utf8');
    expect(unit).toContain(`"--data-dir" "${path.join(m.cwd, 'data')}"`);
  });

  it('says what failed when systemctl does, and leaves the files for uninstall', async () => {
    const m = await machine('linux', { 'systemctl --user enable': 1 });
    expect(await m.service('install')).toBe(1);
    expect(m.lines.join('\n')).toMatch(
      /"systemctl --user enable pixellab-companion\.service" failed \(1\): Failed to connect/,
    );
    expect(m.ran).toHaveLength(2);
  });

  it('refuses --import (it runs once, not at every login) and a program that is not the packed one', async () => {
    const m = await machine();
    await expect(m.service('install', '--import', 'old.json')).rejects.toThrow(/--import runs once/);
    const dev = await machine();
    await expect(
      runServiceCommand(
        ['install'],
        { ...(await devProc(dev.cwd)), home: dev.home },
        {
          run: async () => ({ code: 0, output: '' }),
          uid: 1,
          node: 'node',
          log: () => undefined,
        },
      ),
    ).rejects.toThrow(/copies the packaged companion, and this is not it/);
    expect(m.ran).toEqual([]);
  });

  it('answers a wrong subcommand with its usage', async () => {
    const m = await machine();
    expect(await m.service('restart')).toBe(2);
    expect(m.lines[0]).toMatch(/^Usage: pixellab-companion service install \[options\] \| uninstall \| status$/);
  });
});

async function devProc(cwd: string): Promise<CliProcess> {
  return {
    argv: [],
    env: {},
    cwd,
    platform: 'linux',
    home: cwd,
    self: path.join(import.meta.dirname, '../../index.ts'),
  };
}

describe('service on macOS (launchd agent), files in a temp home', () => {
  it('writes the plist to ~/Library/LaunchAgents and bootstraps it in the user domain', async () => {
    const m = await machine('darwin');
    expect(await m.service('install')).toBe(0);
    const plist = path.join(m.home, 'Library/LaunchAgents/pixellab-companion.plist');
    expect(await readFile(plist, 'utf8')).toContain('<string>/opt/node/bin/node</string>');
    expect(await mode(plist)).toBe(0o600);
    expect((await stat(path.join(m.home, 'Library/Logs/pixellab-companion'))).isDirectory()).toBe(true);
    expect(m.ran).toEqual(['launchctl bootout gui/501/pixellab-companion', `launchctl bootstrap gui/501 ${plist}`]);
    m.ran.length = 0;
    await m.service('uninstall');
    expect(m.ran).toEqual(['launchctl bootout gui/501/pixellab-companion']);
    await expect(stat(plist)).rejects.toThrow(/ENOENT/);
  });
});
