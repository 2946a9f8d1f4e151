/**
 * One authorized JSON call to PixelLab, shared by the v1 and v2 clients: a timeout, every failure a PixelLabError
 * in plain words, and the key only ever in the Authorization header (redacted from anything PixelLab echoes).
 */
import { httpError, networkError, PixelLabError, parseRetryAfter, timeoutError } from './errors';

export type PixelLabKey = string | null | undefined | (() => string | null);

/** What a call without a key says: where the user sets one. */
export const MISSING_KEY_MESSAGE =
  'No PixelLab API key: enter it in the side panel, or set PIXELLAB_API_KEY in the environment or .env';

export interface PixelLabHttpOptions {
  baseUrl: string;
  /**
   * Missing or blank: every call rejects with a `missing_key` PixelLabError, without touching the network.
   * A function is read at every call, so a key set from the panel is used at once (secrets/api-key.ts).
   */
  apiKey: PixelLabKey;
  fetch?: typeof globalThis.fetch;
  timeoutMs: number;
}

export interface PixelLabHttp {
  readonly baseUrl: string;
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown>;
  /** Fetches an image PixelLab links to (a v2 result); the key goes only to PixelLab's own origin. */
  fetchBytes(url: string): Promise<Uint8Array>;
  /** Replaces the key in text PixelLab sent back. */
  redact(text: string): string;
}

export function createPixelLabHttp(options: PixelLabHttpOptions): PixelLabHttp {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const keyOption = options.apiKey;
  const currentKey = () => (typeof keyOption === 'function' ? keyOption() : keyOption)?.trim() || null;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const { timeoutMs } = options;
  /** Every key this client has sent: a key replaced mid-call is still redacted from that call's answer. */
  const sentKeys = new Set<string>();
  /** Belt and braces: whatever text reaches a message passes through here first. */
  const redact = (text: string) => [...sentKeys].reduce((out, key) => out.split(key).join('[redacted]'), text);

  function requireKey(): string {
    const apiKey = currentKey();
    if (!apiKey) throw new PixelLabError(503, 'missing_key', MISSING_KEY_MESSAGE);
    sentKeys.add(apiKey);
    return apiKey;
  }

  async function send(url: string, init: RequestInit): Promise<{ response: Response; bytes: Uint8Array }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetchImpl(url, { ...init, signal: controller.signal });
      } catch (err) {
        throw controller.signal.aborted ? timeoutError(timeoutMs) : networkError(err, redact);
      }
      try {
        return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
      } catch (err) {
        throw controller.signal.aborted ? timeoutError(timeoutMs) : networkError(err, redact);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    baseUrl,
    redact,
    async call(method, path, body) {
      const key = requireKey();
      const { response, bytes } = await send(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = new TextDecoder().decode(bytes);
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (!response.ok) {
        throw httpError(response.status, json, text, redact, parseRetryAfter(response.headers.get('retry-after')));
      }
      if (json === undefined) {
        throw new PixelLabError(
          502,
          'bad_response',
          `PixelLab sent an answer that is not JSON (HTTP ${response.status})`,
        );
      }
      return json;
    },
    async fetchBytes(url) {
      const key = requireKey();
      const sameOrigin = new URL(url, baseUrl).origin === new URL(baseUrl).origin;
      const { response, bytes } = await send(new URL(url, baseUrl).href, {
        method: 'GET',
        headers: sameOrigin ? { authorization: `Bearer ${key}` } : {},
      });
      if (!response.ok) {
        throw httpError(response.status, undefined, '', redact, parseRetryAfter(response.headers.get('retry-after')));
      }
      return bytes;
    },
  };
}
