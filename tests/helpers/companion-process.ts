import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Resolved here, so the companion can run with any working directory (it reads .env from there). */
const TSX = import.meta.resolve('tsx');

export interface CompanionProcess {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  /** Every line the companion printed (stdout and stderr). */
  logs: string[];
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  pixellabUrl?: string;
  apiKey?: string | null;
  port?: number;
  /** Open-file limit for the companion (`ulimit -n`), e.g. 1024 as on many Linux machines. */
  fileLimit?: number;
  /**
   * XDG_CONFIG_HOME for the companion: where a key set from the panel is saved. Default: `<dataDir>.config`
   * beside the data dir (made only when a test saves a key), so no test reads or writes the user's own config.
   */
  configHome?: string;
  /** A built companion (the packed bundle, scripts/build-companion.mjs) to run instead of the source through tsx. */
  entry?: string;
}

/** The config folder a test companion uses (StartOptions.configHome). */
export function testConfigHome(options: Pick<StartOptions, 'dataDir' | 'configHome'>): string {
  return options.configHome ?? `${options.dataDir.replace(/[\\/]+$/, '')}.config`;
}

/** `node <args>`, or the same through `sh -c 'ulimit -n N && exec ...'` (same pid) when a file limit is asked. */
function command(args: string[], fileLimit: number | undefined): [string, string[]] {
  if (fileLimit === undefined) return [process.execPath, args];
  return ['/bin/sh', ['-c', 'ulimit -n "$0" && exec "$@"', String(fileLimit), process.execPath, ...args]];
}

/**
 * Starts the real companion (`node --import tsx companion-server/index.ts`, or the built bundle given as `entry`)
 * as its own process on a free loopback port.
 */
export function startCompanion(options: StartOptions): Promise<CompanionProcess> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PIXELLAB_API_URL: options.pixellabUrl ?? 'http://127.0.0.1:9/v1',
    PIXELLAB_API_KEY: options.apiKey === null ? '' : (options.apiKey ?? 'test-key-never-shown'),
    // Unset, not empty: an empty COMPANION_TOKEN refuses to start.
    COMPANION_ALLOW_ORIGINS: undefined,
    COMPANION_ALLOW_EXTENSIONS: undefined,
    COMPANION_DASHBOARD_DIR: undefined,
    COMPANION_TOKEN: undefined,
    COMPANION_REQUIRE_PAIRING: undefined,
    XDG_CONFIG_HOME: testConfigHome(options),
    ...options.env,
  };
  const [file, args] = command(
    [
      ...(options.entry ? [options.entry] : ['--import', TSX, path.join(ROOT, 'companion-server/index.ts')]),
      '--port',
      String(options.port ?? 0),
      '--data-dir',
      options.dataDir,
      ...(options.args ?? []),
    ],
    options.fileLimit,
  );
  const proc = spawn(file, args, {
    cwd: options.dataDir,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`companion did not start in 20 s:\n${logs.join('\n')}`));
    }, 20_000);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        logs.push(line);
        const m = /listening on (http:\/\/\S+?:(\d+))/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({
            url: m[1]!,
            port: Number(m[2]),
            dataDir: options.dataDir,
            proc,
            logs,
            stop: async () => {
              if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
              return exited;
            },
            kill: async () => {
              if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
              await exited;
            },
          });
        }
      }
    };
    proc.stdout!.on('data', onLine);
    proc.stderr!.on('data', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`companion exited with ${code} before listening:\n${logs.join('\n')}`));
    });
  });
}

/** Runs the companion to completion (for start-up failures) and returns its exit code and output. */
export function runCompanion(options: StartOptions): Promise<{ code: number | null; output: string }> {
  const env = {
    ...process.env,
    PIXELLAB_API_URL: 'http://127.0.0.1:9/v1',
    XDG_CONFIG_HOME: testConfigHome(options),
    ...options.env,
  };
  const proc = spawn(
    process.execPath,
    [
      '--import',
      TSX,
      path.join(ROOT, 'companion-server/index.ts'),
      '--data-dir',
      options.dataDir,
      ...(options.args ?? []),
    ],
    { cwd: options.dataDir, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}
