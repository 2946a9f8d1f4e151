import {
  groupId,
  type HandlerContext,
  type IntentHandlers,
  idleJob,
  submitNew,
} from '@/utils/intents/handlers/context';

/** `generate`: `count` new jobs from the form, in one group when there are several. */
export function createGenerateHandlers(ctx: HandlerContext): Pick<IntentHandlers, 'generate'> {
  return {
    async generate({ request }) {
      const at = ctx.now();
      const group = request.count > 1 ? groupId(at, ctx.random) : null;
      const jobs = Array.from({ length: request.count }, () =>
        idleJob(
          {
            kind: 'generate',
            prompt: request.prompt,
            width: request.width,
            height: request.height,
            seed: request.seed,
            rotate: null,
            groupId: group,
            // Only when set: a job of PixelLab's defaults looks as it always did.
            ...(request.options ? { options: request.options } : {}),
          },
          at,
          ctx.random,
        ),
      );
      return submitNew(ctx, jobs);
    },
  };
}
