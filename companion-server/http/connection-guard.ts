import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Limits of the companion's HTTP server. Slow clients (slowloris) each hold a file descriptor; at the
 * open-file limit (1,024 on many Linux machines, 256 on macOS) the server could accept no one else.
 */
export const SERVER_LIMITS = {
  /** A client has this long to send its whole header block. */
  headersTimeoutMs: 10_000,
  /**
   * ...and this long to send its whole request. Generous on purpose: a 60 MB /save-jobs over loopback
   * takes seconds even on a slow machine, and the time to process it does not count.
   */
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
  /** How often those timeouts are checked (node's default, 30 s, let slow headers stay up to 90 s). */
  checkIntervalMs: 1_000,
  /**
   * Connections kept at once, well under the open-file limit. A browser opens at most 6 per host, so this
   * leaves room for many browsers and tools.
   */
  maxConnections: 128,
} as const;

type SocketState = { state: 'waiting' | 'active' | 'idle'; since: number; request: IncomingMessage | null };

/**
 * An HTTP server with SERVER_LIMITS. At the connection cap it does not refuse the new connection (that
 * would also leave the companion unreachable) but closes the connection that waited longest without
 * sending a whole request: first ones still sending headers or idle between requests, then ones still
 * sending a body. Only when every connection is being answered is the new one closed.
 */
export function createGuardedServer(
  listener: RequestListener,
  limits: { maxConnections?: number; now?: () => number } = {},
): Server {
  const options: ServerOptions = {
    headersTimeout: SERVER_LIMITS.headersTimeoutMs,
    requestTimeout: SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
    connectionsCheckingInterval: SERVER_LIMITS.checkIntervalMs,
  };
  const server = createServer(options, listener);
  guardConnections(
    server,
    limits.maxConnections ?? SERVER_LIMITS.maxConnections,
    limits.now ?? (() => performance.now()),
  );
  return server;
}

function guardConnections(server: Server, max: number, now: () => number): void {
  const sockets = new Map<Socket, SocketState>();

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { state: 'waiting', since: now(), request: null });
    socket.once('close', () => sockets.delete(socket));
    if (sockets.size > max) (pickVictim(sockets, socket) ?? socket).destroy();
  });

  server.on('request', (request: IncomingMessage, response) => {
    const entry = sockets.get(request.socket);
    if (!entry) return;
    entry.state = 'active';
    entry.since = now();
    entry.request = request;
    response.once('close', () => {
      entry.state = 'idle';
      entry.since = now();
      entry.request = null;
    });
  });
}

/** The connection to close: the longest waiting without a whole request; null when all are being answered. */
function pickVictim(sockets: Map<Socket, SocketState>, newcomer: Socket): Socket | null {
  let best: { socket: Socket; rank: number; since: number } | null = null;
  for (const [socket, entry] of sockets) {
    if (socket === newcomer) continue;
    const rank = entry.state !== 'active' ? 0 : entry.request && !entry.request.complete ? 1 : 2;
    if (rank === 2) continue;
    if (!best || rank < best.rank || (rank === best.rank && entry.since < best.since)) {
      best = { socket, rank, since: entry.since };
    }
  }
  return best?.socket ?? null;
}
