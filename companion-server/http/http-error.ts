import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export function errorBody(code: string, message: string, field?: string) {
  return field === undefined
    ? { status: 'error' as const, error: code, message }
    : { status: 'error' as const, error: code, message, field };
}

/**
 * An expected failure, as Hono's HTTPException carrying the JSON answer every client reads
 * (`{status:"error", error, message, field?}`); app.onError sends it with sendHttpException.
 */
export function httpError(status: ContentfulStatusCode, code: string, message: string, field?: string): HTTPException {
  const res = new Response(JSON.stringify(errorBody(code, message, field)), {
    status,
    headers: { 'content-type': 'application/json' },
  });
  return new HTTPException(status, { message, res });
}

/**
 * An HTTPException as the answer, through the context so headers set before the throw (CORS, Cache-Control,
 * Retry-After) stay on it; a clone, since one failure may answer two requests (a retried push awaiting the first).
 * One thrown by Hono itself, with no JSON answer, gets the same error shape.
 */
export function sendHttpException(c: Context, err: HTTPException): Response {
  const res = (err.res ?? httpError(err.status, 'bad_request', err.message).res!).clone();
  return c.newResponse(res.body, res);
}

/** The first zod issue, as a 400 that names the field. */
export function fromZodError(error: z.core.$ZodError, prefix = ''): HTTPException {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  const field = [prefix, path].filter(Boolean).join('.') || undefined;
  const message = issue ? `${field ?? 'body'}: ${issue.message}` : 'invalid body';
  return httpError(400, 'invalid_body', message, field);
}
