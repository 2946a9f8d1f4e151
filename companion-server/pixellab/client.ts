/**
 * The PixelLab v1 HTTP client: three calls, every answer parsed with zod, every failure a
 * PixelLabError in plain words. Shapes follow PixelLab's own clients (pixellab-code/pixellab-js
 * src/api/{generateImagePixflux,rotate,getBalance,errors}.ts and pixellab-code/pixellab-python):
 *   POST {base}/generate-image-pixflux  {description, image_size:{width,height}, no_background, seed?}
 *   POST {base}/rotate                  {from_image:{type:'base64',base64}, image_size, from_direction?, to_direction}
 *     both -> {usage:{type:'usd',usd}, image:{type:'base64', base64, format?}}
 *   GET  {base}/balance                 -> {type:'usd', usd}
 *   errors -> {detail: string} or, from FastAPI's validation, {detail: [{loc, msg, type}]}
 * The API key goes only into the Authorization header; it is never put in a message, a log or a thrown value.
 */
import { z } from 'zod';
import { isPng } from '../../utils/domain/data-url';
import type { Direction } from '../../utils/domain/job';

export const PIXELLAB_BASE_URL = 'https://api.pixellab.ai/v1';
export const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * PixelLab v1 pixflux: each side 16..400. PixelLab's docs add that the area must be at least 32x32
 * and at most 200x200 (free tier), 320x320 (tier 1) or 400x400 (tier 2+); it answers 422 otherwise.
 */
export const PIXFLUX_LIMITS = { minSide: 16, maxSide: 400, minArea: 32 * 32 } as const;
/** PixelLab v1 rotate: each side 16..200 (its examples use 16, 32, 64 and 128). */
export const ROTATE_LIMITS = { minSide: 16, maxSide: 200 } as const;

export type PixelLabErrorCode =
  | 'missing_key'
  | 'unauthorized'
  | 'payment_required'
  | 'forbidden'
  | 'invalid_request'
  | 'rate_limited'
  | 'upstream_error'
  | 'bad_response'
  | 'timeout'
  | 'network';

/** A PixelLab call that did not give an image; `message` is fit to show to the user. */
export class PixelLabError extends Error {
  override readonly name = 'PixelLabError';
  constructor(
    /** PixelLab's HTTP status, or 504 for a timeout, 502 for a network failure or an answer we cannot read, 503 for a missing key. */
    readonly status: number,
    readonly code: PixelLabErrorCode,
    message: string,
    /** PixelLab's own `detail`, flattened to text, when it sent one. */
    readonly detail: string | null = null,
  ) {
    super(message);
  }
}

export interface GenerateRequest {
  prompt: string;
  width: number;
  height: number;
  seed?: number | null;
  /** Transparent background; PixelLab's default is false. */
  noBackground?: boolean;
}

export interface GenerateResult {
  png: Uint8Array;
  /** What PixelLab charged, or null when it did not say. */
  usd: number | null;
  /** The seed sent, or null: PixelLab does not report the seed it picked itself. */
  seed: number | null;
}

export interface RotateRequest {
  /** The source image. */
  png: Uint8Array;
  width: number;
  height: number;
  fromDirection?: Direction | null;
  toDirection: Direction;
}

export interface RotateResult {
  png: Uint8Array;
  usd: number | null;
}

export interface PixelLabClient {
  generate(request: GenerateRequest): Promise<GenerateResult>;
  rotate(request: RotateRequest): Promise<RotateResult>;
  balance(): Promise<{ usd: number }>;
}

export interface PixelLabClientOptions {
  baseUrl?: string;
  /**
   * Missing or blank: every call rejects with a `missing_key` PixelLabError, without touching the network.
   * A function is read at every call, so a key set from the panel is used at once (secrets/api-key.ts).
   */
  apiKey: string | null | undefined | (() => string | null);
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

const usageSchema = z.looseObject({ type: z.literal('usd'), usd: z.number().finite().nonnegative() });
const imageAnswerSchema = z.looseObject({
  image: z.looseObject({
    type: z.literal('base64'),
    base64: z.string().min(1),
    format: z.string().optional(),
  }),
  usage: usageSchema.nullish(),
});
const balanceAnswerSchema = z.looseObject({ type: z.literal('usd').optional(), usd: z.number().finite() });
const validationItemSchema = z.looseObject({
  loc: z.array(z.union([z.string(), z.number()])).optional(),
  msg: z.string(),
});
const errorAnswerSchema = z.looseObject({ detail: z.unknown() });

const MAX_DETAIL_CHARS = 600;

/** What a call without a key says: where the user sets one. */
export const MISSING_KEY_MESSAGE =
  'No PixelLab API key: enter it in the side panel, or set PIXELLAB_API_KEY in the environment or .env';

export function createPixelLabClient(options: PixelLabClientOptions): PixelLabClient {
  const baseUrl = (options.baseUrl ?? PIXELLAB_BASE_URL).replace(/\/+$/, '');
  const keyOption = options.apiKey;
  const currentKey = () => (typeof keyOption === 'function' ? keyOption() : keyOption)?.trim() || null;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const apiKey = currentKey();
    if (!apiKey) throw new PixelLabError(503, 'missing_key', MISSING_KEY_MESSAGE);
    /** Belt and braces: whatever text reaches a message passes through here first. */
    const redact = (text: string) => text.split(apiKey).join('[redacted]');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetchImpl(`${baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${apiKey}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (err) {
        throw controller.signal.aborted ? timeoutError(timeoutMs) : networkError(err, redact);
      }

      let text: string;
      try {
        text = await response.text();
      } catch (err) {
        throw controller.signal.aborted ? timeoutError(timeoutMs) : networkError(err, redact);
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (!response.ok) throw httpError(response.status, json, text, redact);
      if (json === undefined) {
        throw new PixelLabError(
          502,
          'bad_response',
          `PixelLab sent an answer that is not JSON (HTTP ${response.status})`,
        );
      }
      return json;
    } finally {
      clearTimeout(timer);
    }
  }

  function parseImage(json: unknown): { png: Uint8Array; usd: number | null } {
    const parsed = imageAnswerSchema.safeParse(json);
    if (!parsed.success) throw badShape(parsed.error);
    const base64 = parsed.data.image.base64.replace(/^data:[^,]*,/, '');
    const png = new Uint8Array(Buffer.from(base64, 'base64'));
    if (!isPng(png)) {
      throw new PixelLabError(502, 'bad_response', 'PixelLab sent an image that is not a PNG');
    }
    return { png, usd: parsed.data.usage?.usd ?? null };
  }

  return {
    async generate({ prompt, width, height, seed = null, noBackground = false }) {
      const body: Record<string, unknown> = {
        description: prompt,
        image_size: { width, height },
        no_background: noBackground,
      };
      // Left out when unset, so PixelLab picks one as its clients do.
      if (seed !== null && seed !== undefined) body.seed = seed;
      const { png, usd } = parseImage(await call('POST', '/generate-image-pixflux', body));
      return { png, usd, seed: seed ?? null };
    },

    async rotate({ png, width, height, fromDirection = null, toDirection }) {
      const body: Record<string, unknown> = {
        from_image: { type: 'base64', base64: Buffer.from(png).toString('base64') },
        image_size: { width, height },
        to_direction: toDirection,
      };
      if (fromDirection) body.from_direction = fromDirection;
      return parseImage(await call('POST', '/rotate', body));
    },

    async balance() {
      const parsed = balanceAnswerSchema.safeParse(await call('GET', '/balance'));
      if (!parsed.success) throw badShape(parsed.error);
      return { usd: parsed.data.usd };
    },
  };
}

function timeoutError(timeoutMs: number): PixelLabError {
  const seconds = timeoutMs >= 1000 ? String(Math.round(timeoutMs / 1000)) : String(timeoutMs / 1000);
  return new PixelLabError(504, 'timeout', `PixelLab did not answer within ${seconds} s`);
}

function networkError(err: unknown, redact: (text: string) => string): PixelLabError {
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND...) is on its cause.
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : (err as Error)?.message;
  const why = reason ? ` (${redact(String(reason)).slice(0, 200)})` : '';
  return new PixelLabError(
    502,
    'network',
    `Could not reach PixelLab${why}. Check the internet connection and try again.`,
  );
}

function badShape(error: z.ZodError): PixelLabError {
  const issue = error.issues[0];
  const where = issue ? `${issue.path.join('.') || 'answer'}: ${issue.message}` : 'unknown shape';
  return new PixelLabError(
    502,
    'bad_response',
    `PixelLab sent an answer this companion does not understand (${where})`,
  );
}

/** PixelLab's `detail`, as one line: a string as is, a FastAPI list as "field.path: message; ...". */
export function describeDetail(detail: unknown): string | null {
  if (detail === undefined || detail === null || detail === '') return null;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((item) => {
      const parsed = validationItemSchema.safeParse(item);
      if (!parsed.success) return JSON.stringify(item);
      const loc = (parsed.data.loc ?? []).filter((part, i) => !(i === 0 && part === 'body'));
      return loc.length ? `${loc.join('.')}: ${parsed.data.msg}` : parsed.data.msg;
    });
    return parts.join('; ');
  }
  return JSON.stringify(detail);
}

function httpError(status: number, json: unknown, text: string, redact: (text: string) => string): PixelLabError {
  const parsed = errorAnswerSchema.safeParse(json);
  const raw = parsed.success ? describeDetail(parsed.data.detail) : text.trim() || null;
  // Redact the whole text before cutting it: a key cut in half would no longer match, and its prefix would leak.
  const detail = raw === null ? null : clip(redact(raw));
  const tail = detail ? `: ${detail}` : '';
  const sentence = (text: string) => text.replace(/[.\s]+$/, '');

  if (status === 401)
    return new PixelLabError(401, 'unauthorized', `PixelLab rejected the API key (401)${tail}`, detail);
  if (status === 402) {
    return new PixelLabError(402, 'payment_required', `PixelLab needs more credits for this (402)${tail}`, detail);
  }
  if (status === 403) return new PixelLabError(403, 'forbidden', `PixelLab refused the request (403)${tail}`, detail);
  if (status === 429) {
    const said = detail ? `: ${sentence(detail)}.` : '.';
    return new PixelLabError(
      429,
      'rate_limited',
      `PixelLab rate limit reached (429)${said} Try again in a minute.`,
      detail,
    );
  }
  if (status === 400 || status === 404 || status === 413 || status === 422) {
    return new PixelLabError(status, 'invalid_request', `PixelLab rejected the request (${status})${tail}`, detail);
  }
  if (status >= 500) {
    const said = detail ? `: ${sentence(detail)}.` : '.';
    return new PixelLabError(
      status,
      'upstream_error',
      `PixelLab had a problem on its side (${status})${said} Try again later.`,
      detail,
    );
  }
  return new PixelLabError(status, 'upstream_error', `PixelLab answered with an error (${status})${tail}`, detail);
}

function clip(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text;
}
