import type { Context } from 'hono';
import { httpError } from './http-error';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body's text, read under a byte limit and checked with the body rules; every failure is a 4xx that says
 * what was wrong: 415 for a wrong content type (this also refuses the `text/plain` "simple" requests a web page
 * can send without a preflight), 413 for size, 400 for bad UTF-8, bad JSON, nesting or prototype-polluting keys.
 * The schema is checked after it, by zValidator (validate.ts).
 */
export async function readJsonText(c: Context, maxBytes: number): Promise<string> {
  const bytes = await readJsonBytes(c, maxBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw httpError(400, 'invalid_utf8', 'The body is not valid UTF-8');
  }
  parseJsonText(text);
  return text;
}

/** A JSON body's bytes under a byte limit (415 for another content type, 413 past the limit); not parsed. */
export async function readJsonBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw httpError(415, 'unsupported_media_type', 'Send the body as application/json');
  }
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  return readLimited(c.req.raw, maxBytes);
}

/**
 * JSON text parsed with the body rules: 400 for nesting past 64 levels, prototype-polluting keys at any
 * depth, or bad JSON (`at` names where a slice of a larger body began, for the message).
 */
export function parseJsonText(text: string, at?: number): unknown {
  if (nestingDepth(text) > MAX_DEPTH) {
    throw httpError(400, 'too_deep', `The body is nested more than ${MAX_DEPTH} levels deep`);
  }
  try {
    return JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKey(key);
      return v;
    });
  } catch (err) {
    if (err instanceof ForbiddenKey) refuseForbiddenKey(err.key);
    if (err instanceof RangeError) throw httpError(400, 'too_deep', 'The body is nested too deeply');
    const where = at === undefined ? '' : ` (in the value at byte ${at})`;
    throw httpError(400, 'invalid_json', `The body is not valid JSON: ${(err as Error).message}${where}`);
  }
}

/** 400 for a key that could pollute a prototype, where a caller walks keys itself. */
export function refuseForbiddenKey(key: string): void {
  if (FORBIDDEN_KEYS.has(key)) {
    throw httpError(400, 'forbidden_key', `The key "${key}" is not allowed in a body`, key);
  }
}

const MAX_DEPTH = 64;

/** Deepest bracket nesting outside strings; linear, so a hostile body cannot make it expensive. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) max = depth;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return max;
}

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

function tooLarge(maxBytes: number) {
  return httpError(413, 'body_too_large', `The body is larger than ${formatBytes(maxBytes)}`);
}

export { tooLarge as bodyTooLarge };

function formatBytes(n: number) {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KB`;
}

/** Streams the body, stopping as soon as it passes the limit (a lying or absent Content-Length cannot get around it). */
async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away mid-upload (or the stream broke): its request, not a fault of ours.
      throw httpError(400, 'body_incomplete', 'The body ended before it was complete (the connection was closed)');
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
