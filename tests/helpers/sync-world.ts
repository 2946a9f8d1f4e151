import { createApp } from '@/companion-server/app';
import { type CompanionDeps, defaultLimits, type PixelLab } from '@/companion-server/deps';
import { createRunner } from '@/companion-server/paid/runner';
import { createMemoryStore } from '@/companion-server/store/memory-store';
import type { JobStore } from '@/companion-server/store/types';
import { makeSprite } from '@/tests/fixtures/png';
import { createCompanionClient } from '@/utils/companion-client';
import { bytesToPngDataUrl, type Job, type JobInput, jobSchema, sha256Hex } from '@/utils/domain';
import { createHistoryStore, type HistoryStore } from '@/utils/history/store';
import type { StorageAreaLike } from '@/utils/storage/area';
import { createSyncEngine, type SyncEngineOptions } from '@/utils/sync/engine';

/**
 * The sync engine's world for tests: the real companion (createApp over a store and a runner) behind a fetch
 * function with switches for faults, and extension replicas (a history store and an engine over a storage area).
 */

/** One clock for the extension and the companion, so last-writer-wins compares like times. */
export function createClock(start = 1_700_000_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock;
}

interface Sent {
  method: string;
  path: string;
  body: unknown;
}

/**
 * The real companion (createApp + memory store + runner) behind a fetch function, with switches
 * to take it offline, drop an answer after the companion acted on it, or fail one route.
 */
export function startCompanion(
  clock: ReturnType<typeof createClock>,
  options: { serverId?: string; jobs?: Job[]; store?: JobStore; deviceSync?: CompanionDeps['deviceSync'] } = {},
) {
  const store =
    options.store ??
    createMemoryStore({ now: clock.now, serverId: options.serverId ?? 'server-a', jobs: options.jobs });
  const pixellab: PixelLab = {
    generate: async ({ prompt, width, height, seed }) => ({
      png: makeSprite(width, height, prompt),
      usd: 0.01,
      seed: seed ?? 1,
    }),
    rotate: async ({ width, height, toDirection }) => ({ png: makeSprite(width, height, toDirection), usd: 0.01 }),
    balance: async () => ({ usd: 5 }),
  };
  const runner = createRunner({ store, pixellab, now: clock.now, log: () => undefined });
  const app = createApp({
    store,
    pixellab,
    runner,
    now: clock.now,
    log: () => undefined,
    deviceSync: options.deviceSync,
    config: {
      allowOrigins: [],
      token: null,
      apiKeyDetected: true,
      limits: defaultLimits,
      version: 'test',
      balanceTtlMs: 0,
    },
  });
  const sent: Sent[] = [];
  const control = {
    offline: false,
    /** Let the companion act on the next matching request, then lose its answer. */
    dropAnswer: null as null | ((s: Sent) => boolean),
    /** Fail matching requests as if the worker died there. */
    failBefore: null as null | ((s: Sent) => boolean),
  };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (control.offline) throw new TypeError('fetch failed');
    const request = new Request(input, init);
    const url = new URL(request.url);
    request.headers.set('host', url.host);
    const body = init?.body ? (JSON.parse(String(init.body)) as unknown) : undefined;
    const entry = { method: request.method, path: url.pathname + url.search, body };
    if (control.failBefore?.(entry)) throw new TypeError('worker stopped');
    sent.push(entry);
    const response = await app.request(request);
    if (control.dropAnswer?.(entry)) {
      control.dropAnswer = null;
      throw new TypeError('connection reset');
    }
    return response;
  };
  const client = createCompanionClient({ baseUrl: 'http://127.0.0.1:8787', fetch });
  return {
    store,
    runner,
    app,
    fetch,
    client,
    sent,
    control,
    requests: (path: string) => sent.filter((s) => s.path.startsWith(path)),
  };
}
export type Companion = ReturnType<typeof startCompanion>;

export function job(overrides: Partial<JobInput> & { id: string }): Job {
  return jobSchema.parse({
    prompt: `prompt ${overrides.id}`,
    width: 64,
    height: 64,
    status: 'success',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  });
}

export function idle(id: string, at: number, overrides: Partial<JobInput> = {}): Job {
  return job({ id, status: 'idle', createdAt: at, updatedAt: at, ...overrides });
}

export function png(text: string) {
  const bytes = makeSprite(16, 16, text);
  return { bytes, hash: sha256Hex(bytes), dataUrl: bytesToPngDataUrl(bytes) };
}

/** A small seeded generator, so each replica mints its own ids. */
export function seeded(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
let seeds = 1;
/** A fresh seeded generator for the next replica. */
export const nextRandom = () => seeded(seeds++);

/** A replica of the extension: its own storage area, store and engine. */
export function replica(
  area: StorageAreaLike,
  clock: ReturnType<typeof createClock>,
  companion: () => Companion,
  extra: Partial<SyncEngineOptions> = {},
) {
  const store = createHistoryStore(area, { now: clock.now });
  const engine = createSyncEngine({
    store,
    client: () => companion().client,
    now: clock.now,
    random: nextRandom(),
    ...extra,
  });
  return { store, engine };
}

/** Requests that asked for this image, alone or in a batch. */
export function imageRequests(companion: Companion, hash: string) {
  return companion.requests('/api/v1/images').filter((s) => s.path.includes(hash));
}

export async function serverJob(companion: Companion, id: string) {
  return companion.store.get(id);
}

export async function liveIds(store: HistoryStore) {
  return (await store.getIndex()).map((e) => e.id).sort();
}
