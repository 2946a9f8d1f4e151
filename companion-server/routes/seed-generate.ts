import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import {
  AREA_MESSAGE,
  bytesToPngDataUrl,
  directionSchema,
  MAX_PROMPT_LENGTH,
  MAX_ROTATE_SIZE,
  MAX_SIZE,
  MIN_GENERATE_AREA,
  MIN_SIZE,
  pngDataUrlToBytes,
} from '../../utils/domain';
import type { CompanionDeps, SlotResult } from '../deps';
import { httpError } from '../http/http-error';
import { jsonBody } from '../http/validate';
import { PaidCallRefused } from '../paid/paid-calls';
import { RunnerStopped } from '../paid/runner';
import type { PaidCallInfo } from '../paid/spending-guard';
import { retryAfterSeconds, toUpstreamError } from '../pixellab/upstream-error';

const size = z.number().int().min(MIN_SIZE).max(MAX_SIZE).default(64);
/** The seed dashboard sends the seed as typed: a number, a digit string, or nothing. */
const looseSeed = z
  .union([
    z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32 - 1),
    z.string().trim().regex(/^\d*$/, 'must be a whole number'),
  ])
  .nullable()
  .optional()
  .transform((v) => (v === '' || v === null || v === undefined ? null : Number(v)));

const generateSchema = z
  .object({
    prompt: z.string().trim().min(1, 'is required').max(MAX_PROMPT_LENGTH),
    width: size,
    height: size,
    seed: looseSeed,
  })
  .refine((b) => b.width * b.height >= MIN_GENERATE_AREA, { message: AREA_MESSAGE, path: ['width'] });
const rotateSchema = z.object({
  image_data_url: z.string().startsWith('data:image/png;base64,', 'must be a PNG data URL'),
  to_direction: directionSchema,
  from_direction: directionSchema.nullable().optional(),
  // Checked before paying: PixelLab refuses a larger rotate, and the old server let it be sent.
  width: size.pipe(z.number().max(MAX_ROTATE_SIZE, `must be at most ${MAX_ROTATE_SIZE}: PixelLab rotates up to that`)),
  height: size.pipe(z.number().max(MAX_ROTATE_SIZE, `must be at most ${MAX_ROTATE_SIZE}: PixelLab rotates up to that`)),
});

type Shown = { prompt: string; width: number; height: number; seed: number | null };

/**
 * The old Python server's paid routes, with its answer shapes, so its dashboard keeps working. Each call goes
 * through the runner's parallel limit and the spending guard, as the panel's jobs do. A paid image that cannot
 * be stored yet still goes back, with `saved: false` and `save_error`; the companion stores it once it can.
 */
export function seedGenerateRoutes(deps: CompanionDeps) {
  const { runner, pixellab, config } = deps;
  const now = deps.now ?? Date.now;

  async function paidCall<R extends { png: Uint8Array; usd: number | null }>(
    c: Context,
    call: PaidCallInfo,
    shown: Shown,
    pay: () => Promise<R>,
  ) {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (!runner.slot) return failed(c, 503, 'no_runner', 'This companion runs no paid calls.', shown, seconds());
    let made: SlotResult<R>;
    try {
      made = await runner.slot(call, pay);
    } catch (err) {
      if (err instanceof PaidCallRefused) {
        // 429 with Retry-After for the user's own limits, as for any quota; 507 when the disk has no room to keep a result.
        if (err.resetsAt !== null)
          c.header('Retry-After', String(Math.max(1, Math.ceil((err.resetsAt - now()) / 1000))));
        const status = err.reason === 'no_room' ? 507 : 429;
        return failed(
          c,
          status,
          err.reason === 'no_room' ? 'storage_full' : 'spending_limit',
          err.message,
          shown,
          seconds(),
        );
      }
      if (err instanceof RunnerStopped) return failed(c, 503, 'stopping', err.message, shown, seconds());
      const upstream = toUpstreamError(err);
      const wait = retryAfterSeconds(err);
      if (wait !== null) c.header('Retry-After', String(wait));
      return failed(c, upstream.status, upstream.code, upstream.message, shown, seconds());
    }
    return c.json({
      status: 'success' as const,
      prompt: shown.prompt,
      width: shown.width,
      height: shown.height,
      duration: seconds(),
      timestamp: new Date(now()).toISOString(),
      image_data_url: bytesToPngDataUrl(made.result.png),
      seed: shown.seed,
      error_message: null,
      ...(made.saved
        ? {}
        : {
            saved: false as const,
            save_error: `The image is not saved on the companion yet (${made.saveError}); it is kept and saved as soon as the disk allows. Keep this copy too.`,
          }),
    });
  }

  function failed(
    c: Context,
    status: ContentfulStatusCode,
    code: string,
    message: string,
    shown: Shown,
    duration: number,
  ) {
    return c.json(
      {
        status: 'fail' as const,
        error: code,
        prompt: shown.prompt,
        width: shown.width,
        height: shown.height,
        duration,
        timestamp: new Date(now()).toISOString(),
        image_data_url: null,
        seed: shown.seed,
        error_message: message,
        message,
      },
      status,
    );
  }

  return new Hono()
    .post('/generate-character', jsonBody(generateSchema, config.limits.json), async (c) => {
      const body = c.req.valid('json');
      const shown = { prompt: body.prompt, width: body.width, height: body.height, seed: body.seed };
      // Checked before paying: a size the user's PixelLab plan does not allow.
      const overPlan = deps.plan?.problem('pixflux', body.width, body.height) ?? null;
      if (overPlan) return failed(c, 422, 'over_plan', overPlan, shown, 0);
      const call = { kind: 'generate' as const, width: body.width, height: body.height, jobId: null };
      return paidCall(c, call, shown, async () => {
        // The old server always asked for a transparent background (scripts/pixellab_actions.py).
        const result = await pixellab.generate({
          prompt: body.prompt,
          width: body.width,
          height: body.height,
          seed: body.seed,
          noBackground: true,
        });
        shown.seed = result.seed ?? body.seed;
        return result;
      });
    })
    .post('/rotate-character', jsonBody(rotateSchema, config.limits.push), async (c) => {
      const body = c.req.valid('json');
      const source = pngDataUrlToBytes(body.image_data_url);
      if (!source) throw httpError(400, 'invalid_body', 'image_data_url: is not a valid PNG', 'image_data_url');
      const shown = { prompt: `rotate to ${body.to_direction}`, width: body.width, height: body.height, seed: null };
      const call = { kind: 'rotate' as const, width: body.width, height: body.height, jobId: null };
      return paidCall(c, call, shown, () =>
        pixellab.rotate({
          png: source,
          width: body.width,
          height: body.height,
          fromDirection: body.from_direction ?? null,
          toDirection: body.to_direction,
        }),
      );
    });
}
