import { canonicalJson } from './canonical-json';
import { type Clock, compareHlc, type Hlc } from './clock';
import type { Job } from './job';
import {
  type FieldClocks,
  MAX_SET_ENTRIES,
  ORGANISING_KEYS,
  REGISTER_FIELDS,
  type RegisterField,
  SET_FIELDS,
  type SetEntry,
  type SetField,
  type Stamp,
} from './organise-schema';

/**
 * How the organising fields merge (DESIGN.md "Organising fields merge per field"): apart from the rest of the
 * job, and each on its own, so a star on one machine and a tag on another both survive.
 *
 * - starred, rating, notes, trashedAt are registers: the value with the later stamp (a hybrid logical clock
 *   reading, clock.ts) wins; equal stamps (only legacy values, see below) keep the larger value as JSON.
 * - tags and boards are add-wins sets (an observed-remove set whose dots are compacted per node): each value
 *   keeps, per node, the stamp of that node's latest add, and per node the latest add a remove has seen. A
 *   remove only removes the adds it saw. So an add and a remove made concurrently (neither replica had seen
 *   the other's change) leave the value IN the set; a remove made after seeing the add takes it out; an add
 *   made after seeing the remove puts it back. A node's adds of one value are stamped later than anything the
 *   value held where they were made, so "latest add per node" loses nothing an unseen add could need.
 *
 * The join of two states is commutative, associative and idempotent (organise.test.ts checks it with
 * fast-check), so every replica ends with the same fields whatever order it sees the versions in.
 *
 * A value without a version (a file or client from before this, or a hand edit) reads as stamped at zero: it
 * loses to any edit. A field never set is absent from the record: a job never organised carries none of them.
 */

type Dot = readonly [ms: number, c: number];
interface SetValueState {
  /** Per node, its latest add of the value. */
  a: Map<string, Dot>;
  /** Per node, the latest of its adds a remove has seen. */
  r: Map<string, Dot>;
}
type SetState = Map<string, SetValueState>;
interface Register<T> {
  value: T;
  stamp: Stamp;
}

export interface OrganisingState {
  starred: Register<boolean> | null;
  rating: Register<number | null> | null;
  notes: Register<string> | null;
  trashedAt: Register<number | null> | null;
  tags: SetState;
  boards: SetState;
}

export type RegisterValue<F extends RegisterField> = NonNullable<OrganisingState[F]>['value'];

const DEFAULTS: { [F in RegisterField]: RegisterValue<F> } = {
  starred: false,
  rating: null,
  notes: '',
  trashedAt: null,
};
const ZERO_STAMP: Stamp = [0, 0, ''];
const LEGACY_NODE = '';

export const stampToHlc = (s: Stamp): Hlc => ({ ms: s[0], c: s[1], node: s[2] });
export const hlcToStamp = (h: Hlc): Stamp => [h.ms, h.c, h.node];
const compareDots = (a: Dot, b: Dot) => a[0] - b[0] || a[1] - b[1];

/** A limit an organising edit would pass; the message says which, in plain words. */
export class OrganiseLimitError extends Error {
  override readonly name = 'OrganiseLimitError';
}

/** The organising state a record holds; a record without organising fields holds the empty state. */
export function organisingStateOf(job: Partial<Job>): OrganisingState {
  const record = job as Record<string, unknown>;
  const clocks = (record.fieldClocks ?? undefined) as FieldClocks | undefined;
  const register = <F extends RegisterField>(field: F): Register<RegisterValue<F>> | null => {
    const stamp = clocks?.[field];
    const has = record[field] !== undefined;
    if (!stamp && !has) return null;
    return { value: (has ? record[field] : DEFAULTS[field]) as RegisterValue<F>, stamp: stamp ?? ZERO_STAMP };
  };
  const set = (field: SetField): SetState => {
    const out: SetState = new Map();
    const entries = clocks?.[field];
    if (entries) {
      for (const entry of entries) joinValue(out, entry.v, fromEntry(entry));
      return out;
    }
    // Values from before versions: each as added at zero by no node in particular.
    const legacy = record[field];
    if (Array.isArray(legacy)) {
      for (const v of legacy)
        if (typeof v === 'string') joinValue(out, v, { a: new Map([[LEGACY_NODE, [0, 0]]]), r: new Map() });
    }
    return out;
  };
  return {
    starred: register('starred'),
    rating: register('rating'),
    notes: register('notes'),
    trashedAt: register('trashedAt'),
    tags: set('tags'),
    boards: set('boards'),
  };
}

function fromEntry(entry: SetEntry): SetValueState {
  const a = new Map<string, Dot>();
  const r = new Map<string, Dot>();
  for (const [ms, c, node] of entry.a) keepLater(a, node, [ms, c]);
  for (const [ms, c, node] of entry.r ?? []) keepLater(r, node, [ms, c]);
  return { a, r };
}

function keepLater(map: Map<string, Dot>, node: string, dot: Dot): void {
  const held = map.get(node);
  if (!held || compareDots(dot, held) > 0) map.set(node, dot);
}

function joinValue(set: SetState, v: string, incoming: SetValueState): void {
  const held = set.get(v);
  if (!held) {
    set.set(v, { a: new Map(incoming.a), r: new Map(incoming.r) });
    return;
  }
  for (const [node, dot] of incoming.a) keepLater(held.a, node, dot);
  for (const [node, dot] of incoming.r) keepLater(held.r, node, dot);
}

function isPresent(value: SetValueState): boolean {
  for (const [node, dot] of value.a) {
    const removed = value.r.get(node);
    if (!removed || compareDots(dot, removed) > 0) return true;
  }
  return false;
}

function joinRegister<T>(a: Register<T> | null, b: Register<T> | null): Register<T> | null {
  if (!a) return b;
  if (!b) return a;
  const byStamp = compareHlc(stampToHlc(a.stamp), stampToHlc(b.stamp));
  if (byStamp !== 0) return byStamp > 0 ? a : b;
  return canonicalJson(a.value) >= canonicalJson(b.value) ? a : b;
}

function joinSets(a: SetState, b: SetState): SetState {
  const out: SetState = new Map();
  for (const [v, value] of a) joinValue(out, v, value);
  for (const [v, value] of b) joinValue(out, v, value);
  return out;
}

/** The least state holding both: what a replica has after seeing both versions. */
export function joinOrganising(a: OrganisingState, b: OrganisingState): OrganisingState {
  return {
    starred: joinRegister(a.starred, b.starred),
    rating: joinRegister(a.rating, b.rating),
    notes: joinRegister(a.notes, b.notes),
    trashedAt: joinRegister(a.trashedAt, b.trashedAt),
    tags: joinSets(a.tags, b.tags),
    boards: joinSets(a.boards, b.boards),
  };
}

/** The values of a set field that are in the set, sorted. */
export function presentValues(set: SetState): string[] {
  return [...set]
    .filter(([, value]) => isPresent(value))
    .map(([v]) => v)
    .sort();
}

const isZero = (s: Stamp) => s[0] === 0 && s[1] === 0 && s[2] === LEGACY_NODE;
const isLegacyOnly = (set: SetState) =>
  [...set.values()].every((value) => value.r.size === 0 && value.a.size === 1 && value.a.has(LEGACY_NODE));

function toEntries(set: SetState): SetEntry[] {
  const dots = (map: Map<string, Dot>): Stamp[] =>
    [...map].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([node, [ms, c]]) => [ms, c, node]);
  return [...set]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([v, value]) => ({ v, a: dots(value.a), r: dots(value.r) }));
}

/** `job` with exactly this organising state, in its canonical form (the same state always gives the same record). */
export function withOrganising<T extends Partial<Job>>(job: T, state: OrganisingState): T {
  const out: Record<string, unknown> = { ...job };
  for (const key of ORGANISING_KEYS) delete out[key];
  const clocks: Record<string, unknown> = {};
  for (const field of REGISTER_FIELDS) {
    const register = state[field];
    if (!register) continue;
    out[field] = register.value;
    if (!isZero(register.stamp)) clocks[field] = register.stamp;
  }
  for (const field of SET_FIELDS) {
    const set = state[field];
    if (set.size === 0) continue;
    out[field] = presentValues(set);
    if (!isLegacyOnly(set)) clocks[field] = toEntries(set);
  }
  if (Object.keys(clocks).length > 0) out.fieldClocks = clocks;
  return out as T;
}

/** `target` with the organising fields of both: what a writer keeps when it writes over `other`. */
export function withJoinedOrganising<T extends Partial<Job>>(target: T, other: Partial<Job>): T {
  if (!hasOrganising(other) || sameOrganising(target, other)) return target;
  return withOrganising(target, joinOrganising(organisingStateOf(target), organisingStateOf(other)));
}

/** Both hold the very same organising fields (then a merge keeps them as they are, legacy order included). */
export function sameOrganising(a: Partial<Job>, b: Partial<Job>): boolean {
  const pick = (job: Partial<Job>) => {
    const record = job as Record<string, unknown>;
    return ORGANISING_KEYS.map((key) => record[key] ?? null);
  };
  return canonicalJson(pick(a)) === canonicalJson(pick(b));
}

export function hasOrganising(job: Partial<Job>): boolean {
  const record = job as Record<string, unknown>;
  return ORGANISING_KEYS.some((key) => record[key] !== undefined);
}

/** The job without any organising field: what a client from before them is sent (they mean nothing to it). */
export function withoutOrganising<T extends Partial<Job>>(job: T): T {
  if (!hasOrganising(job)) return job;
  const out: Record<string, unknown> = { ...job };
  for (const key of ORGANISING_KEYS) delete out[key];
  return out as T;
}

// --- edits ---------------------------------------------------------------------------------

/** `job` with `field` set to `value`, stamped later than its current value; the same job when nothing changes. */
export function setOrganisingField<F extends RegisterField>(
  job: Job,
  field: F,
  value: RegisterValue<F>,
  clock: Clock,
): Job {
  const state = organisingStateOf(job);
  const current = state[field] as Register<RegisterValue<F>> | null;
  if (current && canonicalJson(current.value) === canonicalJson(value)) return job;
  const stamp = hlcToStamp(clock.next(current ? stampToHlc(current.stamp) : null));
  (state[field] as Register<RegisterValue<F>> | null) = { value, stamp };
  return withOrganising(job, state);
}

/** `job` with `values` added to the set (at most `max` values in it after); the same job when all are in. */
export function addToSetField(job: Job, field: SetField, values: readonly string[], clock: Clock, max: number): Job {
  const state = organisingStateOf(job);
  const set = state[field];
  let changed = false;
  for (const v of values) {
    const held = set.get(v);
    if (held && isPresent(held)) continue;
    if (!held && set.size >= MAX_SET_ENTRIES) {
      throw new OrganiseLimitError(`A job can have held at most ${MAX_SET_ENTRIES} different ${field}`);
    }
    const value = held ?? { a: new Map<string, Dot>(), r: new Map<string, Dot>() };
    // Later than every dot the value holds here, so this node's latest add is later than any remove seen.
    const seen = [...value.a, ...value.r].map(([node, [ms, c]]) => ({ ms, c, node }));
    const next = clock.next(...seen);
    value.a.set(clock.node, [next.ms, next.c]);
    set.set(v, value);
    changed = true;
  }
  if (!changed) return job;
  if (presentValues(set).length > max) throw new OrganiseLimitError(`A job can have at most ${max} ${field}`);
  return withOrganising(job, state);
}

/** `job` without `values` in the set: removes the adds seen here, no more (so an unseen add wins); the same job when none is in. */
export function removeFromSetField(job: Job, field: SetField, values: readonly string[]): Job {
  const state = organisingStateOf(job);
  let changed = false;
  for (const v of values) {
    const held = state[field].get(v);
    if (!held || !isPresent(held)) continue;
    for (const [node, dot] of held.a) keepLater(held.r, node, dot);
    changed = true;
  }
  return changed ? withOrganising(job, state) : job;
}

/** Whether the job is in the trash (and not purged). */
export function isTrashed(job: Pick<Job, 'deleted'> & { trashedAt?: number | null }): boolean {
  return !job.deleted && job.trashedAt !== undefined && job.trashedAt !== null;
}

/**
 * The organising fields of `edited` read as a writer's claim about `base`: values it sent that differ from the
 * base's become edits stamped now (a value it left out stays as it is). For writers that send values without
 * versions: seed `/save-jobs` clients based on the version held, and hand edits of job_history.json.
 */
export function organisingEditsOf(base: Job, edited: Job, clock: Clock, maxPerSet = MAX_SET_ENTRIES): Job {
  let job = withOrganising(edited, organisingStateOf(base));
  const sent = edited as Record<string, unknown>;
  const held = organisingStateOf(base);
  for (const field of REGISTER_FIELDS) {
    if (sent[field] === undefined) continue;
    const before = held[field]?.value ?? DEFAULTS[field];
    if (canonicalJson(before) !== canonicalJson(sent[field]))
      job = setOrganisingField(job, field, sent[field] as RegisterValue<typeof field>, clock);
  }
  for (const field of SET_FIELDS) {
    const list = sent[field];
    if (!Array.isArray(list)) continue;
    const want = new Set(list as string[]);
    const have = new Set(presentValues(held[field]));
    const added = [...want].filter((v) => !have.has(v));
    const removed = [...have].filter((v) => !want.has(v));
    if (removed.length) job = removeFromSetField(job, field, removed);
    if (added.length) job = addToSetField(job, field, added, clock, maxPerSet);
  }
  return job;
}
