import { type CompanionClient, CompanionError, dataUrlToBase64, isCompanionError } from '@/utils/companion-client';
import { fullVersionOf, type Job, type JobOptions, optionImages, type SyncedJob } from '@/utils/domain';
import type { HistoryStore } from '@/utils/history/store';
import { isPermanentRefusal } from '@/utils/sync/errors';

/** Hands the jobs waiting in the `submit` queue to the companion's runner: new ones created, failed ones retried. */

async function create(store: HistoryStore, client: CompanionClient, job: Job): Promise<SyncedJob> {
  const input = {
    id: job.id,
    kind: job.kind,
    prompt: job.prompt,
    width: job.width,
    height: job.height,
    seed: job.seed,
    rotate: job.rotate,
    groupId: job.groupId,
    // As stored: the companion checks them (a newer client's options it cannot run are refused, never dropped).
    options: (job.options ?? null) as JobOptions | null,
    createdAt: job.createdAt,
    // The companion stamps the queued version above ours, so it wins over this idle one everywhere.
    clientUpdatedAt: job.updatedAt,
    clientVersion: fullVersionOf(job),
  };
  try {
    return (await client.createJob(input)).job;
  } catch (err) {
    if (!(isCompanionError(err, 'http') && err.status === 409 && err.code === 'image_required')) throw err;
    // The companion lacks an image the job names (a rotate's source, an option's image): send what we hold. The one
    // it asked for must be here; the others it may hold already (an inpaint's image is a job's result there).
    const named = [
      ...(job.rotate ? [{ field: 'rotate.sourceImage', hash: job.rotate.sourceImage }] : []),
      ...optionImages(input.options).map((i) => ({ field: `options.${i.field}`, hash: i.hash })),
    ];
    const held = await store.getImages([...new Set(named.map((n) => n.hash))]);
    const imageData: Record<string, string> = {};
    for (const { hash } of named) {
      const base64 = dataUrlToBase64(held.get(hash) ?? '');
      if (base64) imageData[hash] = base64;
    }
    const asked = named.find((n) => n.field === err.field);
    if (asked ? !imageData[asked.hash] : Object.keys(imageData).length === 0)
      throw new CompanionError(
        'http',
        asked?.field === 'rotate.sourceImage' || (!asked && job.rotate)
          ? 'The image to rotate is neither stored here nor on the companion'
          : 'An image this job uses is neither stored here nor on the companion',
        409,
        'image_missing',
      );
    const sourceImageData = job.rotate ? imageData[job.rotate.sourceImage] : undefined;
    return (await client.createJob({ ...input, imageData, ...(sourceImageData ? { sourceImageData } : {}) })).job;
  }
}

async function retry(store: HistoryStore, client: CompanionClient, job: Job): Promise<SyncedJob> {
  try {
    return await client.retryJob(job.id, { clientUpdatedAt: job.updatedAt, clientVersion: fullVersionOf(job) });
  } catch (err) {
    // Unknown to the companion (imported, or a replaced companion): submit it as new.
    if (isCompanionError(err, 'http') && err.status === 404) return create(store, client, job);
    if (isCompanionError(err, 'http') && err.status === 409) {
      const existing = await client.getJob(job.id);
      if (existing) return existing;
    }
    throw err;
  }
}

/** Submits every waiting job; returns how many the companion accepted. */
export async function submitWaiting(store: HistoryStore, client: CompanionClient): Promise<number> {
  const queue = await store.getSubmitQueue();
  if (queue.length === 0) return 0;
  let submitted = 0;
  for (const entry of queue) {
    // Read afresh for each entry: the user may have retried or deleted it during an earlier request.
    const job = await store.getJob(entry.id);
    if (!job || job.deleted || job.status !== 'idle') {
      // Dropped only if, under the lock, it is still not waiting: a retry made since keeps its entry.
      await store.editJobs([entry.id], (current) => {
        const latest = current.get(entry.id);
        const waiting = latest !== undefined && !latest.deleted && latest.status === 'idle';
        return { options: waiting ? {} : { removeFromSubmit: [entry.id] }, result: undefined };
      });
      continue;
    }
    try {
      const accepted = entry.action === 'retry' ? await retry(store, client, job) : await create(store, client, job);
      // Its image, if it already finished, is fetched by fetchWantedImages.
      await store.mergeRemote([accepted], { submitted: [entry.id] });
      submitted += 1;
    } catch (err) {
      if (!isPermanentRefusal(err)) throw err;
      // The companion refuses this job for good: show why, and let the user retry or delete it.
      // Decided on the version stored now: the user may have deleted or changed it during the request.
      const reason = err.message;
      await store.editJobs([entry.id], (current, clock) => {
        const latest = current.get(entry.id);
        if (!latest || latest.deleted || latest.status !== 'idle')
          return { options: { removeFromSubmit: [entry.id] }, result: undefined };
        const failed: Job = clock.stamp({ ...latest, status: 'error', error: reason }, latest);
        return { jobs: [failed], options: { markDirty: true, removeFromSubmit: [entry.id] }, result: undefined };
      });
    }
  }
  return submitted;
}
