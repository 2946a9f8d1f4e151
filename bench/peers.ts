/**
 * The two servers the companion's old API is measured against, each as its own process on a free loopback
 * port: the peer (bench/old-server-mimic.py, the old Python server's save and load, on the machine's python3)
 * and the floor (bench/floor-server.ts, receive and parse / send from memory).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { livePids } from './browser';
import { floorArgs } from './built';

const HERE = import.meta.dirname;

export interface ServerProcess {
  name: string;
  url: string;
  proc: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

/** Killed by the bench's exit handler if it dies before stopping the process. */
export function track(proc: ChildProcess): void {
  const pid = proc.pid;
  if (pid === undefined) return;
  livePids.add(pid);
  proc.once('exit', () => livePids.delete(pid));
}

function startProcess(name: string, file: string, args: string[], cwd: string): Promise<ServerProcess> {
  const proc = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  const logs: string[] = [];
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} did not start in 20 s:\n${logs.join('\n')}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        logs.push(line);
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (!m) continue;
        clearTimeout(timer);
        resolve({
          name,
          url: m[1]!,
          proc,
          logs,
          stop: async () => {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${name} could not be started: ${error.message}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening:\n${logs.join('\n')}`));
    });
  });
}

/** The old server's mimic on an empty data dir (the first save writes its job_history.json). */
export function startPeer(dataDir: string): Promise<ServerProcess> {
  return startProcess(
    'the old server (python3 mimic)',
    process.env.BENCH_PYTHON ?? 'python3',
    [path.join(HERE, 'old-server-mimic.py'), '--data-dir', dataDir],
    dataDir,
  );
}

/** The floor, answering /load-jobs with the bytes of `loadAnswerFile`. */
export async function startFloor(loadAnswerFile: string): Promise<ServerProcess> {
  return startProcess(
    'the floor (trivial Node server)',
    process.execPath,
    [...(await floorArgs()), loadAnswerFile],
    path.dirname(loadAnswerFile),
  );
}
