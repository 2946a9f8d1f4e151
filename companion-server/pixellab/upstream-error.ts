import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorMessage } from '../../utils/domain';

/** A PixelLab failure as the old API's `fail` answer names it. */
export interface UpstreamFailure {
  status: ContentfulStatusCode;
  code: string;
  message: string;
}

/**
 * PixelLab's failures, as the companion's answer: PixelLab's own words pass through, but a
 * rejected PixelLab key is a 502 (the companion's caller did nothing wrong) and never the key itself.
 * A 403 is a feature the PixelLab plan lacks; 429 and PixelLab's own 529 are rate limits (429 here).
 */
export function toUpstreamError(err: unknown): UpstreamFailure {
  const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 502;
  const message = errorMessage(err);
  const map: Record<number, [ContentfulStatusCode, string]> = {
    400: [422, 'pixellab_rejected'],
    401: [502, 'pixellab_unauthorized'],
    402: [502, 'pixellab_payment_required'],
    403: [403, 'pixellab_plan_forbidden'],
    422: [422, 'pixellab_rejected'],
    429: [429, 'pixellab_rate_limited'],
    529: [429, 'pixellab_rate_limited'],
    503: [503, 'pixellab_unavailable'],
    504: [504, 'pixellab_timeout'],
  };
  const [code, name] = map[status] ?? [502, 'pixellab_error'];
  return { status: code, code: name, message };
}

/** Seconds to put in Retry-After when PixelLab named a wait, or null. */
export function retryAfterSeconds(err: unknown): number | null {
  const ms = (err as { retryAfterMs?: unknown })?.retryAfterMs;
  return typeof ms === 'number' ? Math.max(1, Math.ceil(ms / 1000)) : null;
}
