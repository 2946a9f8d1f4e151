import { type Direction, directions, type Job, MAX_PROMPT_LENGTH } from '@/utils/domain';
import { facingOf } from '@/utils/domain/facing';
import type { OptionsOf } from '@/utils/domain/options';
import {
  fail,
  groupId,
  type HandlerContext,
  type IntentHandlers,
  idleJob,
  submitNew,
} from '@/utils/intents/handlers/context';

/** `${prompt} (rotated to ${dir})`, shortened so it stays a valid prompt. */
export function rotatePrompt(prompt: string, direction: Direction): string {
  const suffix = ` (rotated to ${direction})`;
  return prompt.slice(0, MAX_PROMPT_LENGTH - suffix.length) + suffix;
}

/** `rotate` and `rotate8`: new jobs that turn a finished job's image to one direction, or to all eight. */
export function createRotateHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'rotate' | 'rotate8'> {
  /** A success job with an image, or the reason it cannot be rotated. */
  async function rotationSource(id: string): Promise<Job | string> {
    const job = await ctx.store.getJob(id);
    if (!job || job.deleted) return `No job ${id} in the history`;
    if (job.status !== 'success' || !job.image) return 'Only a finished job with an image can be rotated';
    return job;
  }

  /** A rotation's options and seed as the intent gave them (parsed: every option filled in). */
  interface Settings {
    options?: OptionsOf<'rotate'>;
    seed?: number | null;
  }

  function rotateJob(
    source: Job,
    to: Direction,
    from: Direction | null,
    group: string | null,
    at: number,
    settings: Settings,
  ): Job {
    return idleJob(
      {
        kind: 'rotate',
        prompt: rotatePrompt(source.prompt, to),
        width: source.width,
        height: source.height,
        seed: settings.seed ?? null,
        ...(settings.options ? { options: settings.options } : {}),
        rotate: {
          toDirection: to,
          fromDirection: from ?? facingOf(source),
          sourceJobId: source.id,
          sourceImage: source.image!,
        },
        groupId: group,
      },
      at,
      ctx.random,
    );
  }

  return {
    async rotate({ id, toDirection, fromDirection, ...settings }) {
      const source = await rotationSource(id);
      if (typeof source === 'string') return fail(source);
      return submitNew(ctx, [rotateJob(source, toDirection, fromDirection, null, ctx.now(), settings)]);
    },

    async rotate8({ id, ...settings }) {
      const source = await rotationSource(id);
      if (typeof source === 'string') return fail(source);
      const at = ctx.now();
      const group = groupId(at, ctx.random);
      return submitNew(
        ctx,
        directions.map((to) => rotateJob(source, to, null, group, at, settings)),
      );
    },
  };
}
