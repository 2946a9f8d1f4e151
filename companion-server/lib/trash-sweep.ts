import type { JobStore } from '../store/types';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the trash is looked at; a job is purged at most this long after its time is up. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * Purges jobs that have been in the trash for `days` (the retention the user set with --trash-days): now, then
 * every hour. The companion does it, not a panel, because it is the replica that is always there; the purge
 * syncs to every panel like any delete. Returns the function that stops it.
 */
export function startTrashSweep(
  store: Pick<JobStore, 'purgeTrashedBefore'>,
  options: { days: number; now?: () => number; log?: (line: string) => void; everyMs?: number },
): () => void {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.warn(line));
  const sweep = () =>
    store.purgeTrashedBefore(now() - options.days * DAY_MS).then(
      (ids) => {
        if (ids.length > 0) log(`Purged ${ids.length} job(s) that were in the trash for ${options.days} days`);
      },
      (error: unknown) => log(`Could not purge jobs that were in the trash for ${options.days} days: ${String(error)}`),
    );
  void sweep();
  const timer = setInterval(() => void sweep(), options.everyMs ?? SWEEP_EVERY_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}
