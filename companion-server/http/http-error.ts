import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

/** An expected failure with a status, a stable code, plain words and, for bad bodies, the field. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, field?: string) {
  return field === undefined
    ? { status: 'error' as const, error: code, message }
    : { status: 'error' as const, error: code, message, field };
}

export function sendError(c: Context, err: HttpError) {
  return c.json(errorBody(err.code, err.message, err.field), err.status);
}

/** The first zod issue, as a 400 that names the field. */
export function fromZodError(error: ZodError, prefix = ''): HttpError {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  const field = [prefix, path].filter(Boolean).join('.') || undefined;
  const message = issue ? `${field ?? 'body'}: ${issue.message}` : 'invalid body';
  return new HttpError(400, 'invalid_body', message, field);
}
