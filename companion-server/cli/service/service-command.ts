import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { COMPANION_PACKAGE_NAME } from '../../../utils/domain';
import { ConfigError, parseConfig, parseFlags } from '../../config';
import { holdsHistory, wasAdopted } from '../../store/adoptions';
import { chooseDataDir } from '../data-dir';
import { helpText } from '../help';
import { platformPaths } from '../platform-paths';
import type { CliProcess } from '../run-cli';
import { COMPANION_BIN, COMPANION_VERSION } from '../version';
import { serviceBackend } from './backends';
import { formatEnvFile } from './env-file';
import { serviceArgs, serviceEnv } from './service-args';
import type { ServiceBackend, ServiceCommand, ServiceSpec } from './service-spec';

/** Runs one command; a missing program answers code 127 (a machine without systemctl, say). */
export type RunCommand = (command: ServiceCommand) => Promise<{ code: number; output: string }>;

export interface ServiceDeps {
  run: RunCommand;
  uid: number;
  /** The node binary the service starts the program with. */
  node: string;
  log: (line: string) => void;
}

export const realRun: RunCommand = (command) =>
  new Promise((resolve) => {
    execFile(command.file, command.args, { windowsHide: true, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : error.code === 'ENOENT' ? 127 : 1) : 0;
      const missing = error?.code === 'ENOENT' ? `${command.file} was not found on this machine` : '';
      resolve({ code, output: [stdout, stderr, missing].join('').trim() });
    });
  });

const realDeps = (): ServiceDeps => ({
  run: realRun,
  uid: os.userInfo().uid,
  node: process.execPath,
  log: (line) => console.log(line),
});

const SERVICE_USAGE = `Usage: ${COMPANION_BIN} service install [options] | uninstall | status`;
/** The installed copy's name in the program folder. */
export const PROGRAM_FILE = `${COMPANION_PACKAGE_NAME}.mjs`;

/** `service install|uninstall|status`; resolves with the exit code. */
export async function runServiceCommand(argv: string[], proc: CliProcess, deps = realDeps()): Promise<number> {
  const [action, ...rest] = argv;
  const machine = { platform: proc.platform, env: proc.env, home: proc.home, uid: deps.uid };
  const paths = platformPaths(machine);
  const backend = serviceBackend(machine, COMPANION_PACKAGE_NAME, paths);
  if (action === 'install') return install(rest, proc, deps, backend, paths);
  if (rest.length > 0 || (action !== 'uninstall' && action !== 'status')) {
    if (action === '--help' || action === '-h') {
      deps.log(helpText());
      return 0;
    }
    deps.log(SERVICE_USAGE);
    return 2;
  }
  return action === 'uninstall' ? uninstall(deps, backend, paths) : status(deps, backend, paths);
}

async function install(
  argv: string[],
  proc: CliProcess,
  deps: ServiceDeps,
  backend: ServiceBackend,
  paths: ReturnType<typeof platformPaths>,
): Promise<number> {
  const flags = parseFlags(argv);
  const given =
    typeof flags['env-file'] === 'string' ? await readEnvFile(path.resolve(proc.cwd, flags['env-file'])) : {};
  const env = { ...given, ...proc.env };
  const config = parseConfig(argv, env, proc.cwd);
  if (config === 'help' || config === 'version') {
    deps.log(config === 'help' ? helpText() : COMPANION_VERSION);
    return 0;
  }
  if (config.importPath) {
    throw new ConfigError(
      `--import runs once, not at every login: run "${COMPANION_BIN} --import ${config.importPath}" in a terminal first (stop it with Ctrl+C), then install the service`,
    );
  }
  const self = await realpath(proc.self).catch(() => proc.self);
  if (!self.endsWith('.mjs') || !(await stat(self).catch(() => null))?.isFile()) {
    throw new ConfigError(
      `service install copies the packaged companion, and this is not it (${self}): run "npx ${COMPANION_PACKAGE_NAME} service install", or build it with "npm run pack:companion"`,
    );
  }
  const dataDir = await chooseDataDir({
    given: config.dataDir,
    cwd: proc.cwd,
    platformData: paths.data,
    importPath: null,
    bin: COMPANION_BIN,
    probe: { holdsHistory, wasAdopted },
  });
  const envFile = path.join(paths.config, 'service.env');
  const spec: ServiceSpec = {
    name: COMPANION_PACKAGE_NAME,
    version: COMPANION_VERSION,
    node: deps.node,
    program: path.join(paths.program, PROGRAM_FILE),
    args: serviceArgs(flags, config, dataDir.path, envFile),
    workingDir: paths.program,
    paths,
  };
  const vars = serviceEnv(env);
  // Rendered before anything is written, so a value no file can carry changes nothing.
  const files = [
    {
      path: envFile,
      content: formatEnvFile(vars, [
        `Environment of the ${COMPANION_PACKAGE_NAME} service, written by "service install" (mode 0600).`,
        'The PixelLab key is never written here.',
      ]),
      mode: 0o600,
    },
    ...backend.files(spec),
  ];

  await writeAtomically(spec.program, await readFile(self), 0o644);
  for (const file of files) await writeAtomically(file.path, file.content, file.mode);
  if (paths.logFile) await mkdir(path.dirname(paths.logFile), { recursive: true });
  for (const command of backend.install(spec)) {
    const result = await deps.run(command);
    if (result.code !== 0 && !command.mayFail) {
      deps.log(`"${[command.file, ...command.args].join(' ')}" failed (${result.code}): ${result.output}`);
      deps.log(`The files are written (${backend.definition}); "${COMPANION_BIN} service uninstall" removes them.`);
      return 1;
    }
  }
  deps.log(
    `Installed the companion ${COMPANION_VERSION} as a ${backend.kind} service that starts at login: ${backend.definition}`,
  );
  deps.log(`It runs ${spec.program} (a copy; run "service install" again to update it), history: ${dataDir.path}`);
  if (Object.keys(vars).length) deps.log(`Its environment (${Object.keys(vars).join(', ')}): ${envFile}`);
  deps.log(`Logs: ${backend.logs(spec)}`);
  if (env.PIXELLAB_API_KEY) {
    deps.log('PIXELLAB_API_KEY is set here but is not copied into the service: save the key from the side panel.');
  }
  return 0;
}

async function uninstall(deps: ServiceDeps, backend: ServiceBackend, paths: ReturnType<typeof platformPaths>) {
  for (const command of backend.uninstall()) await deps.run(command);
  const files = [...backend.ownFiles, path.join(paths.program, PROGRAM_FILE), path.join(paths.config, 'service.env')];
  for (const file of files) await rm(file, { force: true });
  for (const command of backend.afterRemove()) await deps.run(command);
  deps.log(`Removed the ${backend.kind} service; the history and the key are kept.`);
  return 0;
}

async function status(deps: ServiceDeps, backend: ServiceBackend, paths: ReturnType<typeof platformPaths>) {
  const installed = (await stat(backend.definition).catch(() => null)) !== null;
  deps.log(`${backend.kind} service: ${installed ? `installed (${backend.definition})` : 'not installed'}`);
  if (!installed) return 3;
  const program = path.join(paths.program, PROGRAM_FILE);
  deps.log(
    `Program: ${program}${(await stat(program).catch(() => null)) ? '' : ' (missing: run "service install" again)'}`,
  );
  let running = true;
  for (const command of backend.status()) {
    const result = await deps.run(command);
    if (result.code !== 0) running = false;
    deps.log(`${[command.file, ...command.args].join(' ')}: ${result.output || `exit ${result.code}`}`);
  }
  deps.log(`Logs: ${backend.logs({ paths } as ServiceSpec)}`);
  return running ? 0 : 3;
}

async function readEnvFile(file: string): Promise<Record<string, string>> {
  try {
    return parseEnv(await readFile(file, 'utf8')) as Record<string, string>;
  } catch {
    throw new ConfigError(`--env-file: cannot read ${file}`);
  }
}

/** Temp file in the same folder, then rename: a reinstall never leaves half a unit or half a program. */
async function writeAtomically(file: string, content: string | Uint8Array, mode: number) {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, content, { mode });
  await chmod(temp, mode);
  await rename(temp, file);
}
