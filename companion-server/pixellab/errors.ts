/**
 * PixelLab's failures in plain words. Statuses as its docs give them: 401 a bad key, 402 no credits, 403 a feature
 * the account's tier does not include (not a bad key), 422 a refused field, 429 and 529 rate limits (529 is
 * PixelLab's own "rate limit exceeded"), 5xx its own trouble. `Retry-After` is read when sent.
 */
import { z } from 'zod';

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
    /** How long PixelLab asked to wait (its `Retry-After`), in ms; null when it did not say. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

const validationItemSchema = z.looseObject({
  loc: z.array(z.union([z.string(), z.number()])).optional(),
  msg: z.string(),
});
const errorAnswerSchema = z.looseObject({ detail: z.unknown() });
/** v2 answers wrap their error: `{success: false, error: ...}`. */
const envelopeErrorSchema = z.looseObject({ success: z.literal(false), error: z.unknown() });

const MAX_DETAIL_CHARS = 600;
/** A longer wait than this is not honoured as such: the runner backs off to its own cap instead. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

export function timeoutError(timeoutMs: number): PixelLabError {
  const seconds = timeoutMs >= 1000 ? String(Math.round(timeoutMs / 1000)) : String(timeoutMs / 1000);
  return new PixelLabError(504, 'timeout', `PixelLab did not answer within ${seconds} s`);
}

export function networkError(err: unknown, redact: (text: string) => string): PixelLabError {
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

export function badShape(error: z.ZodError): PixelLabError {
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

/** `Retry-After` as ms: delta-seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

export function httpError(
  status: number,
  json: unknown,
  text: string,
  redact: (text: string) => string,
  retryAfterMs: number | null = null,
): PixelLabError {
  const envelope = envelopeErrorSchema.safeParse(json);
  const parsed = errorAnswerSchema.safeParse(json);
  const raw = envelope.success
    ? describeDetail(envelope.data.error)
    : parsed.success
      ? describeDetail(parsed.data.detail)
      : text.trim() || null;
  // Redact the whole text before cutting it: a key cut in half would no longer match, and its prefix would leak.
  const detail = raw === null ? null : clip(redact(raw));
  const tail = detail ? `: ${detail}` : '';
  const sentence = (words: string) => words.replace(/[.\s]+$/, '');
  const said = detail ? `: ${sentence(detail)}.` : '.';
  const wait =
    retryAfterMs !== null
      ? ` Try again in ${Math.max(1, Math.round(retryAfterMs / 1000))} s.`
      : ' Try again in a minute.';

  if (status === 401)
    return new PixelLabError(401, 'unauthorized', `PixelLab rejected the API key (401)${tail}`, detail);
  if (status === 402) {
    return new PixelLabError(402, 'payment_required', `PixelLab needs more credits for this (402)${tail}`, detail);
  }
  if (status === 403) {
    return new PixelLabError(
      403,
      'forbidden',
      `This PixelLab feature is not available on your plan (403)${said} Upgrade the plan at pixellab.ai, or choose another option.`,
      detail,
    );
  }
  if (status === 429 || status === 529) {
    return new PixelLabError(
      status,
      'rate_limited',
      `PixelLab rate limit reached (${status})${said}${wait}`,
      detail,
      retryAfterMs,
    );
  }
  if (status === 400 || status === 404 || status === 413 || status === 422) {
    return new PixelLabError(status, 'invalid_request', `PixelLab rejected the request (${status})${tail}`, detail);
  }
  if (status >= 500) {
    return new PixelLabError(
      status,
      'upstream_error',
      `PixelLab had a problem on its side (${status})${said} Try again later.`,
      detail,
      retryAfterMs,
    );
  }
  return new PixelLabError(status, 'upstream_error', `PixelLab answered with an error (${status})${tail}`, detail);
}

/** Whether a refusal is about the canvas size (how a tier's area cap shows): PixelLab names image_size. */
export function isSizeRefusal(err: unknown): boolean {
  if (!(err instanceof PixelLabError) || (err.status !== 422 && err.status !== 400)) return false;
  return /image_size|\barea\b|\btier\b|too large|maximum size|max(imum)? (pixels|resolution)/i.test(err.detail ?? '');
}

function clip(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text;
}
