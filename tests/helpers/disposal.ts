/**
 * The browser tests' cleanup registry, shared by the Chromium and Firefox harnesses: everything a test starts
 * (browsers, companion processes, fake servers, temp dirs) registers a step here, and `afterEach(disposeAll)`
 * runs them newest first, even when the test failed or timed out. A last-resort exit hook kills registered
 * processes and removes temp dirs if the worker process itself goes away.
 */
import { rmSync } from 'node:fs';
import { makeTempDir } from './temp-dir';

type Disposer = { name: string; run: () => Promise<unknown> | unknown };
const disposers: Disposer[] = [];
/** Synchronous last resorts for process exit: kill a pid, remove a dir. */
const exitPids = new Set<number>();
const exitDirs = new Set<string>();

process.once('exit', () => {
  for (const pid of exitPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of exitDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
});

/** Registers a clean-up step; steps run newest first in `disposeAll`. Returns an unregister function. */
export function onDispose(name: string, run: () => Promise<unknown> | unknown): () => void {
  const entry = { name, run };
  disposers.push(entry);
  return () => {
    const i = disposers.indexOf(entry);
    if (i >= 0) disposers.splice(i, 1);
  };
}

/** Runs every registered clean-up step, newest first; one failing step does not stop the others. */
export async function disposeAll(): Promise<void> {
  const errors: unknown[] = [];
  while (disposers.length) {
    const entry = disposers.pop()!;
    try {
      await withTimeout(Promise.resolve(entry.run()), 15_000, `cleanup "${entry.name}"`);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw new AggregateError(errors, `cleanup failed: ${errors.map(String).join('; ')}`);
}

/** Kills this pid if the worker exits before the test's own clean-up ran; returns the function that forgets it. */
export function killOnExit(pid: number): () => void {
  exitPids.add(pid);
  return () => exitPids.delete(pid);
}

/** A temp dir removed by `disposeAll` (or at exit). */
export async function tempDir(prefix: string): Promise<string> {
  const temp = await makeTempDir(prefix);
  exitDirs.add(temp.dir);
  onDispose(`remove ${temp.dir}`, async () => {
    await temp.remove();
    exitDirs.delete(temp.dir);
  });
  return temp.dir;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}
