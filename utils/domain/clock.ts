import { z } from 'zod';

/**
 * The one version type of the project: a hybrid logical clock (physical ms, a counter, the node that made it),
 * shared by the extension and the companion (DESIGN.md, "Decisions that cross issues").
 *
 * On a job it is `updatedAt` (the physical part, as before) plus an optional `clock` with the counter, the node
 * and the generation (`gen`: how many deliberate restarts, retries and re-runs, the job has been through; see
 * merge.ts). A record without `clock`, as old files and old clients write them, reads as `{ms: updatedAt, c: 0,
 * node: ''}` at generation 0.
 */

/** The latest instant a version may carry (2200-01-01): far below 2^53, so every step of the clock stays exact. */
export const MAX_TIME_MS = 7_258_118_400_000;
/** Versions made within one millisecond on one node: past this the clock moves to the next millisecond. */
export const MAX_CLOCK_COUNTER = 0x7fff_ffff;

/** A time in ms since 1970, bounded so a version can always be followed by a later one. */
export const timeSchema = z
  .number()
  .finite()
  .nonnegative()
  .max(MAX_TIME_MS, 'must be a time in milliseconds before the year 2200');

export const hlcSchema = z.object({
  ms: timeSchema,
  c: z.number().int().nonnegative().max(MAX_CLOCK_COUNTER),
  node: z.string().max(64),
});
export type Hlc = z.infer<typeof hlcSchema>;

/** Restarts one job may go through; far more than anyone retries, and small enough to stay exact. */
export const MAX_GENERATION = 1_000_000;

/** A record's whole version: its clock reading and its generation. What a client tells the companion it holds. */
export const versionSchema = hlcSchema.extend({
  gen: z.number().int().nonnegative().max(MAX_GENERATION).default(0),
});
export type Version = z.infer<typeof versionSchema>;

/** What a record carries besides `updatedAt`. */
export const clockFieldSchema = z.object({
  c: z.number().int().nonnegative().max(MAX_CLOCK_COUNTER),
  node: z.string().max(64),
  /** Deliberate restarts (retry, re-run) this job went through: a later generation wins over every earlier one. */
  gen: z.number().int().nonnegative().max(MAX_GENERATION).default(0),
});
export type ClockField = z.infer<typeof clockFieldSchema>;

export interface Versioned {
  updatedAt: number;
  clock?: ClockField | null | undefined;
}

export const ZERO_HLC: Hlc = Object.freeze({ ms: 0, c: 0, node: '' });

/** The version of a record; a plain `updatedAt` reads as `{ms, 0, ''}`. */
export function versionOf(record: Versioned): Hlc {
  return { ms: record.updatedAt, c: record.clock?.c ?? 0, node: record.clock?.node ?? '' };
}

/** The clock reading and generation of a record. */
export function fullVersionOf(record: Versioned): Version {
  return { ...versionOf(record), gen: genOf(record) };
}

/** How many deliberate restarts the record's job went through (0 for records without a clock). */
export function genOf(record: Versioned): number {
  return record.clock?.gen ?? 0;
}

/** Total order: ms, then counter, then node. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.c !== b.c) return a.c < b.c ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

export function maxHlc(versions: Iterable<Hlc | null | undefined>): Hlc {
  let max = ZERO_HLC;
  for (const v of versions) if (v && compareHlc(v, max) > 0) max = v;
  return max;
}

/**
 * The version after every one of `after`, at physical time `now` when that is later: the HLC send rule.
 * Pure, so the convergence model and both replicas compute the same steps.
 */
export function nextHlc(after: Iterable<Hlc | null | undefined>, now: number, node: string): Hlc {
  const latest = maxHlc(after);
  const physical = Math.min(Math.max(0, Math.floor(Number.isFinite(now) ? now : 0)), MAX_TIME_MS);
  if (physical > latest.ms) return { ms: physical, c: 0, node };
  if (latest.c < MAX_CLOCK_COUNTER) return { ms: latest.ms, c: latest.c + 1, node };
  if (latest.ms < MAX_TIME_MS) return { ms: latest.ms + 1, c: 0, node };
  throw new RangeError('The clock has reached its last possible version (the year 2200)');
}

/** `updatedAt` and `clock` for a record at version `v` of generation `gen`. */
export function versionFields(v: Hlc, gen: number): { updatedAt: number; clock: ClockField } {
  if (gen > MAX_GENERATION) throw new RangeError(`A job may be restarted at most ${MAX_GENERATION} times`);
  return { updatedAt: v.ms, clock: { c: v.c, node: v.node, gen } };
}

/**
 * One replica's clock. Every version it issues is later than the ones it issued before, later than the
 * versions it is based on, and no earlier than the wall clock (bounded by MAX_TIME_MS).
 */
export interface Clock {
  readonly node: string;
  /** A version later than each of `bases` (the versions an edit was made on) and everything issued here. */
  next(...bases: (Hlc | null | undefined)[]): Hlc;
  /**
   * `record` as a new version made on `base` (default: the record itself): later than it, same generation.
   * For edits: a delete, a finished run, a changed field.
   */
  stamp<T extends Versioned>(record: T, base?: Versioned): T & { updatedAt: number; clock: ClockField };
  /** `record` as a deliberate restart of `base` (a retry, a re-run): later than it, in the next generation. */
  restart<T extends Versioned>(record: T, base?: Versioned): T & { updatedAt: number; clock: ClockField };
}

/** A companion's node name in versions it makes: short, and stable for its data (its serverId). */
export function companionClockNode(serverId: string): string {
  return `s-${serverId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
}

export function createClock(node: string, now: () => number = Date.now): Clock {
  let last = ZERO_HLC;
  const clock: Clock = {
    node,
    next(...bases) {
      last = nextHlc([last, ...bases], now(), node);
      return last;
    },
    stamp(record, base = record) {
      const v = clock.next(versionOf(base), versionOf(record));
      return { ...record, ...versionFields(v, Math.max(genOf(base), genOf(record))) };
    },
    restart(record, base = record) {
      const v = clock.next(versionOf(base), versionOf(record));
      return { ...record, ...versionFields(v, Math.max(genOf(base) + 1, genOf(record))) };
    },
  };
  return clock;
}
