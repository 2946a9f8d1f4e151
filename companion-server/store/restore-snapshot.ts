import {
  type Clock,
  compareVersions,
  type Job,
  organisingEditsOf,
  REGISTER_FIELDS,
  SET_FIELDS,
  type SyncedJob,
  withoutSeq,
} from '../../utils/domain';
import type { HistoryView } from './history-state';
import type { Plan } from './plans';

export interface RestoreSummary {
  /** Jobs the copy held that the history had lost (deleted or gone), written back as new versions. */
  restored: string[];
  /** Jobs the history still holds, left as they are: nothing made after the copy is lost. */
  kept: number;
}

/**
 * A restore brings back what a dated copy held and the history no longer has, as new versions that win on every
 * replica, and touches nothing else: jobs made or changed after the copy keep their state. A job the copy held
 * as queued or running comes back idle, so a restore never starts a paid call by itself. Its organising fields
 * come back as the copy held them (star, rating, notes, tags, boards, in the trash or not): each value that differs
 * from the deleted version's is an edit stamped now, so the per-field merge (organise.ts) keeps the copy's values
 * over a later unstar or the trash a purge came through.
 */
export function planRestore(held: SyncedJob[], view: HistoryView, clock: Clock): Plan<RestoreSummary> {
  const versions: Job[] = [];
  let kept = 0;
  for (const record of held) {
    const current = view.get(record.id);
    if (current && !current.deleted) {
      kept++;
      continue;
    }
    const waiting = record.status === 'queued' || record.status === 'running';
    const back: Job = { ...withoutSeq(record), deleted: false, ...(waiting ? { status: 'idle' as const } : {}) };
    const base = current ? withoutSeq(current) : undefined;
    const organised = base ? organisingEditsOf(base, asCopyHeld(back), clock) : back;
    let version: Job = clock.stamp(organised, base);
    // A delete that came after the job made progress (a result since) needs a deliberate restart to lose.
    if (current && compareVersions(version, current) < 0) version = clock.restart(organised, base);
    versions.push(version);
  }
  return { versions, result: (saved) => ({ restored: saved.map((job) => job.id), kept }) };
}

/** The copy's job with every organising field it leaves out at its empty value: the copy held it so. */
function asCopyHeld(job: Job): Job {
  const out: Record<string, unknown> = { ...job };
  const empty = { starred: false, rating: null, notes: '', trashedAt: null } as const;
  for (const field of REGISTER_FIELDS) if (out[field] === undefined) out[field] = empty[field];
  for (const field of SET_FIELDS) if (out[field] === undefined) out[field] = [];
  return out as Job;
}
