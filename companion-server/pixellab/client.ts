/**
 * The PixelLab v1 HTTP client: every answer parsed with zod, every failure a PixelLabError in plain words.
 * Shapes follow PixelLab's own clients (pixellab-code/pixellab-js src/api/*.ts, pixellab-code/pixellab-python):
 *   POST {base}/generate-image-pixflux | /generate-image-bitforge | /inpaint   (requests.ts builds the bodies)
 *   POST {base}/rotate   {from_image:{type:'base64',base64}, image_size, from_direction?, to_direction, ...}
 *     -> {usage:{type:'usd',usd}, image:{type:'base64', base64, format?}}
 *   POST {base}/animate-with-text {description, action, reference_image, n_frames, ...}
 *     -> {usage, images:[{type:'base64', base64}]}
 *   GET  {base}/balance -> {type:'usd', usd}
 *   errors -> {detail: string} or, from FastAPI's validation, {detail: [{loc, msg, type}]} (errors.ts)
 * The API key goes only into the Authorization header; it is never put in a message, a log or a thrown value.
 */
import { z } from 'zod';
import { isPng } from '../../utils/domain/data-url';
import type { OptionsOf } from '../../utils/domain/options';
import { badShape, PixelLabError } from './errors';
import { createPixelLabHttp, type PixelLabKey } from './http';

export { MISSING_KEY_MESSAGE } from './http';

import {
  animateCall,
  type ImageCallInput,
  type ImagesByHash,
  imageCall,
  type RotateCallInput,
  rotateCall,
} from './requests';

export { describeDetail, PixelLabError, type PixelLabErrorCode } from './errors';

export const PIXELLAB_BASE_URL = 'https://api.pixellab.ai/v1';
export const DEFAULT_TIMEOUT_MS = 120_000;

/** PixelLab v1 rotate: each side 16..200 (utils/domain/sizes.ts has every call's limits). */
export const ROTATE_LIMITS = { minSide: 16, maxSide: 200 } as const;

export interface GenerateRequest extends ImageCallInput {
  /** The images the options name, by hash. */
  images?: ImagesByHash;
}

export interface GenerateResult {
  png: Uint8Array;
  /** What PixelLab charged, or null when it did not say. */
  usd: number | null;
  /** The seed sent, or null: PixelLab does not report the seed it picked itself. */
  seed: number | null;
}

export type RotateRequest = RotateCallInput;

export interface RotateResult {
  png: Uint8Array;
  usd: number | null;
}

export interface AnimateRequest extends ImageCallInput {
  options: OptionsOf<'animate'>;
  images: ImagesByHash;
}

export interface AnimateResult {
  /** The frames, in order. */
  frames: Uint8Array[];
  usd: number | null;
  seed: number | null;
}

export interface PixelLabClient {
  generate(request: GenerateRequest): Promise<GenerateResult>;
  animate(request: AnimateRequest): Promise<AnimateResult>;
  rotate(request: RotateRequest): Promise<RotateResult>;
  balance(): Promise<{ usd: number }>;
}

export interface PixelLabClientOptions {
  baseUrl?: string;
  /** Missing or blank: every call rejects with a `missing_key` PixelLabError, without touching the network. */
  /** A function is read at every call, so a key set from the panel is used at once. */
  apiKey: PixelLabKey;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

const usageSchema = z.looseObject({ type: z.literal('usd'), usd: z.number().finite().nonnegative() });
const base64ImageSchema = z.looseObject({
  type: z.literal('base64'),
  base64: z.string().min(1),
  format: z.string().optional(),
});
const imageAnswerSchema = z.looseObject({ image: base64ImageSchema, usage: usageSchema.nullish() });
const imagesAnswerSchema = z.looseObject({ images: z.array(base64ImageSchema).min(1), usage: usageSchema.nullish() });
const balanceAnswerSchema = z.looseObject({ type: z.literal('usd').optional(), usd: z.number().finite() });

/** A PixelLab base64 image as PNG bytes; a 502 when it is not a PNG. */
export function pngOf(base64: string): Uint8Array {
  const png = new Uint8Array(Buffer.from(base64.replace(/^data:[^,]*,/, ''), 'base64'));
  if (!isPng(png)) throw new PixelLabError(502, 'bad_response', 'PixelLab sent an image that is not a PNG');
  return png;
}

export function createPixelLabClient(options: PixelLabClientOptions): PixelLabClient {
  const http = createPixelLabHttp({
    baseUrl: options.baseUrl ?? PIXELLAB_BASE_URL,
    apiKey: options.apiKey,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });

  function parseImage(json: unknown): { png: Uint8Array; usd: number | null } {
    const parsed = imageAnswerSchema.safeParse(json);
    if (!parsed.success) throw badShape(parsed.error);
    return { png: pngOf(parsed.data.image.base64), usd: parsed.data.usage?.usd ?? null };
  }

  return {
    async generate(request) {
      const { path, body } = imageCall(request, request.images);
      const { png, usd } = parseImage(await http.call('POST', path, body));
      return { png, usd, seed: request.seed ?? null };
    },

    async animate(request) {
      const { path, body } = animateCall(request, request.images);
      const parsed = imagesAnswerSchema.safeParse(await http.call('POST', path, body));
      if (!parsed.success) throw badShape(parsed.error);
      return {
        frames: parsed.data.images.map((image) => pngOf(image.base64)),
        usd: parsed.data.usage?.usd ?? null,
        seed: request.seed ?? null,
      };
    },

    async rotate(request) {
      const { path, body } = rotateCall(request);
      return parseImage(await http.call('POST', path, body));
    },

    async balance() {
      const parsed = balanceAnswerSchema.safeParse(await http.call('GET', '/balance'));
      if (!parsed.success) throw badShape(parsed.error);
      return { usd: parsed.data.usd };
    },
  };
}
