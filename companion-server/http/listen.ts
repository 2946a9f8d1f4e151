import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { createGuardedServer } from './connection-guard';
import { withDirectBodies } from './direct-body';
import { errorBody } from './http-error';

type Fetch = Parameters<typeof getRequestListener>[0];

/**
 * What `serve()` of @hono/node-server does, plus an error handler: the adapter builds the request URL
 * from the Host header before the app runs, and a Host it cannot use (`2130706433`, `a@127.0.0.1`,
 * `127.0.0.1:8787/x`) would otherwise get an empty text/plain 400. Every answer is the companion's JSON error.
 */
export function listen(
  fetch: Fetch,
  port: number,
  host: string,
  log: (line: string) => void,
  onListening: (info: AddressInfo) => void,
): Server {
  const listener = getRequestListener(withDirectBodies(fetch), {
    hostname: host,
    errorHandler: (err) => adapterError(err, log),
  });
  const server = createGuardedServer(listener);
  server.listen(port, host, () => onListening(server.address() as AddressInfo));
  return server;
}

/** A request the adapter could not turn into a URL (400), or an error the app did not answer itself (500). */
function adapterError(err: unknown, log: (line: string) => void): Response {
  if (err instanceof RequestError) {
    const body = /host header/i.test(err.message)
      ? errorBody(
          'host_refused',
          'The Host header is not a host[:port] this companion can read; it only answers requests addressed to a loopback name (127.0.0.1, localhost, [::1])',
        )
      : errorBody('bad_request', `The request could not be read (${err.message}): check its Host header and path`);
    return jsonResponse(body, 400);
  }
  log(`Unexpected error outside the app: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return jsonResponse(
    errorBody('internal_error', 'The companion hit an unexpected error; its log has the details'),
    500,
  );
}

function jsonResponse(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
