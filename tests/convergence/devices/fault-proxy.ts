import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback proxy between one companion and a network sync target (WebDAV, S3) for the N-companion model (issue
 * 22): what a flaky network and a struggling server do to requests. Per request, as the faults of the moment ask:
 * held back (so concurrent requests of several devices arrive and answer in another order), refused with a 503
 * before the server sees it, cut mid-request (the server gets part of the body, then the connection dies), applied
 * by the server but answered with a 500 or cut mid-response (the device cannot know it was done), and, for S3, a
 * listing that leaves out objects written moments ago (a store whose listings lag its writes). Offline: every
 * connection is dropped at once. The Host header goes through as sent, so S3 signatures and WebDAV's MOVE
 * destination still match.
 */
export interface ProxyFaults {
  /** Chance a request is held back, for up to `delayMs`, before it goes on (and again before its answer). */
  delay: number;
  delayMs: number;
  /** Chance of a 503 without the server seeing the request. */
  refuse: number;
  /** Chance the connection dies mid-request: the server gets the headers and part of the body. */
  dropRequest: number;
  /** Chance the server does it but the device gets a 500. */
  failAfter: number;
  /** Chance the server does it but the connection dies mid-response. */
  dropResponse: number;
  /** S3: objects written within this many ms are left out of listings (0: listings are current). */
  listingLagMs: number;
}

export const NO_PROXY_FAULTS: ProxyFaults = {
  delay: 0,
  delayMs: 0,
  refuse: 0,
  dropRequest: 0,
  failAfter: 0,
  dropResponse: 0,
  listingLagMs: 0,
};

export interface ProxyCounts {
  requests: number;
  delayed: number;
  refused: number;
  droppedRequests: number;
  failedAfter: number;
  droppedResponses: number;
  lagged: number;
}

export const newProxyCounts = (): ProxyCounts => ({
  requests: 0,
  delayed: 0,
  refused: 0,
  droppedRequests: 0,
  failedAfter: 0,
  droppedResponses: 0,
  lagged: 0,
});

export interface FaultProxy {
  /** http://127.0.0.1:port */
  url: string;
  faults: ProxyFaults;
  offline: boolean;
  readonly counts: ProxyCounts;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keys written recently, shared by every device's proxy: a lagging listing is the store's, not one device's. */
export type WriteLog = Map<string, number>;

export async function startFaultProxy(options: {
  upstream: string;
  random: () => number;
  faults?: ProxyFaults;
  /** S3 only: where recent writes are noted for the listing lag (one map for every device's proxy). */
  writes?: WriteLog;
}): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const { random } = options;
  const sockets = new Set<Socket>();
  const counts = newProxyCounts();
  const proxy: FaultProxy = {
    url: '',
    faults: options.faults ?? NO_PROXY_FAULTS,
    offline: false,
    counts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const chance = (p: number) => p > 0 && random() < p;
  const hold = async () => {
    if (!chance(proxy.faults.delay)) return;
    counts.delayed++;
    await sleep(Math.floor(random() * proxy.faults.delayMs));
  };

  const server = http.createServer(async (req, res) => {
    const body = await readAll(req).catch(() => null);
    if (body === null) return;
    counts.requests++;
    const f = proxy.faults;
    if (proxy.offline) return req.socket.destroy();
    await hold();
    if (chance(f.refuse)) {
      counts.refused++;
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' }).end('Service Unavailable');
      return;
    }
    const cut = chance(f.dropRequest);
    const forward = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, connection: 'close' },
      agent: false,
    });
    if (cut) {
      counts.droppedRequests++;
      // Part of the body reaches the server (none, for a request without one), then both ends die.
      forward.on('error', () => undefined);
      forward.flushHeaders();
      if (body.length > 1) forward.write(body.subarray(0, Math.floor(body.length / 2)));
      await sleep(20);
      forward.destroy();
      req.socket.destroy();
      return;
    }
    let answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
    try {
      answer = await new Promise((resolve, reject) => {
        forward.on('error', reject);
        forward.on('response', (response) => {
          readAll(response).then(
            (b) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: b }),
            reject,
          );
        });
        forward.end(body);
      });
    } catch {
      req.socket.destroy();
      return;
    }
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    // A new object: one that replaces another (head.json) shows in a lagging listing with its old size and date.
    const key = decodeURIComponent(path);
    if (options.writes && method === 'PUT' && answer.status < 300 && !options.writes.has(key))
      options.writes.set(key, Date.now());
    if (options.writes && method === 'GET' && /[?&]list-type=2/.test(req.url ?? '') && f.listingLagMs > 0)
      answer = lagListing(answer, path, options.writes, f.listingLagMs, counts);
    await hold();
    if (chance(f.failAfter)) {
      counts.failedAfter++;
      res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' }).end('Internal Server Error');
      return;
    }
    if (chance(f.dropResponse)) {
      counts.droppedResponses++;
      // Half the time the status line never arrives; else the headers and part of the body do.
      if (random() < 0.5 || answer.body.length < 2) return req.socket.destroy();
      const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
      res.writeHead(answer.status, headers);
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
      await sleep(10);
      req.socket.destroy();
      return;
    }
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) }).end(answer.body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
    stream.on('aborted', () => reject(new Error('aborted')));
  });
}

/** A ListObjectsV2 answer without the objects written in the last `lagMs` (path-style: /bucket?list-type=2). */
function lagListing(
  answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer },
  path: string,
  writes: WriteLog,
  lagMs: number,
  counts: ProxyCounts,
) {
  if (answer.status !== 200) return answer;
  const bucket = path.replace(/^\/+|\/+$/g, '');
  const cutoff = Date.now() - lagMs;
  let hidden = 0;
  const xml = answer.body.toString('utf8').replace(/<Contents>([\s\S]*?)<\/Contents>/g, (whole, inner: string) => {
    const key = /<Key>([^<]*)<\/Key>/.exec(inner)?.[1];
    const at = key === undefined ? undefined : writes.get(`/${bucket}/${unescapeXml(key)}`);
    if (at === undefined || at < cutoff) return whole;
    hidden++;
    return '';
  });
  if (hidden === 0) return answer;
  counts.lagged += hidden;
  return { ...answer, body: Buffer.from(xml, 'utf8') };
}

const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
