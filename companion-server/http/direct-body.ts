import { ServerResponse } from 'node:http';

/**
 * Bodies the Node listener writes itself, straight to the response, once the app (its middleware included) has
 * settled the status and headers: `/load-jobs` hands the socket 10,000 cached buffers in one corked batch, where
 * a web ReadableStream costs a promise per chunk or a copy into bigger ones (twice the floor's time). The body
 * still is a ReadableStream giving the same bytes, for `app.request` and any caller without a socket.
 */
export type DirectWriter = (out: ServerResponse) => Promise<void>;

/** Marks a response whose body has a writer; removed before the headers are sent. */
const DIRECT_HEADER = 'x-companion-direct-body';
/** @hono/node-server's own mark for a response the app already sent. */
const ALREADY_SENT_HEADER = 'x-hono-already-sent';
const writers = new WeakMap<ReadableStream<Uint8Array>, DirectWriter>();

/** Headers and body for `c.body(...)`: `fallback` for callers without a socket, `write` for the listener. */
export function directBody(
  fallback: ReadableStream<Uint8Array>,
  write: DirectWriter,
): { body: ReadableStream<Uint8Array>; headers: Record<string, string> } {
  writers.set(fallback, write);
  return { body: fallback, headers: { [DIRECT_HEADER]: '1' } };
}

/** The app's fetch, with the bodies marked by directBody written to the socket by their writer. */
export function withDirectBodies<E>(
  fetch: (request: Request, env: E) => unknown,
): (request: Request, env: E) => Promise<unknown> {
  return async (request, env) => {
    const res = await fetch(request, env);
    if (!(res instanceof Response) || !res.headers.has(DIRECT_HEADER)) return res;
    const headers = new Headers(res.headers);
    headers.delete(DIRECT_HEADER);
    const write = res.body ? writers.get(res.body) : undefined;
    const out = (env as { outgoing?: unknown } | undefined)?.outgoing;
    if (!write || !res.body || !(out instanceof ServerResponse)) {
      return new Response(res.body, { status: res.status, headers });
    }
    // The fallback is left unread (it pulls nothing until read): its source is the writer's too.
    out.writeHead(res.status, Object.fromEntries(headers));
    write(out).catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
    return new Response(null, { headers: { [ALREADY_SENT_HEADER]: '1' } });
  };
}
