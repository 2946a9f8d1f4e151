import { type SyncedJob, type SyncedRecord, sameBirth, withJoinedOrganising } from '../../utils/domain';
import type { HistoryState, PreparedRecord, PreparedSyncRecord } from './history-state';
import type { Plan } from './plans';
import type { PlanView } from './types';

type Item =
  | { kind: 'plan'; plan: (view: PlanView) => Plan<unknown>; resolve(value: unknown): void; reject(e: unknown): void }
  | { kind: 'barrier'; run: () => unknown; resolve(value: unknown): void; reject(e: unknown): void };

export interface Committer {
  /** Plans against the current versions, makes the planned versions durable, applies them, answers. */
  commit<T>(plan: (view: PlanView) => Plan<T>): Promise<T>;
  /** Runs `fn` between two batches: nothing is being appended or applied meanwhile (journal rotation). */
  barrier<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Resolves once everything queued so far is settled. */
  idle(): Promise<void>;
}

/** Versions validated and serialized per slice of this many, so a big save does not hold the event loop. */
const PREPARE_SLICE = 250;
/** Time on the event loop before a slice gives it back (a 10,000-job save took 1 s in one piece under load). */
const PREPARE_SLICE_MS = 20;

/**
 * `state.prepare` over a long list, giving the event loop back between slices so /health and pulls answer
 * during a whole-history save. Nothing is applied meanwhile, and the committer plans one batch at a time.
 */
async function prepareInSlices(state: HistoryState, versions: readonly unknown[], offset: number) {
  if (versions.length <= PREPARE_SLICE) return state.prepare(versions, offset);
  const out: PreparedRecord[] = [];
  let since = performance.now();
  for (let i = 0; i < versions.length; i += PREPARE_SLICE) {
    out.push(...state.prepare(versions.slice(i, i + PREPARE_SLICE), offset + i));
    if (performance.now() - since > PREPARE_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  return out;
}

/**
 * The one write path (group commit). Changes asked for while a batch is on its way to the disk are planned
 * together, each seeing the versions planned before it, written in one append and one fsync, then applied and
 * answered. A plan that throws refuses only its own change; a failed append refuses the whole batch and
 * applies nothing, so memory never runs ahead of the disk.
 */
export function createCommitter(
  state: HistoryState,
  append: (
    records: readonly PreparedRecord[],
    lastJobId?: number,
    others?: readonly PreparedSyncRecord[],
  ) => Promise<void>,
  applied: (records: readonly PreparedRecord[]) => void,
): Committer {
  const queue: Item[] = [];
  let running: Promise<void> | null = null;

  type Pending = { kind: 'plan'; plan: (view: PlanView) => Plan<unknown> } | { kind: 'barrier'; run: () => unknown };
  function enqueue<T>(item: Pending): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ ...item, resolve: resolve as (value: unknown) => void, reject } as Item);
      kick();
    });
  }

  function kick(): void {
    running ??= run().finally(() => {
      running = null;
      // Asked for after the loop saw an empty queue but before it ended.
      if (queue.length > 0) kick();
    });
  }

  async function run(): Promise<void> {
    // Started on a microtask, so changes asked for in the same tick share one batch.
    await Promise.resolve();
    while (queue.length > 0) {
      if (queue[0]!.kind === 'barrier') {
        const item = queue.shift() as Extract<Item, { kind: 'barrier' }>;
        try {
          item.resolve(await item.run());
        } catch (error) {
          item.reject(error);
        }
        continue;
      }
      const batch: Extract<Item, { kind: 'plan' }>[] = [];
      while (queue[0]?.kind === 'plan') batch.push(queue.shift() as Extract<Item, { kind: 'plan' }>);
      await commitBatch(batch);
    }
  }

  async function commitBatch(batch: Extract<Item, { kind: 'plan' }>[]): Promise<void> {
    const overlay = new Map<string, SyncedJob>();
    const overlayRecords = new Map<string, SyncedRecord>();
    const view: PlanView = {
      get: (id) => overlay.get(id) ?? state.get(id),
      record: (kind, id) => overlayRecords.get(`${kind}:${id}`) ?? state.record(kind, id),
      liveIds() {
        const ids = state
          .liveEntries()
          .map((e) => e.id)
          .filter((id) => !overlay.get(id)?.deleted);
        for (const [id, job] of overlay) if (!job.deleted && !state.entry(id) && !ids.includes(id)) ids.push(id);
        return ids;
      },
    };
    const records: PreparedRecord[] = [];
    const others: PreparedSyncRecord[] = [];
    const planned: {
      item: (typeof batch)[number];
      plan: Plan<unknown>;
      records: PreparedRecord[];
      others: PreparedSyncRecord[];
    }[] = [];
    let lastJobId: number | undefined;
    for (const item of batch) {
      try {
        const plan = item.plan(view);
        // Organising fields only ever join: a writer working from an older read (the runner, a seed save)
        // never takes a star or a tag away (utils/domain/organise.ts). Another job under the id (another birth,
        // utils/domain/job-birth.ts) has stars and tags of its own.
        const versions = plan.versions.map((version) => {
          const held = view.get(version.id);
          return held && sameBirth(held, version) ? withJoinedOrganising(version, held) : version;
        });
        const prepared = await prepareInSlices(state, versions, records.length + others.length);
        const preparedOthers = state.prepareRecords(
          plan.records ?? [],
          records.length + others.length + prepared.length,
        );
        for (const record of prepared) overlay.set(record.id, record.job);
        for (const record of preparedOthers) overlayRecords.set(record.key, record.record);
        records.push(...prepared);
        others.push(...preparedOthers);
        planned.push({ item, plan, records: prepared, others: preparedOthers });
        if (plan.lastJobId !== undefined) lastJobId = Math.max(lastJobId ?? 0, plan.lastJobId);
      } catch (error) {
        item.reject(error);
      }
    }
    try {
      if (records.length > 0 || others.length > 0) await append(records, lastJobId, others);
    } catch (error) {
      for (const { item } of planned) item.reject(error);
      return;
    }
    state.apply(records, lastJobId, others);
    if (records.length > 0 || others.length > 0 || lastJobId !== undefined) applied(records);
    for (const { item, plan, records: saved, others: savedOthers } of planned) {
      try {
        item.resolve(
          plan.result(
            saved.map((r) => r.job),
            savedOthers.map((r) => r.record),
          ),
        );
      } catch (error) {
        item.reject(error);
      }
    }
  }

  return {
    commit: (plan) => enqueue({ kind: 'plan', plan: plan as (view: PlanView) => Plan<unknown> }),
    barrier: (run) => enqueue({ kind: 'barrier', run }),
    idle: async () => {
      while (running) await running;
    },
  };
}
