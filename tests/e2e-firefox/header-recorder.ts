/** A loopback server that answers 200 to anything and records the headers the browser chose to send. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { onDispose } from './harness';

export interface SeenHeaders {
  path: string;
  origin: string | null;
  site: string | null;
  referer: string | null;
}

export async function headerRecorder(): Promise<{ url: string; seen: SeenHeaders[] }> {
  const seen: SeenHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push({
      path: req.url ?? '',
      origin: req.headers.origin ?? null,
      site: (req.headers['sec-fetch-site'] as string | undefined) ?? null,
      referer: req.headers.referer ?? null,
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onDispose('header recorder', () => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
