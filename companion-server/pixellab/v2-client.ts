/**
 * PixelLab's v2 API, for the one thing taken from it: a character in 4 or 8 consistent directions
 * (POST /v2/create-character-with-{4,8}-directions), a background job polled at GET /v2/background-jobs/{id}.
 * v2 answers come in an envelope, `{success, data, error, usage}` (its docs); bare answers are read too. The
 * finished images are in the job's `last_response`, or else in the character's `rotation_urls`.
 */
import { z } from 'zod';
import type { Direction, OptionsOf } from '../../utils/domain';
import { pngOf } from './client';
import { badShape, PixelLabError } from './errors';
import { createPixelLabHttp, type PixelLabHttp, type PixelLabKey } from './http';
import type { ImagesByHash } from './requests';

/** The four directions, in the order PixelLab lists them for create-character-with-4-directions. */
export const FOUR_DIRECTIONS: readonly Direction[] = ['south', 'west', 'east', 'north'];
export const EIGHT_DIRECTIONS: readonly Direction[] = [
  'south',
  'south-west',
  'west',
  'north-west',
  'north',
  'north-east',
  'east',
  'south-east',
];

export interface CharacterRequest {
  prompt: string;
  width: number;
  height: number;
  seed?: number | null;
  options: OptionsOf<'character'>;
  images?: ImagesByHash;
}

export interface CharacterResult {
  /** One image per direction, in FOUR_DIRECTIONS or EIGHT_DIRECTIONS order. */
  frames: { direction: Direction; png: Uint8Array }[];
  /** v2 reports credits and generations, not dollars: null unless it names a USD figure. */
  usd: number | null;
}

export interface PixelLabV2Client {
  /** Whether v2 answers this key (checked once, then remembered for `ttlMs`). */
  available(): Promise<boolean>;
  createCharacter(request: CharacterRequest): Promise<CharacterResult>;
}

export interface PixelLabV2ClientOptions {
  baseUrl: string;
  apiKey: PixelLabKey;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  /** Between two looks at the background job (default 5 s, PixelLab's clients' own). */
  pollMs?: number;
  /** Gives up on the background job after this long (default 10 minutes). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** v1's base URL with its version swapped: https://api.pixellab.ai/v1 -> .../v2. */
export function v2BaseUrl(v1BaseUrl: string): string {
  const trimmed = v1BaseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? `${trimmed.slice(0, -3)}/v2` : `${trimmed}/v2`;
}

const usageSchema = z.looseObject({ usd: z.number().finite().nonnegative().optional() }).nullish();
const envelopeSchema = z.looseObject({
  success: z.boolean(),
  data: z.unknown().optional(),
  error: z.unknown().optional(),
  usage: usageSchema,
});
const startedSchema = z.looseObject({ background_job_id: z.string().min(1), character_id: z.string().min(1) });
const jobSchema = z.looseObject({
  status: z.string(),
  last_response: z.unknown().optional(),
  usage: usageSchema,
});
const imageSchema = z.union([
  z.looseObject({ base64: z.string().min(1) }),
  z.looseObject({ url: z.string().min(1) }),
  z.string().min(1),
]);
const imagesByDirectionSchema = z.record(z.string(), imageSchema);
const characterSchema = z.looseObject({ rotation_urls: imagesByDirectionSchema });

const DONE = new Set(['completed', 'complete', 'done', 'success', 'succeeded', 'finished']);
const FAILED = new Set(['failed', 'error', 'errored', 'cancelled', 'canceled']);

/** The envelope's data (and usage), or a PixelLabError from its `error`; a bare answer is its own data. */
function unwrap(json: unknown): { data: unknown; usd: number | null } {
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return { data: json, usd: null };
  if (!envelope.data.success) {
    const error = envelope.data.error;
    const words = typeof error === 'string' ? error : JSON.stringify(error ?? 'no reason given');
    throw new PixelLabError(502, 'upstream_error', `PixelLab v2 refused the request: ${words}`, words);
  }
  return { data: envelope.data.data ?? json, usd: envelope.data.usage?.usd ?? null };
}

export function createPixelLabV2Client(options: PixelLabV2ClientOptions): PixelLabV2Client {
  const http: PixelLabHttp = createPixelLabHttp({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  const pollMs = options.pollMs ?? 5_000;
  const maxWaitMs = options.maxWaitMs ?? 10 * 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const now = options.now ?? Date.now;
  let known: { ok: boolean; at: number } | null = null;

  async function imageBytes(image: z.infer<typeof imageSchema>): Promise<Uint8Array> {
    if (typeof image === 'string') return image.startsWith('http') ? http.fetchBytes(image) : pngOf(image);
    if ('base64' in image && typeof image.base64 === 'string') return pngOf(image.base64);
    return http.fetchBytes(String((image as { url: string }).url));
  }

  /** The finished images, by direction, from the job's answer or else from the character itself. */
  async function imagesOf(lastResponse: unknown, characterId: string): Promise<Record<string, unknown>> {
    const inline = z.looseObject({ images: imagesByDirectionSchema }).safeParse(lastResponse);
    if (inline.success) return inline.data.images;
    const rotations = characterSchema.safeParse(unwrap(await http.call('GET', `/characters/${characterId}`)).data);
    if (!rotations.success) throw badShape(rotations.error);
    return rotations.data.rotation_urls;
  }

  return {
    async available() {
      if (known && now() - known.at < 10 * 60_000) return known.ok;
      let ok: boolean;
      try {
        await http.call('GET', '/balance');
        ok = true;
      } catch (err) {
        // A missing key, a refused key, or no v2 here: not offered. A network failure is not remembered.
        if (err instanceof PixelLabError && (err.code === 'network' || err.code === 'timeout')) return false;
        ok = false;
      }
      known = { ok, at: now() };
      return ok;
    },

    async createCharacter(request) {
      const order = request.options.n_directions === 4 ? FOUR_DIRECTIONS : EIGHT_DIRECTIONS;
      const body: Record<string, unknown> = {
        description: request.prompt,
        image_size: { width: request.width, height: request.height },
        text_guidance_scale: request.options.text_guidance_scale,
        isometric: request.options.isometric,
      };
      if (request.options.view) body.view = request.options.view;
      if (request.seed !== null && request.seed !== undefined) body.seed = request.seed;
      const started = startedSchema.safeParse(
        unwrap(await http.call('POST', `/create-character-with-${order.length}-directions`, body)).data,
      );
      if (!started.success) throw badShape(started.error);
      const { background_job_id: jobId, character_id: characterId } = started.data;

      const since = now();
      for (;;) {
        const answer = unwrap(await http.call('GET', `/background-jobs/${encodeURIComponent(jobId)}`));
        const job = jobSchema.safeParse(answer.data);
        if (!job.success) throw badShape(job.error);
        const status = job.data.status.toLowerCase();
        if (DONE.has(status)) {
          const images = await imagesOf(job.data.last_response, characterId);
          const frames = [];
          for (const direction of order) {
            const image = imageSchema.safeParse(images[direction]);
            if (!image.success) {
              throw new PixelLabError(502, 'bad_response', `PixelLab's v2 character has no ${direction} image`);
            }
            frames.push({ direction, png: await imageBytes(image.data) });
          }
          return { frames, usd: job.data.usage?.usd ?? answer.usd };
        }
        if (FAILED.has(status)) {
          const why = JSON.stringify(job.data.last_response ?? status).slice(0, 300);
          throw new PixelLabError(502, 'upstream_error', `PixelLab's v2 character job failed: ${http.redact(why)}`);
        }
        if (now() - since > maxWaitMs) {
          throw new PixelLabError(
            504,
            'timeout',
            `PixelLab's v2 character job did not finish within ${Math.round(maxWaitMs / 60_000)} minutes`,
          );
        }
        await sleep(pollMs);
      }
    },
  };
}
