import { type Clock, compareVersions, type Job, type SyncedJob } from '../../utils/domain';

/** How a run ended: an image (with what PixelLab charged for it), or plain words. */
export type Outcome =
  | {
      status: 'success';
      image: string;
      seed: number | null;
      usd?: number | null;
      /** The image is a strip of frames (an animation, a turnaround). */
      frames?: { count: number; labels: string[] | null };
    }
  | { status: 'error'; error: string };

/** The version the runner writes when it starts a queued job. */
export function runningVersion(job: SyncedJob | Job, startTime: number, clock: Clock): Job {
  return clock.stamp(
    {
      ...withoutResult(withoutCost(withoutSeq(job))),
      status: 'running',
      startTime,
      endTime: null,
      duration: null,
      error: null,
      image: null,
    },
    job,
  );
}

/**
 * The runner's final version: on top of the job's current version (the running one if it is gone), so an
 * edit made meanwhile stays, and a delete made meanwhile too. Null when the job got further meanwhile than
 * this outcome takes it (another replica's result arrived while this run failed): that version stays.
 */
export function finishedVersion(
  current: SyncedJob | Job | null | undefined,
  running: Job,
  outcome: Outcome,
  endTime: number,
  clock: Clock,
): Job | null {
  const base: Job = current ? withoutSeq(current) : running;
  const final = clock.stamp(
    {
      ...(outcome.status === 'success' ? withoutResult(base) : withoutResult(withoutCost(base))),
      ...outcome,
      ...(outcome.status === 'success' ? { error: null } : { image: null }),
      startTime: running.startTime,
      endTime,
      duration: Math.max(0, endTime - (running.startTime ?? endTime)) / 1000,
      deleted: base.deleted,
    },
    base,
  );
  return current && compareVersions(final, withoutSeq(current)) <= 0 ? null : final;
}

export function withoutSeq(job: SyncedJob | Job): Job {
  const { seq: _seq, ...rest } = job as SyncedJob;
  return rest as Job;
}

/** A strip's frames belong to its result too. */
function withoutResult(job: Job): Job {
  if (!('frames' in job)) return job;
  const { frames: _frames, ...rest } = job;
  return rest as Job;
}

/** A job's cost belongs to its result: a version without the result carries none. */
function withoutCost(job: Job): Job {
  if (!('usd' in job)) return job;
  const { usd: _usd, ...rest } = job;
  return rest as Job;
}
