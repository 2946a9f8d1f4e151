/**
 * The PixelLab call a job asks for, made with its options: the images it names are read from the store first, and
 * a result of several images (an animation, a v2 turnaround) comes back as one strip PNG, so every job still has one
 * image to store, sync and show.
 */
import { type Job, jobOptionsOf, modeOfRequest, optionImages } from '../../utils/domain';
import { joinStrip } from '../../utils/export/frames';
import { decodePng, encodePng } from '../../utils/export/png';
import type { PixelLab } from '../deps';
import { ROTATE_LIMITS } from '../pixellab/client';
import type { JobStore } from '../store/types';

export interface CallResult {
  png: Uint8Array;
  usd: number | null;
  seed?: number | null;
  /** Set when `png` is a strip of frames. */
  frames?: { count: number; labels: string[] | null } | null;
}

export type RunnerPixelLab = Pick<PixelLab, 'generate' | 'rotate' | 'animate' | 'v2'>;

const NOT_HERE = 'sync it again or pick another image';

/** Frames side by side as one PNG. */
export function stripOf(frames: readonly Uint8Array[]): Uint8Array {
  return frames.length === 1 ? frames[0]! : encodePng(joinStrip(frames.map(decodePng)));
}

export async function callPixelLab(
  job: Job,
  pixellab: RunnerPixelLab,
  store: Pick<JobStore, 'readImage'>,
): Promise<CallResult> {
  const options = jobOptionsOf(job);
  const mode = modeOfRequest({ kind: job.kind, options });
  const canvas = { prompt: job.prompt, width: job.width, height: job.height, seed: job.seed };

  const images = new Map<string, Uint8Array>();
  for (const { field, hash } of optionImages(options)) {
    const bytes = await store.readImage(hash);
    if (!bytes)
      throw new Error(`The ${field.replace('_', ' ')} (${hash.slice(0, 12)}…) is not on the companion; ${NOT_HERE}.`);
    images.set(hash, bytes);
  }

  if (options?.mode === 'animate') {
    if (!pixellab.animate) throw new Error('This companion cannot make animations.');
    const result = await pixellab.animate({ ...canvas, options, images });
    return {
      png: stripOf(result.frames),
      usd: result.usd,
      seed: result.seed,
      frames: { count: result.frames.length, labels: null },
    };
  }

  if (options?.mode === 'character') {
    if (!pixellab.v2) throw new Error("PixelLab's v2 API is not set up on this companion.");
    const result = await pixellab.v2.createCharacter({ ...canvas, options, images });
    return {
      png: stripOf(result.frames.map((f) => f.png)),
      usd: result.usd,
      seed: job.seed,
      frames: { count: result.frames.length, labels: result.frames.map((f) => f.direction) },
    };
  }

  if (mode !== 'rotate') {
    // Old jobs name no options: sent as before, with PixelLab's defaults.
    return pixellab.generate(options ? { ...canvas, options, images } : canvas);
  }

  if (!job.rotate) throw new Error('This rotate job names no image to rotate.');
  if (job.width > ROTATE_LIMITS.maxSide || job.height > ROTATE_LIMITS.maxSide) {
    throw new Error(
      `PixelLab rotates images up to ${ROTATE_LIMITS.maxSide}x${ROTATE_LIMITS.maxSide} pixels; this job asks for ${job.width}x${job.height}.`,
    );
  }
  const source = await store.readImage(job.rotate.sourceImage);
  if (!source) {
    throw new Error(
      `The image to rotate (${job.rotate.sourceImage.slice(0, 12)}…) is not on the companion; ${NOT_HERE}.`,
    );
  }
  return pixellab.rotate({
    png: source,
    width: job.width,
    height: job.height,
    fromDirection: job.rotate.fromDirection,
    toDirection: job.rotate.toDirection,
    seed: job.seed,
    options: options?.mode === 'rotate' ? options : null,
  });
}
