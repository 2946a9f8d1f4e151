/**
 * A loopback HTTP proxy that counts the requests passing through it (issue 22: what an idle sync pass costs on a
 * provider that bills per request). It forwards each request as it came, Host header included, so a WebDAV MOVE's
 * Destination and an S3 path-style request stay valid behind it.
 */
import http from 'node:http';
import { pipeline } from 'node:stream';

export interface CountingProxy {
  url: string;
  /** `METHOD path` of every request since the last reset (` depth=…` after it for WebDAV's Depth header). */
  requests: string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(
  upstream: string,
  /** A status to answer a request with instead of forwarding it (a server configured otherwise), or null. */
  refuse: (req: http.IncomingMessage) => number | null = () => null,
  /** The headers forwarded (a server that reads one otherwise, e.g. Depth: infinity as 1). */
  headersOf: (req: http.IncomingMessage) => http.IncomingHttpHeaders = (req) => req.headers,
): Promise<CountingProxy> {
  const target = new URL(upstream);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const depth = req.headers.depth ? ` depth=${req.headers.depth}` : '';
    requests.push(`${req.method} ${req.url}${depth}`);
    const status = refuse(req);
    if (status !== null) {
      req.resume();
      res.writeHead(status).end();
      return;
    }
    // A connection of its own per request (agent: false): a kept-alive socket the server is closing cannot reset
    // a forwarded request; an upstream answer cut short cuts the client's too, never leaving it waiting.
    const forward = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: headersOf(req),
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        pipeline(answer, res, () => undefined);
      },
    );
    forward.on('error', () => res.destroy());
    pipeline(req, forward, () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
