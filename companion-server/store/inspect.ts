import { join, resolve } from 'node:path';
import type { SyncedJob } from '../../utils/domain';
import { FileOps } from './file-ops';
import { type FsSeam, nodeFs } from './fs-seam';
import { createHistoryState } from './history-state';
import { readJournal } from './journal';
import { readHistory } from './recover';

/**
 * The history a data dir holds (job_history.json plus the journal written since), read without writing
 * anything or taking the lock: for checks of what survived a crash, and for tools.
 */
export async function readDataDir(
  dataDir: string,
  fs: FsSeam = nodeFs,
): Promise<{ jobs: SyncedJob[]; lastSeq: number; lastJobId: number }> {
  const dir = resolve(dataDir);
  const io = new FileOps(fs, () => undefined);
  const found = await readHistory(io, join(dir, 'job_history.json'));
  const contents = found.kind === 'ok' ? found.contents : null;
  const journal = await readJournal(io, dir, contents?.lastSeq ?? 0, () => undefined);
  const { state } = createHistoryState({
    records: contents?.records ?? [],
    others: contents?.others ?? [],
    lastSeq: contents?.lastSeq ?? 0,
    lastJobId: contents?.lastJobId ?? 0,
  });
  state.replay(journal.records, journal.lastJobId, journal.others);
  const jobs = [...state.entries()].map((entry) => state.get(entry.id)!);
  return { jobs, lastSeq: state.lastSeq, lastJobId: state.lastJobId };
}
