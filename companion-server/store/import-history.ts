import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Job, SyncedJob, SyncRecord } from '../../utils/domain';
import { withoutSeq } from '../../utils/domain';
import { sha256Hex } from '../lib/hash';
import { FileOps } from './file-ops';
import { nodeFs } from './fs-seam';
import { INTERRUPTED_BEFORE_RUNNING, INTERRUPTED_WHILE_RUNNING, uniqueId } from './history-file';
import { createHistoryState, type HistoryView } from './history-state';
import { readJournal } from './journal';
import { planMerge } from './plans';
import { type HistoryContents, readHistory } from './recover';
import { StoreError } from './store-error';
import type { JobStore } from './types';

/** What an import took in; the source is never changed. */
export interface ImportReport {
  /** The job_history.json read. */
  file: string;
  format: 'v2' | 'seed';
  /** Jobs found in it (live ones; deletes are not carried over). */
  found: number;
  /** Jobs written into the history (new, or newer than the copy held). */
  taken: number;
  /** Jobs the history already held as they are (an import done before, or a newer copy). */
  alreadyThere: number;
  /** Jobs taken under a new id (`job-1.dup2`) because a different job had theirs. */
  renamed: number;
  /** Records the source holds that fail the schema: left in the source, not taken. */
  unreadable: number;
  images: number;
  /** Images the jobs refer to that the source folder lacks. */
  missingImages: number;
}

/**
 * Takes an old history into the store through its normal write path (one merge, journaled and durable). The
 * source is a job_history.json (the old dashboard's seed format or this companion's) or a data folder holding
 * one; it is only read. Jobs keep their ids unless a different job holds the id here (then `.dupN`), so an
 * import done twice changes nothing the second time, and a queued or running job comes in as interrupted, so
 * nothing is run (or paid for) again.
 */
export async function importHistory(store: JobStore, source: string): Promise<ImportReport> {
  const io = new FileOps(nodeFs, () => undefined);
  const from = resolve(source);
  const isDir = await stat(from).then(
    (s) => s.isDirectory(),
    (error: NodeJS.ErrnoException) => {
      throw new StoreError(
        error.code === 'ENOENT' ? `Nothing to import at ${from}: no such file or folder` : error.message,
        error.code ?? 'IMPORT_FAILED',
      );
    },
  );
  const dir = isDir ? from : dirname(from);
  const file = isDir ? join(from, 'job_history.json') : from;
  const contents = await readSource(io, file, isDir);
  const { jobs, boards } = await withJournal(io, dir, contents, isDir);

  let images = 0;
  let missingImages = 0;
  for (const [hash, bytes] of contents.images) if ((await store.putImage(bytes)) === hash) images++;
  for (const hash of referencedImages(jobs)) {
    if (store.hasImage(hash) || contents.images.has(hash)) continue;
    const bytes = await io.read(join(dir, 'images', `${hash}.png`), `Could not read the image ${hash}`);
    if (bytes && sha256Hex(bytes) === hash) {
      await store.putImage(bytes);
      images++;
    } else missingImages++;
  }

  const incoming = jobs.filter((job) => !job.deleted).map(asInterrupted);
  const results = await store.commit((view) => ({
    ...planMerge(
      view,
      incoming.map((job) => ({ ...job, id: idFor(view, job) })),
    ),
    lastJobId: contents.lastJobId,
  }));
  // The boards its jobs are on come along (merged with any of the same id); its queue belongs to its companion.
  if (boards.length > 0) await store.mergeRecords(boards);
  const taken = results.filter((r) => r.outcome === 'applied').length;
  const renamed = results.filter((r, i) => r.id !== incoming[i]!.id).length;
  return {
    file,
    format: contents.format,
    found: incoming.length,
    taken,
    alreadyThere: results.length - taken,
    renamed,
    unreadable: contents.setAside.length,
    images,
    missingImages,
  };
}

async function readSource(io: FileOps, file: string, isDir: boolean): Promise<HistoryContents> {
  const found = await readHistory(io, file);
  if (found.kind === 'ok') return found.contents;
  // A data folder whose main file is damaged or not written yet still has its backup, or its journal alone.
  const fallback = isDir ? await readHistory(io, `${file}.backup`) : null;
  if (fallback?.kind === 'ok') return fallback.contents;
  if (isDir && found.kind === 'missing') return { ...EMPTY, bytes: new Uint8Array(0), images: new Map() };
  throw new StoreError(
    found.kind === 'missing'
      ? `Nothing to import: ${file} does not exist`
      : `Cannot import ${file}: it ${found.reason}. Nothing was changed.`,
    'IMPORT_UNREADABLE',
  );
}

const EMPTY = {
  format: 'v2',
  records: [],
  entries: [],
  others: [],
  setAside: [],
  lastSeq: 0,
  lastJobId: 0,
  savedAt: null,
  serverId: null,
  extra: {},
} as const satisfies Partial<HistoryContents>;

/** A data folder's history is its file plus the journal written since (a companion that stopped unclean). */
async function withJournal(
  io: FileOps,
  dir: string,
  contents: HistoryContents,
  isDir: boolean,
): Promise<{ jobs: Job[]; boards: SyncRecord[] }> {
  const boardsOf = (records: Iterable<{ kind: string; line: string; deleted: boolean }>) =>
    [...records]
      .filter((r) => r.kind === 'board' && !r.deleted)
      .map(({ line }) => {
        const { seq: _seq, ...record } = JSON.parse(line) as SyncRecord & { seq?: number };
        return record as SyncRecord;
      });
  if (!isDir || contents.format !== 'v2') {
    const lines = contents.others.map((r) => ({ kind: r.kind, deleted: r.deleted, line: JSON.stringify(r) }));
    return { jobs: contents.records.map(withoutSeq), boards: boardsOf(lines) };
  }
  const journal = await readJournal(io, dir, contents.lastSeq, () => undefined);
  if (contents.bytes.length === 0 && journal.records.length === 0) {
    throw new StoreError(`Nothing to import: ${dir} holds no job_history.json and no journal`, 'IMPORT_UNREADABLE');
  }
  const { state } = createHistoryState({
    records: contents.records,
    entries: contents.entries,
    others: contents.others,
    lastSeq: contents.lastSeq,
    lastJobId: contents.lastJobId,
  });
  state.replay(journal.records, journal.lastJobId, journal.others);
  contents.lastJobId = Math.max(contents.lastJobId, journal.lastJobId);
  return {
    jobs: [...state.entries()].map((entry) => withoutSeq(state.get(entry.id)! as SyncedJob)),
    boards: boardsOf(state.recordEntries()),
  };
}

function referencedImages(jobs: Job[]): Set<string> {
  const hashes = new Set<string>();
  for (const job of jobs) {
    if (job.image) hashes.add(job.image);
    if (job.rotate?.sourceImage) hashes.add(job.rotate.sourceImage);
  }
  return hashes;
}

/** No runner here ran it, and none will: it can never finish, so it comes in as an error (as a seed file's do). */
function asInterrupted(job: Job): Job {
  if (job.status === 'running') return { ...job, status: 'error', error: INTERRUPTED_WHILE_RUNNING };
  if (job.status === 'queued') return { ...job, status: 'error', error: INTERRUPTED_BEFORE_RUNNING };
  return job;
}

/** The same job (another version of it), as far as an old history can tell: kind, prompt and creation time. */
function sameJob(a: Job, b: Job): boolean {
  return a.kind === b.kind && a.prompt === b.prompt && a.createdAt === b.createdAt;
}

/**
 * Its own id when that is free here or holds the same job; else the first `.dupN` that does. Two old histories
 * both number from `job-1`, so an id alone does not say two jobs are one.
 */
function idFor(view: HistoryView, job: Job): string {
  const tried = new Set<string>();
  for (;;) {
    const id = uniqueId(job.id, tried);
    const held = view.get(id);
    if (!held || sameJob(held, job)) return id;
    tried.add(id);
  }
}
