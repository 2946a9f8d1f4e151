/**
 * The convergence model's world: two extensions and the companion, all in one process, on one logical clock.
 *
 * - An extension is a history store + sync engine + intent handlers over its own in-memory StorageArea
 *   (fakeBrowser.storage.local for A, fakeBrowser.storage.session for B). Every storage call and every
 *   fetch goes through its "incarnation" (one service-worker lifetime), which can be stopped at any call:
 *   from then on its calls never settle, as when Chrome stops the worker, and a fresh incarnation (new
 *   store, engine and handlers objects over the same storage) takes over.
 * - The companion is createApp over the real file store in a temp dir (or the memory store), reached
 *   through app.request with a loopback Host. A restart re-opens the file store from the same dir without
 *   closing the old one (a crash). Its runner is driven by the model (see runnerStart/runnerFinish), with
 *   the same writes as companion-server/runner.ts, so the model decides when a job starts and ends.
 * - Faults per sync: the replica offline, a push or submit applied by the companion whose answer is lost,
 *   the second pull page failing, or the worker stopped at its k-th storage/network call.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { readIndex } from '@/utils/history/reads';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import { createIntentHandlers, type IntentHandlers } from '@/utils/intents/handlers';
import type { StorageAreaLike } from '@/utils/storage/area';
import { decodeChunk } from '@/utils/storage/wanted';
import { createSyncEngine, type SyncEngine, type SyncResult } from '@/utils/sync/engine';
import { type CompanionApp, createApp } from '../../companion-server/app';
import { defaultLimits, type PixelLab, type Runner } from '../../companion-server/deps';
import { createFileStore } from '../../companion-server/store/file-store';
import { type FsSeam, nodeFs } from '../../companion-server/store/fs-seam';
import { createMemoryStore } from '../../companion-server/store/memory-store';
import type { JobStore } from '../../companion-server/store/types';
import { type CompanionClient, createCompanionClient } from '../../utils/companion-client';
import {
  bytesToPngDataUrl,
  canonicalJson,
  compareVersions,
  type Job,
  type SyncedJob,
  sha256Hex,
} from '../../utils/domain';
import { makeSprite } from '../fixtures/png';
import { seededRandom } from '../helpers/seeded-random';

export const BASE_URL = 'http://127.0.0.1:8787';

/** So every replica mints its own ids and replays the same. */
export const seeded = seededRandom;

export interface Clock {
  t: number;
  now(): number;
  advance(ms: number): void;
}

/** One clock for every replica: they share a machine, so last-writer-wins compares like times. */
export function createClock(start = 1_700_000_000_000): Clock {
  const clock: Clock = {
    t: start,
    now: () => clock.t,
    advance: (ms) => void (clock.t += ms),
  };
  return clock;
}

export function withoutSeq(job: Job | SyncedJob): Job {
  const { seq: _seq, ...rest } = job as SyncedJob;
  return rest as Job;
}

export const canonical = (job: Job) => canonicalJson(withoutSeq(job));

export function png(text: string) {
  const bytes = makeSprite(8, 8, text);
  return { bytes, hash: sha256Hex(bytes), dataUrl: bytesToPngDataUrl(bytes) };
}

const never = <T>() => new Promise<T>(() => undefined);

/** What can go wrong during one sync (besides the replica being partitioned). */
export type Fault =
  | { kind: 'none' }
  /** The first push that carries changes is applied by the companion, then its answer is lost. */
  | { kind: 'dropPush' }
  /** The first POST /api/v1/jobs (create) or retry is applied by the companion, then its answer is lost. */
  | { kind: 'dropSubmit' }
  /** The second GET /api/v1/changes fails before it reaches the companion (pull stopped after page 1). */
  | { kind: 'failPage2' }
  /**
   * The worker is stopped at its `at`-th storage or network call counted from the start of `phase` (the sync's
   * start, or its first submit, push or pull request); `forward`: a request in flight still reaches the companion.
   */
  | { kind: 'kill'; phase: KillPhase; at: number; forward: boolean };

export type KillPhase = 'start' | 'submit' | 'push' | 'pull';

function phaseOf(method: string, pathname: string): KillPhase | null {
  if (method === 'POST' && /^\/api\/v1\/jobs(\/[^/]+\/retry)?$/.test(pathname)) return 'submit';
  if (method === 'POST' && pathname === '/api/v1/push') return 'push';
  if (method === 'GET' && pathname === '/api/v1/changes') return 'pull';
  return null;
}

/** One service-worker lifetime: its own store, engine and handlers objects over the replica's storage. */
export interface Incarnation {
  readonly n: number;
  alive: boolean;
  store: HistoryStore;
  engine: SyncEngine;
  handlers: IntentHandlers;
  client: CompanionClient;
  /** Calls made since the kill phase started (storage and network). */
  ops: number;
  /** Whether the kill fault's phase has begun in this sync. */
  phaseStarted: boolean;
  fault: Fault;
  /** Resolves when this worker is stopped (only a `kill` fault stops it). */
  died: Promise<void>;
  requests: { method: string; path: string }[];
  /** Zeroes the per-sync counters (calls, pushes, submits, pull pages). */
  resetCounters(): void;
}

export interface Extension {
  readonly name: 'A' | 'B';
  readonly raw: StorageAreaLike;
  offline: boolean;
  /** The handlers' random stream: survives worker restarts so ids stay unique. */
  readonly random: () => number;
  readonly seed: number;
  inc: Incarnation;
  incarnations: number;
  /** How many times a worker was stopped. */
  kills: number;
}

/**
 * The runner's bookkeeping as the model drives it: what it was handed (create, retry, resume at start)
 * and what it started, with the version each run started from.
 */
export interface ManualRunner extends Runner {
  queue: Set<string>;
  active: Map<string, Job>;
}

export interface Companion {
  readonly kind: 'file' | 'memory';
  readonly dir: string | null;
  store: JobStore;
  app: CompanionApp;
  runner: ManualRunner;
  restarts: number;
  wipes: number;
}

export interface World {
  readonly clock: Clock;
  readonly companion: Companion;
  readonly exts: [Extension, Extension];
  readonly pageSize: number;
  /** The first page of each pull: smaller than the rest, as in the product (100, then 500). */
  readonly firstPageSize: number;
  readonly pushChunkSize: number;
  /** Mints serverIds deterministically, so a replay mints the same. */
  readonly mintServerId: () => string;
  readonly fsync: boolean;
  cleanup(): Promise<void>;
}

export interface WorldOptions {
  store: 'file' | 'memory';
  seed: number;
  /**
   * false: the file store's fsyncs are skipped (every other file call is real). A restart in this model is a
   * process crash, not a power cut, so fsync changes nothing the model can see, and the runs are faster.
   */
  fsync?: boolean;
  pageSize?: number;
  /** Default: 1 with the default page size of 2, else the page size. */
  firstPageSize?: number;
  pushChunkSize?: number;
}

const pixellab: PixelLab = {
  generate: async ({ prompt }) => ({ png: makeSprite(8, 8, prompt), usd: 0.01, seed: 1 }),
  rotate: async ({ toDirection }) => ({ png: makeSprite(8, 8, toDirection), usd: 0.01 }),
  balance: async () => ({ usd: 5 }),
};

function manualRunner(): ManualRunner {
  let limit = 3;
  const runner: ManualRunner = {
    queue: new Set(),
    active: new Map(),
    enqueue(id) {
      runner.queue.add(id);
    },
    setLimit(n) {
      limit = n;
    },
    get limit() {
      return limit;
    },
    get running() {
      return runner.active.size;
    },
  };
  return runner;
}

/** What companion-server/index.ts does at start (runner.resume()): queued jobs go back in the queue. */
function resume(store: JobStore, runner: ManualRunner): void {
  const waiting = store.list().filter((j) => j.status === 'queued');
  waiting.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const job of waiting) runner.enqueue(job.id);
}

/** The real file calls, fsync aside (see WorldOptions.fsync). */
const noFsync: FsSeam = { ...nodeFs, fsync: async () => undefined, fsyncDir: async () => undefined };

/** Every file store opened, so cleanup can stop their background rewrites before the dir goes. */
const opened = new WeakMap<object, JobStore[]>();

async function openStore(
  world: Pick<World, 'clock' | 'mintServerId' | 'fsync'>,
  kind: 'file' | 'memory',
  dir: string | null,
): Promise<JobStore> {
  if (kind === 'file') {
    const store = await createFileStore({
      dataDir: dir!,
      fs: world.fsync ? nodeFs : noFsync,
      now: world.clock.now,
      log: () => undefined,
      randomId: world.mintServerId,
    });
    opened.set(world.clock, [...(opened.get(world.clock) ?? []), store]);
    return store;
  }
  return createMemoryStore({ now: world.clock.now, serverId: world.mintServerId() });
}

function appFor(clock: Clock, store: JobStore, runner: ManualRunner): CompanionApp {
  return createApp({
    store,
    pixellab,
    runner,
    now: clock.now,
    log: () => undefined,
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 0,
    },
  });
}

/** The companion process stops without closing its store, and starts again over the same data dir. */
export async function restartCompanion(world: World): Promise<void> {
  const c = world.companion;
  if (c.kind !== 'file') throw new Error('only the file store survives a restart');
  c.store = await openStore(world, 'file', c.dir);
  // Jobs running when it stopped were marked failed ("interrupted") while loading; queued ones resume.
  c.runner = manualRunner();
  resume(c.store, c.runner);
  c.app = appFor(world.clock, c.store, c.runner);
  c.restarts++;
}

/** The companion's data is gone (a fresh install, another data dir): an empty store with a new serverId. */
export async function wipeCompanion(world: World): Promise<void> {
  const c = world.companion;
  c.store = await openStore(world, 'memory', null);
  c.runner = manualRunner();
  c.app = appFor(world.clock, c.store, c.runner);
  c.wipes++;
}

export async function createWorld(options: WorldOptions): Promise<World> {
  fakeBrowser.reset();
  const clock = createClock();
  const dir = options.store === 'file' ? await mkdtemp(path.join(os.tmpdir(), 'pixellab-convergence-')) : null;
  let minted = 0;
  const partial = { clock, mintServerId: () => `srv-${options.seed}-${++minted}`, fsync: options.fsync ?? true };
  const store = await openStore(partial, options.store, dir);
  const runner = manualRunner();
  const companion: Companion = {
    kind: options.store,
    dir,
    store,
    runner,
    app: appFor(clock, store, runner),
    restarts: 0,
    wipes: 0,
  };
  const world = {
    clock,
    companion,
    pageSize: options.pageSize ?? 2,
    firstPageSize: options.firstPageSize ?? options.pageSize ?? 1,
    pushChunkSize: options.pushChunkSize ?? 2,
    mintServerId: partial.mintServerId,
    fsync: partial.fsync,
    exts: [] as unknown as [Extension, Extension],
    async cleanup() {
      // Newest first: a store a restart left behind lost the data dir's lock and closes without writing.
      for (const store of (opened.get(clock) ?? []).reverse()) await store.close().catch(() => undefined);
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  } satisfies World;
  const mk = (name: 'A' | 'B', raw: StorageAreaLike, seed: number): Extension => {
    const ext = { name, raw, offline: false, random: seeded(seed), seed, incarnations: 0, kills: 0 } as Extension;
    ext.inc = incarnate(world, ext);
    return ext;
  };
  world.exts[0] = mk('A', fakeBrowser.storage.local as unknown as StorageAreaLike, options.seed * 2 + 1);
  world.exts[1] = mk('B', fakeBrowser.storage.session as unknown as StorageAreaLike, options.seed * 2 + 2);
  return world;
}

/** A new worker over the same storage: nothing in memory survives (engine counters, store write chain). */
export function incarnate(world: World, ext: Extension): Incarnation {
  ext.incarnations++;
  let die: () => void = () => undefined;
  const inc = {
    n: ext.incarnations,
    alive: true,
    ops: 0,
    phaseStarted: false,
    fault: { kind: 'none' } as Fault,
    died: Promise.resolve(),
    requests: [] as { method: string; path: string }[],
  } as Incarnation;
  inc.died = new Promise<void>((resolve) => {
    die = resolve;
  });
  const stop = () => {
    inc.alive = false;
    ext.kills++;
    die();
  };
  /** True when this call is the one the worker is stopped at. */
  const killPoint = () => {
    if (inc.fault.kind !== 'kill' || !inc.phaseStarted) return false;
    inc.ops++;
    return inc.ops >= inc.fault.at;
  };
  const step = <T>(fn: () => Promise<T>): Promise<T> => {
    if (!inc.alive) return never<T>();
    if (killPoint()) {
      stop();
      return never<T>();
    }
    return fn();
  };
  const area: StorageAreaLike = {
    get: (keys) => step(() => ext.raw.get(keys)),
    set: (items) => step(() => ext.raw.set(items)),
    remove: (keys) => step(() => ext.raw.remove(keys)),
  };
  let pushesWithChanges = 0;
  let submits = 0;
  let pulls = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (!inc.alive) return never();
    const request = new Request(input, init);
    const url = new URL(request.url);
    request.headers.set('host', url.host);
    const route = { method: request.method, path: url.pathname + url.search };
    if (inc.fault.kind === 'kill' && inc.fault.phase === phaseOf(route.method, url.pathname)) inc.phaseStarted = true;
    const kill = killPoint();
    if (kill && (ext.offline || !(inc.fault.kind === 'kill' && inc.fault.forward))) {
      stop();
      return never();
    }
    if (ext.offline) throw new TypeError('fetch failed');
    inc.requests.push(route);
    let dropAnswer = false;
    if (route.method === 'GET' && url.pathname === '/api/v1/changes') {
      pulls++;
      if (inc.fault.kind === 'failPage2' && pulls === 2) throw new TypeError('worker stopped');
    }
    if (route.method === 'POST' && url.pathname === '/api/v1/push') {
      const body = JSON.parse(String(init?.body ?? '{}')) as { changes?: unknown[] };
      if ((body.changes?.length ?? 0) > 0 && ++pushesWithChanges === 1 && inc.fault.kind === 'dropPush')
        dropAnswer = true;
    }
    if (phaseOf(route.method, url.pathname) === 'submit') {
      if (++submits === 1 && inc.fault.kind === 'dropSubmit') dropAnswer = true;
    }
    const response = await world.companion.app.request(request);
    if (kill) {
      // The request reached the companion; the worker stopped before it read the answer.
      await response.arrayBuffer();
      stop();
      return never();
    }
    if (dropAnswer) {
      await response.arrayBuffer();
      throw new TypeError('connection reset');
    }
    return response;
  };
  inc.client = createCompanionClient({ baseUrl: BASE_URL, fetch });
  inc.store = createHistoryStore(area, { now: world.clock.now });
  inc.engine = createSyncEngine({
    store: inc.store,
    client: () => inc.client,
    now: world.clock.now,
    random: seeded(ext.seed * 7919 + ext.incarnations),
    pageSize: world.pageSize,
    firstPageSize: world.firstPageSize,
    pushChunkSize: world.pushChunkSize,
  });
  inc.handlers = createIntentHandlers({
    store: inc.store,
    engine: inc.engine,
    scheduler: {
      kick: () => undefined,
      panelOpen: () => undefined,
      syncNow: () => inc.engine.syncOnce({ force: true }),
    },
    client: () => inc.client,
    now: world.clock.now,
    random: ext.random,
  });
  inc.resetCounters = () => {
    inc.ops = 0;
    inc.phaseStarted = inc.fault.kind === 'kill' && inc.fault.phase === 'start';
    inc.requests = [];
    pushesWithChanges = 0;
    submits = 0;
    pulls = 0;
  };
  return inc;
}

export type SyncOutcome = { kind: 'done'; result: SyncResult } | { kind: 'killed' };

/**
 * One sync of `ext` with `fault`. A stopped worker is replaced by a fresh incarnation over the
 * same storage before this returns.
 */
export async function runSync(world: World, ext: Extension, fault: Fault = { kind: 'none' }): Promise<SyncOutcome> {
  const inc = ext.inc;
  inc.fault = fault;
  inc.resetCounters();
  try {
    const outcome = await Promise.race([
      inc.engine.syncOnce({ force: true }).then((result): SyncOutcome => ({ kind: 'done', result })),
      inc.died.then((): SyncOutcome => ({ kind: 'killed' })),
    ]);
    if (outcome.kind === 'killed') ext.inc = incarnate(world, ext);
    return outcome;
  } finally {
    inc.fault = { kind: 'none' };
  }
}

// --- reading a replica's whole state -----------------------------------------------------------

export interface ExtensionState {
  jobs: Map<string, Job>;
  images: Set<string>;
  /** The wanted images' entries, as wantKey (`id NUL hash`). */
  wanted: Set<string>;
  index: { id: string; createdAt: number; status: string; prompt: string }[];
  head: string[];
  stats: Record<string, number | null>;
  tombstones: string[];
  outbox: string[];
  submit: { id: string; action: string }[];
  pendingPush: { requestId: string; jobs: Job[] } | null;
  sync: { serverId: string | null; checkpoint: number };
}

export async function readExtension(ext: Extension): Promise<ExtensionState> {
  const all = await ext.raw.get(null);
  const jobs = new Map<string, Job>();
  const images = new Set<string>();
  const wanted = new Set<string>();
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith('job:')) jobs.set(key.slice(4), value as Job);
    else if (key.startsWith('img:')) images.add(key.slice(4));
  }
  for (const chunk of ((all.wanted ?? { chunks: [] }) as { chunks: { n: number }[] }).chunks)
    for (const w of decodeChunk(all[`wanted:${chunk.n}`]) ?? []) wanted.add(`${w.id}\u0000${w.hash}`);
  const sync = (all.sync ?? {}) as { serverId?: string | null; checkpoint?: number };
  return {
    jobs,
    images,
    wanted,
    index: await readIndex(ext.raw),
    head: (all.head ?? []) as string[],
    stats: (all.stats ?? {}) as ExtensionState['stats'],
    tombstones: (all.tombstones ?? []) as string[],
    outbox: (all.outbox ?? []) as string[],
    submit: (all.submit ?? []) as ExtensionState['submit'],
    pendingPush: (all.pushPending ?? null) as ExtensionState['pendingPush'],
    sync: { serverId: sync.serverId ?? null, checkpoint: sync.checkpoint ?? 0 },
  };
}

export interface CompanionState {
  serverId: string;
  lastSeq: number;
  jobs: Map<string, SyncedJob>;
  hasImage(hash: string): boolean;
}

export function readCompanion(c: Companion): CompanionState {
  const jobs = new Map<string, SyncedJob>();
  for (const job of c.store.changesSince(0, Number.MAX_SAFE_INTEGER).changes) jobs.set(job.id, job);
  const store = c.store;
  return { serverId: store.serverId, lastSeq: store.lastSeq, jobs, hasImage: (hash) => store.hasImage(hash) };
}

/** Live jobs of the companion with `status`, by id. */
export function companionJobs(c: Companion, filter: (job: SyncedJob) => boolean): SyncedJob[] {
  return [...readCompanion(c).jobs.values()].filter(filter).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export { compareVersions };
