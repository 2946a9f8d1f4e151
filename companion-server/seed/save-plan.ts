import {
  type Clock,
  canonicalJson,
  clashId,
  compareVersions,
  isTrashed,
  type Job,
  ORGANISING_KEYS,
  organisingEditsOf,
  progressOf,
  type SyncedJob,
  withoutSeq,
} from '../../utils/domain';
import { uniqueId } from '../store/history-file';
import type { Plan } from '../store/plans';
import type { PlanView } from '../store/types';

/**
 * What a whole-history save (`/save-jobs`) may change (DESIGN.md, "Whole-history clients"). Its client may be
 * stale: two tabs of the old dashboard, a dashboard opened offline from its localStorage, a script that loaded
 * an hour ago. So a save is a claim about the versions its client knew:
 * - it overwrites a job only if the client's copy is based on the version held now (a deliberate change, which
 *   may even restart a finished job: the old dashboard's "Run" again);
 * - a copy that is not based on it adds only what the companion lacks: a result or a finish it has not seen
 *   (merged onto the version held now, so newer edits stay); any other stale copy changes nothing;
 * - a job the client never held (another tab minted the same `job-N`) is kept beside it under a new id;
 * - it deletes a job only if the client held the version held now; a client that never held a job deletes
 *   nothing of it, so a new tab removes nothing;
 * - organising fields (star, tags...: utils/domain/organise.ts) change only by a copy based on the version held
 *   now, and only those it sent with another value (edits stamped now); a stale copy changes none, and a job in
 *   the trash (hidden from `/load-jobs`) is never based on, nor removed by, a whole-history save.
 */

/** One job of a save, as converted from the seed format. */
export interface SavedCopy {
  /** The id this copy maps to for its client (a clash with another job of the same save already renamed). */
  id: string;
  job: Job;
  /** Keys the client actually sent (the seed format lacks most of ours; those keep the companion's values). */
  sent: ReadonlySet<string>;
  /** The client sent no image for it (no data URL): it keeps the image and rotation the companion holds. */
  noImage: boolean;
  /** It repeats a text this client sent before for the job, not its latest: a step back, never based on now. */
  stale?: boolean;
}

export interface ClientView {
  /** Whether the client holds this version (by seq) of the job. */
  holds(id: string, seq: number): boolean;
  /** Whether its removals count: it continues what it saved before, in order. */
  mayRemove: boolean;
}

export interface SaveOutcome {
  /** Copy id (as mapped) -> the id the job has now (differs for a job kept beside another). */
  ids: Map<string, string>;
  added: number;
  changed: number;
  deleted: number;
  /** Copies that were older than what the companion holds and changed nothing. */
  keptNewer: string[];
  /** Copies kept beside a different job of the same id. */
  keptBeside: [from: string, to: string][];
  /** Live jobs the save left out that stay: the client never held their version now. */
  notListed: number;
  /** The companion's versions after the save that the client now holds, by id (not the stale copies). */
  saved: Map<string, SyncedJob>;
}

/** Fields the seed format carries; every other field of a job keeps the companion's value unless sent. */
const SEED_FIELDS = [
  'prompt',
  'width',
  'height',
  'seed',
  'status',
  'error',
  'startTime',
  'endTime',
  'duration',
  'createdAt',
];
/** Fields a run sets: what a stale copy with a result the companion lacks may bring. */
const RUN_FIELDS = ['status', 'error', 'image', 'startTime', 'endTime', 'duration', 'seed', 'usd', 'result'] as const;

/** When a job was made: it keeps that for life, so a copy with another birth is another job under the same id. */
const birth = (job: Job) => String(job.createdAt);

function sameJob(a: Job, b: Job): boolean {
  const strip = ({ seq: _s, updatedAt: _u, clock: _c, ...rest }: Job & { seq?: unknown }) => rest;
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}

/** The client's copy laid over the version held now: what it sent wins, what it could not send stays. */
function overlay(current: Job, copy: SavedCopy): Job {
  const out: Record<string, unknown> = { ...current };
  const job = copy.job as Record<string, unknown>;
  const organising = ORGANISING_KEYS as readonly string[];
  for (const key of copy.sent)
    if (!SEED_FIELDS.includes(key) && key !== 'id' && !organising.includes(key) && key in job) out[key] = job[key];
  for (const key of SEED_FIELDS) if (copy.sent.has(key)) out[key] = job[key];
  if (copy.sent.has('result')) out.result = job.result;
  const restarted = copy.job.status === 'idle' || copy.job.status === 'queued' || copy.job.status === 'running';
  // A load then a save without an edit gives back a job whose image the companion had not got yet as `null`:
  // it keeps its image and rotation (they were stripped and stamped newer before). A restart clears them.
  if (!copy.noImage || restarted) out.image = copy.job.image;
  if (copy.job.rotate) {
    out.rotate = copy.job.rotate;
    out.kind = 'rotate';
  }
  if (restarted && !copy.job.image) delete out.usd;
  return out as Job;
}

/** The organising values a copy sent (its client may send them back after a load). */
function sentOrganising(copy: SavedCopy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const job = copy.job as Record<string, unknown>;
  for (const key of ORGANISING_KEYS) if (key !== 'fieldClocks' && copy.sent.has(key)) out[key] = job[key];
  return out;
}

function sentOrganisingDiffers(held: Job, copy: SavedCopy): boolean {
  const sent = sentOrganising(copy);
  const record = held as Record<string, unknown>;
  return Object.entries(sent).some(
    ([key, value]) => canonicalJson(value ?? null) !== canonicalJson(record[key] ?? null),
  );
}

/**
 * A copy of a job that device sync moved (job-birth.ts): two devices' dashboards both minted this id, and the
 * other device's job, born earlier, took it. The copy is of the job now under `clashId`: it goes there, where the
 * rules below apply to it as to any copy (its client holds no version of it yet, so it is a stale copy at first).
 */
function movedByDeviceSync(view: PlanView, copy: SavedCopy): SavedCopy {
  const current = view.get(copy.id);
  if (!current || birth(current) === birth(copy.job)) return copy;
  const id = clashId(copy.id, copy.job.createdAt);
  const moved = view.get(id);
  if (!moved || birth(moved) !== birth(copy.job)) return copy;
  return { ...copy, id, job: { ...copy.job, id } };
}

export function planSave(
  view: PlanView,
  copies: readonly SavedCopy[],
  client: ClientView,
  lastJobId: number,
  clock: Clock,
  /** Jobs in the save the client sent unchanged (recognised by their text): present, not copies. */
  unchanged: ReadonlySet<string> = new Set(),
): Plan<SaveOutcome> {
  const versions: Job[] = [];
  const outcome: SaveOutcome = {
    ids: new Map(),
    added: 0,
    changed: 0,
    deleted: 0,
    keptNewer: [],
    keptBeside: [],
    notListed: 0,
    saved: new Map(),
  };
  const planned = new Set<string>();
  /** Ids whose version after the save the client holds: what it sent, or the same content. */
  const holds = new Set<string>();
  const taken = { has: (id: string) => planned.has(id) || view.get(id) !== undefined };
  const present = new Set<string>(unchanged);

  const add = (job: Job) => {
    versions.push(job);
    planned.add(job.id);
  };

  for (const sent of copies) {
    const copy = movedByDeviceSync(view, sent);
    present.add(sent.id);
    present.add(copy.id);
    const current = view.get(copy.id);
    if (!current) {
      add(copy.job);
      outcome.ids.set(sent.id, copy.id);
      holds.add(copy.id);
      outcome.added++;
      continue;
    }
    const held = withoutSeq(current);
    const merged = overlay(held, copy);
    outcome.ids.set(sent.id, copy.id);
    const orgChanged =
      client.holds(copy.id, current.seq) && !copy.stale && !isTrashed(held) && sentOrganisingDiffers(held, copy);
    if (sameJob(merged, held) && !orgChanged) {
      holds.add(copy.id);
      continue;
    }
    // A job in the trash is hidden from this client: nothing it sends is based on it.
    const based = client.holds(copy.id, current.seq) && !copy.stale && !isTrashed(held);
    if (!based && birth(held) !== birth(copy.job)) {
      // Another job under the same id (two stale tabs both minted job-5): both are kept.
      const id = uniqueId(copy.id, taken);
      add({ ...copy.job, id });
      outcome.ids.set(sent.id, id);
      holds.add(id);
      outcome.keptBeside.push([sent.id, id]);
      continue;
    }
    if (based) {
      // A deliberate change; one that goes back (a finished job run again) is a restart into the next generation.
      // Organising values it sent differently are edits of their own, stamped now.
      // A job keeps its birth for life (job-birth.ts): another one here would make it another job on other devices.
      const edit = clock.stamp(
        organisingEditsOf(held, { ...merged, ...sentOrganising(copy), createdAt: held.createdAt }, clock),
        held,
      );
      add(compareVersions(edit, held) > 0 ? edit : clock.restart({ ...merged, createdAt: held.createdAt }, held));
      holds.add(copy.id);
      outcome.changed++;
      continue;
    }
    // A stale copy: only what the companion lacks comes in.
    const further = progressOf(copy.job) > progressOf(held);
    const otherResult = progressOf(copy.job) === 2 && progressOf(held) === 2 && copy.job.image !== held.image;
    if ((held.deleted || otherResult) && progressOf(copy.job) === 2 && copy.job.image !== held.image) {
      // A paid result the companion has not got, for a job deleted meanwhile or holding another result:
      // never discarded, kept beside it.
      const id = uniqueId(copy.id, taken);
      add({ ...copy.job, id });
      outcome.ids.set(sent.id, id);
      holds.add(id);
      outcome.keptBeside.push([sent.id, id]);
    } else if (further && !held.deleted) {
      const run: Record<string, unknown> = { ...held };
      for (const key of RUN_FIELDS) if (key in copy.job) run[key] = (copy.job as Record<string, unknown>)[key];
      add(clock.stamp(run as Job, held));
      outcome.changed++;
    } else {
      outcome.keptNewer.push(copy.id);
    }
  }

  for (const id of view.liveIds()) {
    if (present.has(id) || planned.has(id)) continue;
    const current = view.get(id)!;
    if (!client.mayRemove || !client.holds(id, current.seq) || isTrashed(current)) {
      outcome.notListed++;
      continue;
    }
    const held = withoutSeq(current);
    add(clock.stamp({ ...held, deleted: true }, held));
    outcome.deleted++;
  }

  return {
    versions,
    lastJobId,
    result: (saved) => {
      const byId = new Map(saved.map((job) => [job.id, job]));
      for (const id of holds) {
        const job = byId.get(id) ?? view.get(id);
        if (job) outcome.saved.set(id, job);
      }
      return outcome;
    },
  };
}
