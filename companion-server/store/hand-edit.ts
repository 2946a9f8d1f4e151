import {
  type Clock,
  canonicalJson,
  compareVersions,
  type Job,
  organisingEditsOf,
  type SyncedJob,
  withoutSeq,
} from '../../utils/domain';
import type { ParsedHistoryFile } from './history-file';
import { convertSeedFile, uniqueId } from './history-file';
import type { HistoryEntry } from './history-state';
import type { Plan } from './plans';
import type { PlanView } from './types';

/** What the file held for each job when the companion last wrote it. */
export type Base = ReadonlyMap<string, Pick<HistoryEntry, 'seq' | 'line'>>;

export interface HandEditSummary {
  edited: string[];
  added: string[];
  deleted: string[];
  /** Changed by hand and by a client since the last write: the client's version is kept. */
  conflicts: string[];
  /** A job added by hand under an id the companion already uses: kept under another id. */
  renamed: [from: string, to: string][];
}

/**
 * A job_history.json changed under the running companion (by hand, as the old README told users to, or by a
 * sync client copying it from another machine), merged as a client based on the file's last compaction:
 * a changed line is an edit, a removed line a delete by the user, a new line a new job. A job that changed in
 * the companion since that compaction keeps its newer version. Nothing is written over the edit unread.
 */
export function planHandEdit(
  file: ParsedHistoryFile,
  base: Base,
  view: PlanView,
  clock: Clock,
  putImage: (bytes: Uint8Array) => string,
): Plan<HandEditSummary> {
  const summary: HandEditSummary = { edited: [], added: [], deleted: [], conflicts: [], renamed: [] };
  const versions: Job[] = [];
  const unchangedSince = (id: string) => {
    const current = view.get(id);
    return current !== undefined && base.get(id)?.seq === current.seq;
  };

  if (file.format === 'seed') {
    // An old-format history copied over the file (the old README's way to import): its jobs are added,
    // and nothing is deleted because it lacks them.
    const { records } = convertSeedFile(file.file, putImage);
    for (const record of records) {
      const job = withoutSeq(record);
      const current = view.get(job.id);
      if (!current) {
        versions.push(job);
        summary.added.push(job.id);
      } else if (!sameJob(current, job)) {
        const id = uniqueId(job.id, { has: (x) => view.get(x) !== undefined || versions.some((v) => v.id === x) });
        versions.push({ ...job, id });
        summary.renamed.push([job.id, id]);
      }
    }
    return { versions, result: () => summary };
  }

  const inFile = new Set<string>();
  for (const record of file.records) {
    inFile.add(record.id);
    const before = base.get(record.id);
    if (before && (JSON.stringify(record) === before.line || sameJob(JSON.parse(before.line) as Job, record))) continue;
    const current = view.get(record.id);
    const job = withoutSeq(record);
    if (!before) {
      if (!current) {
        versions.push(job);
        summary.added.push(job.id);
      } else if (!sameJob(current, job)) {
        const id = uniqueId(job.id, { has: (x) => view.get(x) !== undefined || versions.some((v) => v.id === x) });
        versions.push({ ...job, id });
        summary.renamed.push([job.id, id]);
      }
      continue;
    }
    if (!unchangedSince(record.id)) {
      summary.conflicts.push(record.id);
      continue;
    }
    // A deliberate edit by the user: it wins over the version it was made on, even one that got further.
    const on = withoutSeq(current!);
    // A star or tag changed by hand carries no new field version: the changed values become edits made now.
    const edited = organisingEditsOf(on, job, clock);
    const stamped = clock.stamp(edited, on);
    versions.push(compareVersions(stamped, on) > 0 ? stamped : clock.restart(edited, on));
    summary.edited.push(record.id);
  }
  for (const id of base.keys()) {
    if (inFile.has(id) || !unchangedSince(id)) continue;
    const current = withoutSeq(view.get(id)!);
    if (current.deleted) continue;
    versions.push(clock.stamp({ ...current, deleted: true }, current));
    summary.deleted.push(id);
  }
  return { versions, result: () => summary };
}

/** Same job apart from its version and seq. */
function sameJob(a: Job | SyncedJob, b: Job | SyncedJob): boolean {
  const strip = ({ seq: _s, updatedAt: _u, clock: _c, ...rest }: Job & { seq?: unknown }) => rest;
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}
