import type { HTTPException } from 'hono/http-exception';
import { parseJsonText, refuseForbiddenKey } from '../http/body';
import { httpError } from '../http/http-error';

/**
 * A `/save-jobs` body walked in place: the `jobs` array's elements as byte ranges, the other top-level fields
 * parsed. One JSON.parse of a 317 MB body took the whole heap and killed the companion, and one of 1.1 million
 * jobs held every other request for 43 s; this keeps the body as bytes (outside the JS heap), hands out one job
 * at a time, and gives the event loop back every few megabytes, so /health answers while a save goes on.
 *
 * Hand-written (a byte loop, about 150 MB/s here) because the streaming JSON parsers on npm build every value as
 * objects, which is what this avoids, and run several times slower than JSON.parse on each slice.
 */
export interface ScannedBody {
  /** Byte ranges of the elements of `jobs`, in order; null when `jobs` is missing or not an array. */
  jobs: { start: number; end: number }[] | null;
  /** The other top-level fields, parsed (`lastJobId`, or a `jobs` that is not an array). */
  fields: Record<string, unknown>;
}

const MAX_DEPTH = 64;
/** Bytes walked between two yields to the event loop. */
const YIELD_EVERY = 4 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const decoder = new TextDecoder('utf-8', { fatal: true });

function invalid(message: string, at: number): HTTPException {
  return httpError(400, 'invalid_json', `The body is not valid JSON: ${message} at byte ${at}`);
}

/**
 * Where the string starting at `i` (on its quote) ends: the index after its closing quote. The next quote is
 * found with Buffer's indexOf (memchr: most of a save's bytes are images' base64 inside strings, which a byte
 * loop walked at 150 MB/s, and a Uint8Array's indexOf is five times slower than Buffer's); it closes the
 * string unless an odd run of backslashes escapes it.
 */
function skipString(bytes: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) throw invalid('a string does not end', i);
    let slashes = 0;
    while (quote - 1 - slashes > i && bytes[quote - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Where the value starting at `i` ends (exclusive); checks nesting, not the content of scalars. */
function skipValue(bytes: Buffer, i: number): number {
  const first = bytes[i];
  if (first === QUOTE) return skipString(bytes, i);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let j = i;
    while (
      j < bytes.length &&
      !isSpace(bytes[j]!) &&
      bytes[j] !== COMMA &&
      bytes[j] !== CLOSE_OBJECT &&
      bytes[j] !== CLOSE_ARRAY
    )
      j++;
    if (j === i) throw invalid('a value is missing', i);
    return j;
  }
  let depth = 0;
  for (let j = i; j < bytes.length; j++) {
    const b = bytes[j]!;
    if (b === QUOTE) j = skipString(bytes, j) - 1;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > MAX_DEPTH)
        throw httpError(400, 'too_deep', `The body is nested more than ${MAX_DEPTH} levels deep`);
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (--depth === 0) return j + 1;
    }
  }
  throw invalid('the body ends early', bytes.length);
}

function skipSpace(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}

/** Parses a slice of the body as JSON (a field's value or one job). */
export function parseSlice(bytes: Uint8Array, start: number, end: number): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes.subarray(start, end));
  } catch {
    throw httpError(400, 'invalid_utf8', 'The body is not valid UTF-8');
  }
  return parseJsonText(text, start);
}

export async function scanSaveBody(body: Uint8Array): Promise<ScannedBody> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let jobs: { start: number; end: number }[] | null = null;
  const fields: Record<string, unknown> = {};
  let i = skipSpace(bytes, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  if (bytes[i] !== OPEN_OBJECT) throw invalid('expected an object', i);
  i = skipSpace(bytes, i + 1);
  let nextYield = YIELD_EVERY;
  while (bytes[i] !== CLOSE_OBJECT) {
    if (bytes[i] !== QUOTE) throw invalid('expected a key', i);
    const keyEnd = skipString(bytes, i);
    const key = parseSlice(bytes, i, keyEnd) as string;
    refuseForbiddenKey(key);
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) throw invalid('expected ":"', i);
    i = skipSpace(bytes, i + 1);
    if (key === 'jobs' && bytes[i] === OPEN_ARRAY) {
      jobs = [];
      i = skipSpace(bytes, i + 1);
      while (bytes[i] !== CLOSE_ARRAY) {
        const end = skipValue(bytes, i);
        jobs.push({ start: i, end });
        i = skipSpace(bytes, end);
        if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
        else if (bytes[i] !== CLOSE_ARRAY) throw invalid('expected "," or "]"', i);
        if (i > nextYield) {
          nextYield = i + YIELD_EVERY;
          await yieldToLoop();
        }
      }
      i = skipSpace(bytes, i + 1);
    } else {
      const end = skipValue(bytes, i);
      fields[key] = parseSlice(bytes, i, end);
      i = skipSpace(bytes, end);
    }
    if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
    else if (bytes[i] !== CLOSE_OBJECT) throw invalid('expected "," or "}"', i);
  }
  if (skipSpace(bytes, i + 1) !== bytes.length) throw invalid('something follows the object', i + 1);
  return { jobs, fields };
}
