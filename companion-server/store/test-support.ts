/** Helpers for the store's tests: real PNGs, temp data dirs, jobs, and a fault-injecting fs seam. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, type Job, type JobInput, jobSchema } from '../../utils/domain';
import { writePng } from '../../utils/export/png-encode';
import { type FsSeam, nodeFs } from './fs-seam';
import type { HistoryState } from './history-state';
import { type Plan, planClear, planMerge, planPut, planReplaceAll } from './plans';

/** A valid 2x2 RGBA PNG whose pixels depend on `n`, so different `n` give different hashes. */
export function makePng(n: number): Uint8Array {
  const pixel = (r: number) => [n & 255, (n >> 8) & 255, r, 255];
  const swapped = (r: number) => [r, n & 255, 7, 255];
  return writePng(Uint8Array.from([...pixel(1), ...swapped(1), ...pixel(2), ...swapped(2)]), 2, 2);
}

/** A fresh dir under the OS temp dir, removed by the returned cleanup. */
export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pixellab-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function makeJob(overrides: Partial<JobInput> & Record<string, unknown> = {}): Job {
  return jobSchema.parse({
    id: 'job-1',
    prompt: 'heroic knight with glowing sword',
    width: 64,
    height: 64,
    status: 'success',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  });
}

export function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

export interface FaultyFs {
  fs: FsSeam;
  /** Calls by method, counted whether they failed or not. */
  calls: Record<string, string[]>;
  /** Makes `method` throw `code` (for paths matching `when`) until cleared. */
  fail(
    method: 'write' | 'rename' | 'link' | 'fsync' | 'fsyncDir' | 'open',
    code: string,
    when?: (path: string) => boolean,
  ): void;
  clear(): void;
}

/** Wraps the real fs seam, recording calls and throwing injected errors. */
export function faultyFs(base: FsSeam = nodeFs): FaultyFs {
  const calls: Record<string, string[]> = {};
  const faults = new Map<string, { code: string; when: (path: string) => boolean }>();
  const handlePaths = new WeakMap<object, string>();
  const check = (method: string, path: string) => {
    calls[method] = [...(calls[method] ?? []), path];
    const fault = faults.get(method);
    if (fault?.when(path)) throw fsError(fault.code);
  };
  const fs: FsSeam = {
    ...base,
    open: async (path, flags) => {
      check('open', path);
      const handle = await base.open(path, flags);
      handlePaths.set(handle, path);
      return handle;
    },
    write: async (handle, data) => {
      check('write', handlePaths.get(handle) ?? '?');
      return base.write(handle, data);
    },
    fsync: async (handle) => {
      check('fsync', handlePaths.get(handle) ?? '?');
      return base.fsync(handle);
    },
    rename: async (from, to) => {
      check('rename', `${from} -> ${to}`);
      return base.rename(from, to);
    },
    link: async (from, to) => {
      check('link', `${from} -> ${to}`);
      return base.link(from, to);
    },
    fsyncDir: async (path) => {
      check('fsyncDir', path);
      return base.fsyncDir(path);
    },
  };
  return {
    fs,
    calls,
    fail: (method, code, when = () => true) => void faults.set(method, { code, when }),
    clear: () => faults.clear(),
  };
}

/**
 * A history state with the store's plans run synchronously against it (no journal): for unit tests of the
 * state and the plans. `put`, `merge`, `replaceAll` and `clear` behave as the store's, minus the disk.
 */
export function planningState(state: HistoryState, clock: Clock) {
  const view = {
    get: (id: string) => state.get(id),
    liveIds: () => state.liveEntries().map((e) => e.id),
    record: (kind: string, id: string) => state.record(kind, id),
  };
  const run = <T>(plan: Plan<T>): T => {
    const prepared = state.prepare(plan.versions);
    const others = state.prepareRecords(plan.records ?? [], prepared.length);
    state.apply(prepared, plan.lastJobId, others);
    return plan.result(
      prepared.map((r) => r.job),
      others.map((r) => r.record),
    );
  };
  const ops = {
    put: (job: unknown) => run(planPut(view, job as Job, clock)),
    merge: (jobs: readonly unknown[]) => run(planMerge(view, jobs)),
    replaceAll: (jobs: readonly unknown[], lastJobId: number) => run(planReplaceAll(view, jobs, lastJobId, clock)),
    clear: () => run(planClear(view, clock)),
  };
  return Object.assign(Object.create(state) as HistoryState, ops);
}
