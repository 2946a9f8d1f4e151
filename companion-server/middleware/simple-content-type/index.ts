import type { MiddlewareHandler } from 'hono';
import { errorBody } from '../../http/http-error';

/** CORS-safelisted request content types: what a web page can POST without a preflight. */
const SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * Refuses the content types a page may send without a preflight (415), on every route that could
 * change something, body or not: they never carry a legitimate request here, and a form or a no-cors
 * fetch can send them from any website.
 */
export function refuseSimpleContentTypes(): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && SIMPLE_TYPES.has(type)) {
      return c.json(errorBody('unsupported_media_type', 'Send the body as application/json'), 415);
    }
    await next();
  };
}
