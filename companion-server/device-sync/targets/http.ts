import type { Bounded } from './types';

/** A request to a remote target gives up after this long: a pass is retried at the next poll. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** A GET or PUT carries up to 16 MiB (an image): room for a slow uplink. */
export const TRANSFER_TIMEOUT_MS = 300_000;

export const timeoutFor = (method: string) =>
  method === 'GET' || method === 'PUT' ? TRANSFER_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
/** A listing (PROPFIND, ListObjectsV2 page) past this is refused: the target is untrusted storage. */
export const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/** A remote target's answer that is not what was asked: the status and the server's words, never a credential. */
export class TargetHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A body read up to `max` bytes: past that the rest is never downloaded. */
export async function readBody(response: Response, max: number): Promise<Uint8Array | 'too big'> {
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length) && length > max) {
    await response.body?.cancel().catch(() => undefined);
    return 'too big';
  }
  if (!response.body) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return 'too big';
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** The target could not be reached, or the connection died mid-answer: nothing is wrong with the file. */
export class TargetUnreachableError extends Error {}

/** A failure of the network or of the server (5xx, 429, 408), not of the file asked for: worth asking again. */
export const isTransient = (error: unknown) =>
  error instanceof TargetUnreachableError ||
  (error instanceof TargetHttpError && (error.status >= 500 || error.status === 429 || error.status === 408));

/** GET's answer as a bounded read: 404 and 410 mean gone. */
export async function boundedGet(response: Response, max: number, what: string): Promise<Bounded> {
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!response.ok) throw await httpError(response, what);
  try {
    return await readBody(response, max);
  } catch (error) {
    throw networkError(error, what, TRANSFER_TIMEOUT_MS);
  }
}

/** A HEAD's answer against the size expected: another length is an upload cut short; none said, taken as whole. */
export function sizeState(response: Response, size: number | undefined): 'whole' | 'cut' {
  const length = response.headers.get('content-length');
  if (size === undefined || length === null) return 'whole';
  return Number(length) === size ? 'whole' : 'cut';
}

/** The error for an unexpected answer; the server's text is cut short and never holds what was sent. */
export async function httpError(response: Response, what: string): Promise<TargetHttpError> {
  const body = await readBody(response, 4096).catch(() => 'too big' as const);
  const text = body === 'too big' ? '' : Buffer.from(body).toString('utf8');
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
  const detail = code ? ` (${code})` : '';
  const hint =
    response.status === 401 || response.status === 403
      ? ': the target refused the credentials (check them, and that they may write here)'
      : '';
  return new TargetHttpError(response.status, `${what}: ${response.status} ${response.statusText}${detail}${hint}`);
}

/** Network failures named plainly (fetch says only "fetch failed"). */
export function networkError(error: unknown, what: string, timeoutMs = REQUEST_TIMEOUT_MS): Error {
  if (error instanceof TargetHttpError) return error;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
  const name = (error as Error).name;
  return new TargetUnreachableError(
    `${what}: ${name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : `unreachable (${reason})`}`,
  );
}
