import { zValidator } from '@hono/zod-validator';
import type { Context } from 'hono';
import type { z } from 'zod';
import { readJsonText } from './body';
import { fromZodError } from './http-error';

/** The one zValidator hook: a failed schema is the companion's 400 naming the field, never zod's own answer. */
function refuseInvalid(result: { success: boolean; error?: z.core.$ZodError }): void {
  if (!result.success && result.error) throw fromZodError(result.error);
}

/** Whether a request carries a body at all (a bare POST has no type, no length and no chunks). */
function sendsBody(c: Context): boolean {
  return (
    c.req.header('content-type') !== undefined ||
    c.req.header('transfer-encoding') !== undefined ||
    Number(c.req.header('content-length') ?? 0) > 0
  );
}

/**
 * A JSON body checked by `schema` with zValidator, read first with the companion's own rules (body.ts): Hono's
 * bodyLimit trusts Content-Length, so the limit is counted while streaming; nesting and prototype keys are
 * refused before zod sees the value. Handlers read it with `c.req.valid('json')`. With `optional`, a request
 * without a body is checked as `{}`.
 */
export function jsonBody<T extends z.ZodType>(schema: T, maxBytes: number, options: { optional?: boolean } = {}) {
  const validate = zValidator('json', schema, refuseInvalid);
  const read: typeof validate = async (c, next) => {
    if (options.optional && !sendsBody(c)) return validate(c, next);
    const text = await readJsonText(c, maxBytes);
    // Where c.req.json() finds the body already read; zValidator parses this checked text once more.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    return validate(c, next);
  };
  return read;
}

/** The query checked by `schema` with zValidator, refused with the same 400; read with `c.req.valid('query')`. */
export function validQuery<T extends z.ZodType>(schema: T) {
  return zValidator('query', schema, refuseInvalid);
}
