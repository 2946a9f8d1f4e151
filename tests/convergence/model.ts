/**
 * The randomized model: a list of operations (fast-check generates and shrinks it), run against the
 * world of harness.ts, with rules checked after every step and after the heal. See README.md.
 */
import fc from 'fast-check';
import { compareIndexEntries, deriveLayout, toIndexEntry } from '@/utils/history/derive';
import { finishedVersion, type Outcome, runningVersion } from '../../companion-server/paid/runner';
import { canonicalJson, directions, type Job } from '../../utils/domain';
import {
  type CompanionState,
  canonical,
  companionJobs,
  compareVersions,
  createWorld,
  type Extension,
  type ExtensionState,
  type Fault,
  type KillPhase,
  png,
  readCompanion,
  readExtension,
  restartCompanion,
  runSync,
  type World,
  wipeCompanion,
  withoutSeq,
} from './harness';

export type StoreKind = 'file' | 'memory';

/** A change made on one extension while it is offline or online: what the panel (or the companion's answers) would do. */
export type LocalOp =
  | { op: 'create'; count: number }
  | { op: 'rotate'; pick: number; dir: number }
  | { op: 'retry'; pick: number }
  | { op: 'delete'; pick: number }
  | { op: 'edit'; pick: number }
  | { op: 'markDone'; pick: number }
  /** The panel's "clear history": every live job becomes a tombstone. */
  | { op: 'clear' };

export type Op = { dt: number } & (
  | ({ r: number } & LocalOp)
  | { op: 'runnerStart'; pick: number }
  | { op: 'runnerFinish'; pick: number; ok: boolean }
  | { op: 'partition'; r: number; offline: boolean }
  | { op: 'sync'; r: number; fault: Fault }
  /** File store: the companion crashes and starts again over the same data dir. */
  | { op: 'restart' }
  /** Memory store: the companion's data is replaced by an empty one (new serverId). */
  | { op: 'wipe' }
  /** Memory store: a sync of `r` with a local change made while it runs, after `delay` turns of the event loop's microtasks. */
  | { op: 'race'; r: number; delay: number; local: LocalOp }
  /** Memory store: both extensions sync at once. */
  | { op: 'syncBoth' }
);

export interface Scenario {
  seed: number;
  ops: Op[];
}

// --- generators --------------------------------------------------------------------------------

const replicaArb = fc.integer({ min: 0, max: 1 });
const pickArb = fc.nat(1000);
const dtArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 2 }), weight: 6 },
  { arbitrary: fc.constant(1000), weight: 1 },
);

export const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Fault>({ kind: 'none' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'dropPush' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'dropSubmit' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'failPage2' }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('kill' as const),
      phase: fc.constantFrom<KillPhase>('start', 'submit', 'push', 'pull'),
      at: fc.integer({ min: 1, max: 14 }),
      forward: fc.boolean(),
    }),
  },
);

const localArb: fc.Arbitrary<LocalOp> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ op: fc.constant('create' as const), count: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('rotate' as const), pick: pickArb, dir: fc.integer({ min: 0, max: 7 }) }),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('retry' as const), pick: pickArb }) },
  { weight: 9, arbitrary: fc.record({ op: fc.constant('delete' as const), pick: pickArb }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('edit' as const), pick: pickArb }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('markDone' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
);

export function opArb(store: StoreKind): fc.Arbitrary<Op> {
  const withDt = <T extends object>(arb: fc.Arbitrary<T>) =>
    fc.tuple(arb, dtArb).map(([o, dt]) => ({ ...o, dt }) as T & { dt: number });
  const common: fc.WeightedArbitrary<Op>[] = [
    { weight: 12, arbitrary: withDt(fc.tuple(replicaArb, localArb).map(([r, l]) => ({ r, ...l }))) },
    { weight: 5, arbitrary: withDt(fc.record({ op: fc.constant('runnerStart' as const), pick: pickArb })) },
    {
      weight: 5,
      arbitrary: withDt(
        fc.record({
          op: fc.constant('runnerFinish' as const),
          pick: pickArb,
          ok: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: withDt(fc.record({ op: fc.constant('partition' as const), r: replicaArb, offline: fc.boolean() })),
    },
    { weight: 9, arbitrary: withDt(fc.record({ op: fc.constant('sync' as const), r: replicaArb, fault: faultArb })) },
  ];
  if (store === 'file') {
    common.push({ weight: 1, arbitrary: withDt(fc.record({ op: fc.constant('restart' as const) })) });
  } else {
    common.push(
      { weight: 1, arbitrary: withDt(fc.record({ op: fc.constant('wipe' as const) })) },
      {
        weight: 3,
        arbitrary: withDt(
          fc.record({ op: fc.constant('race' as const), r: replicaArb, delay: fc.nat(400), local: localArb }),
        ),
      },
      { weight: 2, arbitrary: withDt(fc.record({ op: fc.constant('syncBoth' as const) })) },
    );
  }
  return fc.oneof(...common);
}

export function scenarioArb(store: StoreKind, maxOps: number): fc.Arbitrary<Scenario> {
  return fc.record({
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    ops: fc.array(opArb(store), { minLength: 1, maxLength: maxOps, size: 'max' }),
  });
}

// --- what the model remembers ------------------------------------------------------------------

/** CONVERGENCE_SKIP_RULES=images,layout: rules not checked (to look past a known defect); every rule is checked by default. */
export const skippedRules = new Set(
  (process.env.CONVERGENCE_SKIP_RULES ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean),
);

export class RuleBroken extends Error {
  /** Replicas (of 3) that ended with the companion's history, when the run got that far. */
  converged = 0;
  constructor(
    readonly rule: string,
    readonly detail: string,
  ) {
    super(`rule "${rule}" broke: ${detail}`);
  }
}

/** Throws RuleBroken unless the rule is skipped (CONVERGENCE_SKIP_RULES). */
function broke(rule: string, detail: string): void {
  if (!skippedRules.has(rule)) throw new RuleBroken(rule, detail);
}

/** What the runs exercised, so a green run can be told from a run that tested little. */
export const coverage = {
  syncs: 0,
  failedSyncs: 0,
  /** Workers stopped mid-sync, by the last request they had sent (or "before any request"). */
  kills: {} as Record<string, number>,
  /** Deletes that met a newer live version and were applied again on top of it. */
  buriedDeletes: 0,
  /** Jobs marked failed ("interrupted") by a companion restart. */
  interrupted: 0,
  /** Pull pages of a sync past the first. */
  extraPages: 0,
};

interface Model {
  /** Ids a delete intent tombstoned: they must end deleted everywhere. */
  deleted: Set<string>;
  /** Ids the extensions minted. */
  created: Set<string>;
  /** `${prompt}\u0000${createdAt}` -> how many jobs were made with it (a batch makes several). */
  createdKeys: Map<string, number>;
  /** Every version any replica held: id -> canonical JSON -> version. */
  seen: Map<string, Map<string, Job>>;
  /** Versions that only a wiped companion held (lost with its data, as expected). */
  exempt: Set<string>;
  /** Image hashes that only a wiped companion held: a version pointing at one cannot show it anywhere. */
  lostImages: Set<string>;
  /** Short names for ids, in order of appearance, for readable traces. */
  names: Map<string, string>;
  trace: string[];
  counter: number;
  previous: Snapshot | null;
  /** Set by the final check once the replicas are compared. */
  converged: number;
}

interface Snapshot {
  exts: ExtensionState[];
  companion: CompanionState;
}

function newModel(): Model {
  return {
    deleted: new Set(),
    created: new Set(),
    createdKeys: new Map(),
    seen: new Map(),
    exempt: new Set(),
    lostImages: new Set(),
    names: new Map(),
    trace: [],
    counter: 0,
    previous: null,
    converged: 0,
  };
}

function nameOf(model: Model, id: string): string {
  let name = model.names.get(id);
  if (!name) {
    name = `j${model.names.size + 1}`;
    model.names.set(id, name);
  }
  return name;
}

const keyOf = (job: Pick<Job, 'prompt' | 'createdAt'>) => `${job.prompt}\u0000${job.createdAt}`;
const byId = (a: Job, b: Job) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function faultName(fault: Fault): string {
  return fault.kind === 'kill'
    ? `stop worker at call ${fault.at} of ${fault.phase}${fault.forward ? ', request delivered' : ''}`
    : fault.kind;
}

/** One line per operation, the way the trace prints it. */
export function describeOp(op: Op): string {
  const at = op.dt ? `+${op.dt}ms ` : '';
  const who = 'r' in op ? (op.r === 0 ? 'A' : 'B') : '';
  switch (op.op) {
    case 'create':
      return `${at}${who}.create(x${op.count})`;
    case 'rotate':
      return `${at}${who}.rotate(#${op.pick}, ${directions[op.dir]})`;
    case 'retry':
    case 'delete':
    case 'edit':
    case 'markDone':
      return `${at}${who}.${op.op}(#${op.pick})`;
    case 'clear':
      return `${at}${who}.clearHistory`;
    case 'runnerStart':
      return `${at}companion.runner.start(#${op.pick})`;
    case 'runnerFinish':
      return `${at}companion.runner.finish(#${op.pick}, ${op.ok ? 'success' : 'error'})`;
    case 'partition':
      return `${at}${who}.${op.offline ? 'offline' : 'online'}`;
    case 'sync':
      return `${at}${who}.sync[${faultName(op.fault)}]`;
    case 'restart':
      return `${at}companion.restart`;
    case 'wipe':
      return `${at}companion.wipe`;
    case 'race':
      return `${at}${who}.sync + ${describeOp({ ...op.local, r: op.r, dt: 0 } as Op)} after ${op.delay} ticks`;
    case 'syncBoth':
      return `${at}A.sync || B.sync`;
  }
}

// --- running operations -----------------------------------------------------------------------

async function liveJobs(ext: Extension, filter: (job: Job) => boolean = () => true): Promise<Job[]> {
  const state = await readExtension(ext);
  return [...state.jobs.values()].filter((j) => !j.deleted && filter(j)).sort(byId);
}

const choose = <T>(items: readonly T[], pick: number): T | undefined =>
  items.length ? items[pick % items.length] : undefined;

/** Picks the local op's target now (before a race starts), so the op only acts later. */
async function target(ext: Extension, local: LocalOp): Promise<Job | undefined> {
  switch (local.op) {
    case 'create':
    case 'clear':
      return undefined;
    case 'rotate':
      return choose(await liveJobs(ext, (j) => j.status === 'success' && j.image !== null), local.pick);
    case 'retry':
      return choose(await liveJobs(ext, (j) => j.status === 'error' || j.status === 'idle'), local.pick);
    case 'delete':
      return choose(await liveJobs(ext), local.pick);
    case 'edit':
      // Only finished jobs: the product has no edit that could put back a stale queued/running status.
      return choose(await liveJobs(ext, (j) => j.status === 'success' || j.status === 'error'), local.pick);
    case 'markDone':
      return choose(await liveJobs(ext, (j) => j.status !== 'success'), local.pick);
  }
}

async function runLocal(
  world: World,
  model: Model,
  ext: Extension,
  local: LocalOp,
  job: Job | undefined,
): Promise<string> {
  const { handlers, store } = ext.inc;
  const now = world.clock.now();
  if (local.op === 'create') {
    const prompt = `${ext.name.toLowerCase()}${++model.counter}`;
    const reply = await handlers.generate({
      type: 'generate',
      request: { prompt, width: 64, height: 64, seed: null, count: local.count },
    });
    if (!reply.ok) return `refused: ${reply.error}`;
    const made = await store.getJobs(reply.ids ?? []);
    for (const j of made.values()) {
      model.created.add(j.id);
      model.createdKeys.set(keyOf(j), (model.createdKeys.get(keyOf(j)) ?? 0) + 1);
    }
    return (reply.ids ?? []).map((id) => nameOf(model, id)).join(',');
  }
  if (local.op === 'clear') {
    const live = (await liveJobs(ext)).map((j) => j.id);
    const reply = await handlers.clearHistory({ type: 'clearHistory' });
    if (!reply.ok) return `refused: ${reply.error}`;
    for (const id of live) model.deleted.add(id);
    return live.map((id) => nameOf(model, id)).join(',') || 'nothing to clear';
  }
  if (!job) return 'no target';
  const name = nameOf(model, job.id);
  switch (local.op) {
    case 'rotate': {
      const reply = await handlers.rotate({
        type: 'rotate',
        id: job.id,
        toDirection: directions[local.dir]!,
        fromDirection: null,
      });
      if (!reply.ok) return `${name} refused: ${reply.error}`;
      for (const j of (await store.getJobs(reply.ids ?? [])).values()) {
        model.created.add(j.id);
        model.createdKeys.set(keyOf(j), (model.createdKeys.get(keyOf(j)) ?? 0) + 1);
      }
      return `${name} -> ${(reply.ids ?? []).map((id) => nameOf(model, id)).join(',')}`;
    }
    case 'retry': {
      const reply = await handlers.retry({ type: 'retry', id: job.id });
      return reply.ok ? name : `${name} refused: ${reply.error}`;
    }
    case 'delete': {
      const reply = await handlers.delete({ type: 'delete', id: job.id });
      if (!reply.ok) return `${name} refused: ${reply.error}`;
      model.deleted.add(job.id);
      return name;
    }
    case 'edit': {
      // A prompt change, made as a new version of the job (the panel's edits all bump updatedAt), on the
      // version stored when it is written (editJobs), as every edit of an existing job in the product is.
      const counter = ++model.counter;
      const edited = await store.editJobs([job.id], (current, clock) => {
        const latest = current.get(job.id);
        if (!latest || latest.deleted) return { result: null };
        const version: Job = clock.stamp({ ...latest, prompt: `${latest.prompt}~${counter}` }, latest);
        return { jobs: [version], options: { markDirty: true }, result: version };
      });
      if (!edited) return `${name} gone meanwhile`;
      model.createdKeys.set(keyOf(edited), (model.createdKeys.get(keyOf(edited)) ?? 0) + 1);
      return name;
    }
    case 'markDone': {
      // A finished version with its image, as the companion would write it, pushed from this extension.
      const image = png(`done-${ext.name}-${++model.counter}`);
      const done = await store.editJobs([job.id], (current, clock) => {
        const latest = current.get(job.id);
        if (!latest || latest.deleted) return { result: false };
        const version: Job = clock.stamp(
          {
            ...latest,
            status: 'success',
            error: null,
            image: image.hash,
            startTime: latest.startTime ?? now,
            endTime: now,
            duration: 0,
          },
          latest,
        );
        return { jobs: [version], options: { markDirty: true, images: { [image.hash]: image.dataUrl } }, result: true };
      });
      if (!done) return `${name} gone meanwhile`;
      return `${name} image ${image.hash.slice(0, 8)}`;
    }
  }
}

/** The companion's runner takes a job from its queue (runner.ts runJob: skipped unless still queued, else its `running` write). */
async function runnerStart(world: World, model: Model, pick: number): Promise<string> {
  const c = world.companion;
  const id = choose([...c.runner.queue].sort(), pick);
  if (!id) return 'nothing queued';
  c.runner.queue.delete(id);
  const job = c.store.get(id);
  if (!job || job.deleted || job.status !== 'queued')
    return `${nameOf(model, id)} skipped (${job ? (job.deleted ? 'deleted' : job.status) : 'unknown'})`;
  const running = runningVersion(job, world.clock.now(), c.store.clock);
  await c.store.put(running);
  c.runner.active.set(id, running);
  return nameOf(model, id);
}

/** The runner's final write (runner.ts finish): on top of the job's current version, keeping a delete. */
async function runnerFinish(world: World, model: Model, pick: number, ok: boolean): Promise<string> {
  const c = world.companion;
  let id = choose([...c.runner.active.keys()].sort(), pick);
  if (!id) {
    const before = new Set(c.runner.active.keys());
    const started = await runnerStart(world, model, pick);
    id = [...c.runner.active.keys()].find((k) => !before.has(k));
    if (!id) return started;
  }
  const running = c.runner.active.get(id)!;
  c.runner.active.delete(id);
  const outcome: Outcome = ok
    ? {
        status: 'success',
        image: await c.store.putImage(png(`run-${id}-${++model.counter}`).bytes),
        seed: running.seed ?? 7,
      }
    : { status: 'error', error: 'PixelLab refused this prompt' };
  const final = finishedVersion(c.store.get(id), running, outcome, world.clock.now(), c.store.clock);
  if (!final) return `${nameOf(model, id)} ${outcome.status}: kept the result that arrived meanwhile`;
  await c.store.put(final);
  return `${nameOf(model, id)} ${final.status}${final.deleted ? ' (deleted meanwhile)' : ''}`;
}

async function sync(world: World, ext: Extension, fault: Fault): Promise<string> {
  const stopped = ext.inc;
  const out = await runSync(world, ext, fault);
  coverage.syncs++;
  const pages = stopped.requests.filter((r) => r.path.startsWith('/api/v1/changes')).length;
  coverage.extraPages += Math.max(0, pages - 1);
  if (out.kind === 'killed') {
    const last = stopped.requests.at(-1);
    const phase = last
      ? `${last.method} ${last.path
          .replace(/\?.*$/, '')
          .replace(/\/jobs\/[^/]+\/retry$/, '/jobs/:id/retry')
          .replace(/\/jobs\/job-[^/]+$/, '/jobs/:id')
          .replace(/\/images\/.*$/, '/images/:hash')}`
      : 'before any request';
    coverage.kills[phase] = (coverage.kills[phase] ?? 0) + 1;
    return `worker stopped at call ${stopped.ops} (last request: ${phase}); a new worker takes over`;
  }
  const r = out.result;
  if (!r.ok) coverage.failedSyncs++;
  return r.ok
    ? `ok submitted=${r.submitted} pushed=${r.pushed} pulled=${r.pulled}${r.serverChanged ? ' serverChanged' : ''}`
    : `failed (${r.errorKind}): ${r.error}`;
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

async function apply(world: World, model: Model, op: Op): Promise<string> {
  switch (op.op) {
    case 'create':
    case 'rotate':
    case 'retry':
    case 'delete':
    case 'edit':
    case 'markDone':
    case 'clear': {
      const ext = world.exts[op.r]!;
      return runLocal(world, model, ext, op, await target(ext, op));
    }
    case 'runnerStart':
      return runnerStart(world, model, op.pick);
    case 'runnerFinish':
      return runnerFinish(world, model, op.pick, op.ok);
    case 'partition':
      world.exts[op.r]!.offline = op.offline;
      return '';
    case 'sync':
      return sync(world, world.exts[op.r]!, op.fault);
    case 'restart':
      coverage.interrupted += companionJobs(world.companion, (j) => !j.deleted && j.status === 'running').length;
      await restartCompanion(world);
      return `serverId ${world.companion.store.serverId}`;
    case 'wipe': {
      // What only the companion held is gone with it; the model does not expect it back.
      const exts = await Promise.all(world.exts.map(readExtension));
      for (const [id, versions] of model.seen) {
        for (const [key, version] of versions) {
          const kept = exts.some((e) => {
            const local = e.jobs.get(id);
            return local !== undefined && compareVersions(local, version) >= 0;
          });
          if (!kept) model.exempt.add(`${id}\u0000${key}`);
          // An image only the companion held (an extension had its version, not yet the image) is gone too.
          const image = version.image;
          if (image && world.companion.store.hasImage(image) && !exts.some((e) => e.images.has(image)))
            model.lostImages.add(image);
        }
      }
      await wipeCompanion(world);
      return `serverId ${world.companion.store.serverId}`;
    }
    case 'race': {
      const ext = world.exts[op.r]!;
      const job = await target(ext, op.local);
      const running = sync(world, ext, { kind: 'none' });
      await ticks(op.delay);
      const local = await runLocal(world, model, ext, op.local, job);
      return `${await running}; local ${local}`;
    }
    case 'syncBoth': {
      const [a, b] = await Promise.all(world.exts.map((ext) => sync(world, ext, { kind: 'none' })));
      return `A ${a}; B ${b}`;
    }
  }
}

// --- rules -------------------------------------------------------------------------------------

async function snapshot(world: World): Promise<Snapshot> {
  return { exts: await Promise.all(world.exts.map(readExtension)), companion: readCompanion(world.companion) };
}

function remember(model: Model, snap: Snapshot): void {
  const add = (job: Job) => {
    let versions = model.seen.get(job.id);
    if (!versions) model.seen.set(job.id, (versions = new Map()));
    const key = canonical(job);
    if (!versions.has(key)) versions.set(key, withoutSeq(job));
  };
  for (const e of snap.exts) for (const job of e.jobs.values()) add(job);
  for (const job of snap.companion.jobs.values()) add(job);
}

/** The derived keys (index, head, stats, tombstones) agree with the job records. */
export function checkLayout(name: string, state: ExtensionState): void {
  const derived = deriveLayout(state.jobs.values());
  const index = [...state.jobs.values()]
    .filter((j) => !j.deleted)
    .map(toIndexEntry)
    .sort(compareIndexEntries);
  // Key order aside: a page read back lists an entry's fields in the schema's order.
  if (canonicalJson(state.index) !== canonicalJson(index)) {
    broke(
      'layout',
      `${name}'s index does not list its live jobs: index ${JSON.stringify(state.index.map((e) => e.id))}, live ${JSON.stringify(index.map((e) => e.id))}`,
    );
  }
  if (JSON.stringify(state.head) !== JSON.stringify(derived.head))
    broke('layout', `${name}'s head is not the start of its index`);
  if ([...state.tombstones].sort().join() !== [...derived.tombstones].sort().join()) {
    broke(
      'layout',
      `${name}'s tombstones ${JSON.stringify(state.tombstones)} are not its deleted jobs ${JSON.stringify(derived.tombstones)}`,
    );
  }
  for (const key of ['total', 'idle', 'queued', 'running', 'success', 'error'] as const) {
    const stored = state.stats[key] ?? 0;
    if (stored !== derived.stats[key])
      broke('layout', `${name}'s stats.${key} is ${stored}, its jobs say ${derived.stats[key]}`);
  }
  // Every image it shows is held, or wanted (written with the version that shows it), so a fill fetches it.
  for (const job of state.jobs.values()) {
    if (job.deleted || job.status !== 'success' || !job.image || state.images.has(job.image)) continue;
    if (!state.wanted.has(`${job.id}\u0000${job.image}`))
      broke('images', `${name} shows ${job.id} finished with image ${job.image.slice(0, 8)}, neither held nor wanted`);
  }
}

/** After every step: versions only move forward, layouts hold, no checkpoint is ahead of the stored data. */
function checkStep(model: Model, snap: Snapshot, op: Op): void {
  const names = ['A', 'B'];
  const prev = model.previous;
  if (prev) {
    const pairs: [string, Map<string, Job>, Map<string, Job>][] = snap.exts.map((e, i) => [
      names[i]!,
      prev.exts[i]!.jobs,
      e.jobs,
    ]);
    if (op.op !== 'wipe') pairs.push(['companion', prev.companion.jobs, snap.companion.jobs]);
    for (const [who, before, after] of pairs) {
      for (const [id, old] of before) {
        const now = after.get(id);
        if (!now) {
          broke('monotonic', `${who} lost job ${nameOf(model, id)} (${id})`);
          continue;
        }
        if (compareVersions(now, old) < 0) {
          broke('monotonic', `${who}'s job ${nameOf(model, id)} went back from ${canonical(old)} to ${canonical(now)}`);
        }
      }
    }
  }
  snap.exts.forEach((e, i) => {
    checkLayout(names[i]!, e);
    checkCheckpoint(names[i]!, e, snap.companion, (id) => nameOf(model, id));
  });
}

/**
 * No checkpoint is ahead of the stored data: every companion version at or below the extension's
 * checkpoint is held there (or a newer one is). Skipped while the extension follows another serverId.
 */
export function checkCheckpoint(
  name: string,
  e: ExtensionState,
  c: CompanionState,
  label: (id: string) => string = (id) => id,
): void {
  if (e.sync.serverId !== c.serverId) return;
  if (e.sync.checkpoint > c.lastSeq)
    broke('checkpoint', `${name}'s checkpoint ${e.sync.checkpoint} is past the companion's last seq ${c.lastSeq}`);
  for (const job of c.jobs.values()) {
    if (job.seq > e.sync.checkpoint) continue;
    const local = e.jobs.get(job.id);
    if (!local || compareVersions(local, job) < 0) {
      broke(
        'checkpoint',
        `${name}'s checkpoint ${e.sync.checkpoint} covers seq ${job.seq} of ${label(job.id)}, but it holds ${local ? canonical(local) : 'nothing'} (companion: ${canonical(job)})`,
      );
    }
  }
}

async function fingerprint(world: World): Promise<{ text: string; quiet: boolean; snap: Snapshot }> {
  const snap = await snapshot(world);
  const c = snap.companion;
  const quiet = snap.exts.every(
    (e) =>
      e.outbox.length === 0 &&
      e.pendingPush === null &&
      e.submit.length === 0 &&
      e.sync.serverId === c.serverId &&
      e.sync.checkpoint === c.lastSeq,
  );
  const jobs = (m: Map<string, Job>) => [...m.values()].sort(byId).map(canonical).join('\n');
  const text = [
    ...snap.exts.map((e) => `${jobs(e.jobs)}|${e.outbox.join()}|${e.sync.checkpoint}`),
    jobs(c.jobs),
    c.lastSeq,
  ].join('\n--\n');
  return { text, quiet, snap };
}

export const MAX_HEAL_ROUNDS = 8;

/** Every replica online, no faults: sync each in turn until a whole round changes nothing. */
async function heal(world: World, model: Model): Promise<Snapshot> {
  for (const ext of world.exts) ext.offline = false;
  let previous = '';
  for (let round = 1; round <= MAX_HEAL_ROUNDS; round++) {
    for (const ext of world.exts) {
      const out = await runSync(world, ext);
      const line = out.kind === 'done' ? (out.result.ok ? 'ok' : `failed: ${out.result.error}`) : 'killed';
      model.trace.push(`heal ${round}: ${ext.name}.sync -> ${line}`);
      if (out.kind !== 'done' || !out.result.ok)
        throw new RuleBroken('quiescent', `${ext.name}'s sync failed while healing: ${line}`);
    }
    const fp = await fingerprint(world);
    if (fp.quiet && fp.text === previous) return fp.snap;
    previous = fp.text;
  }
  const fp = await fingerprint(world);
  const detail = fp.snap.exts
    .map(
      (e, i) =>
        `${i ? 'B' : 'A'}: outbox ${JSON.stringify(e.outbox.map((id) => nameOf(model, id)))}, pending ${e.pendingPush ? 'yes' : 'no'}, submit ${e.submit.length}, checkpoint ${e.sync.checkpoint}/${fp.snap.companion.lastSeq}`,
    )
    .join('; ');
  throw new RuleBroken('quiescent', `still changing after ${MAX_HEAL_ROUNDS} rounds of syncs: ${detail}`);
}

export interface FinalReport {
  /** Replicas (of 3) whose final history is the companion's, the companion included. */
  converged: number;
}

/** The rules on the healed state. */
function checkFinal(model: Model, snap: Snapshot, world: World): FinalReport {
  const c = snap.companion;
  const replicas: [string, Map<string, Job>][] = [
    ['A', snap.exts[0]!.jobs],
    ['B', snap.exts[1]!.jobs],
    ['companion', c.jobs],
  ];
  // identical: same ids, same winning version of each, same tombstones.
  let converged = 1;
  const differences: string[] = [];
  for (const [who, jobs] of replicas.slice(0, 2)) {
    const diff: string[] = [];
    for (const id of new Set([...jobs.keys(), ...c.jobs.keys()])) {
      const mine = jobs.get(id);
      const theirs = c.jobs.get(id);
      if (!mine || !theirs || canonical(mine) !== canonical(theirs)) {
        diff.push(
          `${nameOf(model, id)}: ${who} ${mine ? canonical(mine) : 'missing'} / companion ${theirs ? canonical(theirs) : 'missing'}`,
        );
      }
    }
    if (diff.length === 0) converged++;
    else differences.push(...diff);
  }
  model.converged = converged;
  if (differences.length) broke('identical', differences.slice(0, 4).join('\n  '));

  // no-resurrection: what a delete intent tombstoned is deleted everywhere.
  for (const id of model.deleted) {
    for (const [who, jobs] of replicas) {
      const job = jobs.get(id);
      if (!job?.deleted) {
        broke(
          'no-resurrection',
          `${nameOf(model, id)} was deleted, but ${who} holds ${job ? canonical(job) : 'nothing'}`,
        );
      }
    }
  }

  // no-duplicate: every id was minted by an extension; no (prompt, createdAt) lives more often than it was made.
  for (const [who, jobs] of replicas) {
    const counts = new Map<string, number>();
    for (const job of jobs.values()) {
      if (!model.created.has(job.id))
        broke('no-duplicate', `${who} holds ${job.id}, which no extension created (${canonical(job)})`);
      if (!job.deleted) counts.set(keyOf(job), (counts.get(keyOf(job)) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      const made = model.createdKeys.get(key) ?? 0;
      if (n > made)
        broke(
          'no-duplicate',
          `${who} holds ${n} live jobs "${key.replace('\u0000', '" created at ')}, made ${made} time(s)`,
        );
    }
  }

  // nothing-lost: every version a replica held is the winner or lost to a newer one.
  for (const [id, versions] of model.seen) {
    const final = c.jobs.get(id);
    for (const [key, version] of versions) {
      if (model.exempt.has(`${id}\u0000${key}`)) continue;
      if (!final || compareVersions(final, version) < 0) {
        broke(
          'nothing-lost',
          `${nameOf(model, id)}: version ${key} was held, the final one is older: ${final ? canonical(final) : 'missing'}`,
        );
      }
    }
  }

  // liveness: nothing is left waiting on a runner that does not know it (the healed extensions have submitted everything).
  const runner = world.companion.runner;
  for (const job of c.jobs.values()) {
    if (job.deleted) continue;
    if (job.status === 'idle')
      broke(
        'liveness',
        `${nameOf(model, job.id)} is idle on the companion after the heal: nothing will ever run it (${canonical(job)})`,
      );
    if (job.status === 'queued' && !runner.queue.has(job.id) && !runner.active.has(job.id)) {
      broke(
        'liveness',
        `${nameOf(model, job.id)} is queued on the companion, but its runner was never handed it: it stays queued forever (${canonical(job)})`,
      );
    }
    if (job.status === 'running' && !runner.active.has(job.id)) {
      broke(
        'liveness',
        `${nameOf(model, job.id)} is running on the companion, but its runner is not running it: it never finishes (${canonical(job)})`,
      );
    }
  }

  // images: each extension holds the image of every live finished job it shows; the companion too.
  snap.exts.forEach((e, i) => {
    for (const job of e.jobs.values()) {
      if (job.deleted || job.status !== 'success' || !job.image || model.lostImages.has(job.image)) continue;
      if (!e.images.has(job.image)) {
        broke(
          'images',
          `${i ? 'B' : 'A'} shows ${nameOf(model, job.id)} finished with image ${job.image.slice(0, 8)}, but does not hold that image`,
        );
      }
    }
  });
  for (const job of c.jobs.values()) {
    if (!job.deleted && job.image && !c.hasImage(job.image) && !model.lostImages.has(job.image)) {
      broke(
        'images',
        `the companion's ${nameOf(model, job.id)} points at image ${job.image.slice(0, 8)} it does not hold`,
      );
    }
  }
  return { converged };
}

function countCoverage(model: Model): void {
  for (const id of model.deleted) {
    const versions = [...(model.seen.get(id)?.values() ?? [])];
    const firstDelete = versions.filter((v) => v.deleted).sort(compareVersions)[0];
    if (firstDelete && versions.some((v) => !v.deleted && compareVersions(v, firstDelete) > 0))
      coverage.buriedDeletes++;
  }
}

// --- one run -------------------------------------------------------------------------------------

export interface RunOutcome extends FinalReport {
  trace: string[];
  kills: number;
  restarts: number;
}

/** Runs one scenario; throws a RuleBroken (message carrying the trace) when a rule breaks. */
export async function runScenario(
  store: StoreKind,
  scenario: Scenario,
  options: { fsync?: boolean } = {},
): Promise<RunOutcome> {
  const world = await createWorld({ store, seed: scenario.seed, fsync: options.fsync });
  const model = newModel();
  try {
    model.previous = await snapshot(world);
    for (const op of scenario.ops) {
      world.clock.advance(op.dt);
      const result = await apply(world, model, op);
      model.trace.push(`${describeOp(op)}${result ? ` -> ${result}` : ''}`);
      const snap = await snapshot(world);
      remember(model, snap);
      checkStep(model, snap, op);
      model.previous = snap;
    }
    const healed = await heal(world, model);
    remember(model, healed);
    const report = checkFinal(model, healed, world);
    countCoverage(model);
    return {
      ...report,
      trace: model.trace,
      kills: world.exts[0].kills + world.exts[1].kills,
      restarts: world.companion.restarts + world.companion.wipes,
    };
  } catch (err) {
    if (err instanceof RuleBroken) {
      err.converged = model.converged;
      const names = [...model.names].map(([id, n]) => `${n}=${id}`).join(' ');
      err.message = `${err.message}\ntrace (${store} store, seed ${scenario.seed}):\n  ${model.trace.join('\n  ')}\nids: ${names}`;
    }
    throw err;
  } finally {
    await world.cleanup();
  }
}
