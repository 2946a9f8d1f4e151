import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANION_API_VERSION, COMPANION_PACKAGE_NAME, healthResponseSchema } from '../../utils/domain';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { makeTempDir } from '../helpers/temp-dir';

/**
 * The companion as a user gets it: `npm pack`, installed offline into an empty folder with no repository,
 * started through its bin from yet another folder, with no .env and no --data-dir.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const SEED_FILE = path.join(ROOT, 'tests/fixtures/seed/string-results.json');
const run = promisify(execFile);
const manifest = JSON.parse(await readFile(path.join(ROOT, 'companion-server/package/package.json'), 'utf8'));

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let fake: FakePixelLab;
let bin: string;
let env: NodeJS.ProcessEnv;
let companion: { proc: ChildProcess; url: string; logs: string[] } | null = null;

beforeAll(async () => {
  temp = await makeTempDir('pixellab-packed-');
  fake = await startFakePixelLab();
  const { stdout } = await run(process.execPath, [
    path.join(ROOT, 'scripts/build-companion.mjs'),
    '--pack',
    '--out',
    temp.dir,
  ]);
  const tarball = /Packed (\S+\.tgz)/.exec(stdout)![1]!;
  const project = path.join(temp.dir, 'user-folder');
  await mkdir(project);
  // A fresh cache and a registry that is a closed loopback port: the install must need neither.
  const npmEnv = {
    ...withoutNpmConfig(process.env),
    npm_config_cache: path.join(temp.dir, 'npm-cache'),
    npm_config_registry: 'http://127.0.0.1:9/',
  };
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project, env: npmEnv });
  bin = path.join(project, 'node_modules/.bin', COMPANION_PACKAGE_NAME);
  // A user's machine: a home of its own, no key file, no .env where it is started.
  env = {
    ...withoutNpmConfig(process.env),
    HOME: path.join(temp.dir, 'home'),
    XDG_DATA_HOME: path.join(temp.dir, 'home/.local/share'),
    XDG_CONFIG_HOME: path.join(temp.dir, 'home/.config'),
    PIXELLAB_API_URL: fake.url,
    PIXELLAB_API_KEY: fake.apiKey,
  };
  for (const name of Object.keys(env)) if (name.startsWith('COMPANION_')) delete env[name];
}, 120_000);

afterAll(async () => {
  if (companion?.proc.exitCode === null) companion.proc.kill('SIGKILL');
  await fake?.close();
  await temp?.remove();
});

/** npm passes its settings down as npm_config_*; the user's shell would not have them. */
function withoutNpmConfig(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(source).filter(([name]) => !/^npm_/i.test(name)));
}

function start(args: string[], cwd: string): Promise<{ proc: ChildProcess; url: string; logs: string[] }> {
  return listening(spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Resolves once the companion says where it listens, with every line it printed so far and from then on. */
function listening(proc: ChildProcess): Promise<{ proc: ChildProcess; url: string; logs: string[] }> {
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 15 s:\n${logs.join('\n')}`)), 15_000);
    const onData = (chunk: Buffer) => {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      const m = logs.map((line) => /listening on (http:\/\/\S+)/.exec(line)).find(Boolean);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]!, logs });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`exited ${code}:\n${logs.join('\n')}`)));
  });
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the packed companion', () => {
  it('is one file with no dependencies, and its bin answers --version and --help', async () => {
    const installed = path.join(path.dirname(bin), '..', COMPANION_PACKAGE_NAME);
    const pkg = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: COMPANION_PACKAGE_NAME, version: manifest.version });
    expect(pkg.dependencies).toBeUndefined();
    await expect(stat(path.join(installed, 'node_modules'))).rejects.toThrow(/ENOENT/);
    expect((await run(bin, ['--version'], { env })).stdout.trim()).toBe(manifest.version);
    const help = (await run(bin, ['--help'], { env })).stdout;
    expect(help).toContain('--data-dir DIR');
    expect(help).toContain('COMPANION_DATA_DIR');
  });

  it('refuses an --import it cannot read, naming the file and the reason', async () => {
    const folder = path.join(temp.dir, 'bad-import');
    await mkdir(folder);
    await writeFile(path.join(folder, 'job_history.json'), '{"jobs": [');
    const failed = await run(bin, ['--port', '0', '--import', path.join(folder, 'job_history.json')], {
      cwd: folder,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(/Cannot import .*job_history\.json: it is not valid JSON/);
  });

  it('starts from any folder with its history in the platform data folder, takes in an old history, and serves the old and new API', async () => {
    const elsewhere = path.join(temp.dir, 'elsewhere');
    await mkdir(elsewhere);
    companion = await start(['--port', '0', '--import', SEED_FILE], elsewhere);
    const dataDir = path.join(env.XDG_DATA_HOME!, COMPANION_PACKAGE_NAME);
    expect(companion.logs.join('\n')).toContain(
      `history: ${path.join(dataDir, 'job_history.json')} (the platform data folder)`,
    );
    expect(companion.logs.join('\n')).toMatch(/Imported .*string-results\.json .*5 job\(s\) found, 5 taken in/);

    const health = healthResponseSchema.parse(await (await fetch(`${companion.url}/health`)).json());
    expect(health).toMatchObject({
      apiVersion: COMPANION_API_VERSION,
      version: manifest.version,
      api_key_detected: true,
    });

    const generated = await (
      await post(`${companion.url}/generate-character`, { prompt: 'packed knight', width: 32, height: 32 })
    ).json();
    expect(generated).toMatchObject({ status: 'success', prompt: 'packed knight' });
    expect(generated.image_data_url).toMatch(/^data:image\/png;base64,/);
    expect(fake.state().requests.filter((r) => r.path === '/generate-image-pixflux')).toHaveLength(1);

    // The old dashboard keeps the result in its own list and saves the whole list back, as here.
    const loaded = await (await fetch(`${companion.url}/load-jobs`)).json();
    expect(loaded).toMatchObject({ status: 'ok', lastJobId: 5 });
    expect(loaded.jobs).toHaveLength(5);
    const newJob = {
      id: 'job-6',
      prompt: 'packed knight',
      width: 32,
      height: 32,
      seed: generated.seed,
      status: 'success',
      result: generated.image_data_url,
      error: null,
      createdAt: Date.now(),
    };
    const saved = await (
      await post(`${companion.url}/save-jobs`, { jobs: [...loaded.jobs, newJob], lastJobId: 6 })
    ).json();
    expect(saved).toMatchObject({ status: 'ok' });
    const reloaded = await (await fetch(`${companion.url}/load-jobs`)).json();
    expect(reloaded.jobs.at(-1)).toMatchObject({
      id: 'job-6',
      prompt: 'packed knight',
      result: generated.image_data_url,
    });
    // The panel's side of the same history.
    const changes = await (await fetch(`${companion.url}/api/v1/changes?since=0`)).json();
    expect(changes.changes.map((job: { id: string }) => job.id)).toContain('job-6');

    companion.proc.kill('SIGTERM');
    expect(await new Promise((resolve) => companion!.proc.once('exit', resolve))).toBe(0);
    expect((await stat(path.join(dataDir, 'job_history.json'))).isFile()).toBe(true);
  });

  it('starts with no key, keeps the one a local program sets in the config folder (0600), and generates with it', async () => {
    const folder = path.join(temp.dir, 'no-key');
    await mkdir(folder);
    const noKey = { ...env, PIXELLAB_API_KEY: undefined };
    const proc = spawn(bin, ['--port', '0', '--data-dir', path.join(folder, 'data')], {
      cwd: folder,
      env: noKey,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    companion = await listening(proc);
    expect(await (await fetch(`${companion.url}/health`)).json()).toMatchObject({
      api_key_detected: false,
      api_key_source: 'none',
    });

    const put = await fetch(`${companion.url}/api/v1/key`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: fake.apiKey }),
    });
    expect(await put.json()).toMatchObject({ source: 'file' });
    const keyFile = path.join(env.XDG_CONFIG_HOME!, COMPANION_PACKAGE_NAME, 'pixellab-key.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const generated = await (
      await post(`${companion.url}/generate-character`, { prompt: 'keyed knight', width: 32, height: 32 })
    ).json();
    expect(generated).toMatchObject({ status: 'success', prompt: 'keyed knight' });

    companion.proc.kill('SIGTERM');
    expect(await new Promise((resolve) => companion!.proc.once('exit', resolve))).toBe(0);
    expect(companion.logs.join('')).not.toContain(fake.apiKey);
    expect((await run(bin, ['pair', '--help'], { env })).stdout).toMatch(/^Usage: pixellab-companion pair/);
  });
});
