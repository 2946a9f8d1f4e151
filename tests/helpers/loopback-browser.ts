import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the browser tests and the benchmark share to run the built extension in Debian's Chromium with
 * nothing leaving the machine: the required flags, and a "proxy" that forwards nothing.
 */
export interface Sinkhole {
  port: number;
  /** Every request that tried to leave the machine: `METHOD target`. */
  refused: string[];
  close(): Promise<void>;
}

/** Answers 403 to plain requests and drops CONNECT tunnels. */
export async function startSinkhole(): Promise<Sinkhole> {
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    refused.push(`${req.method} ${req.url}`);
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    res.end('the test browser may only reach loopback');
  });
  server.on('connect', (req, socket: Socket) => {
    refused.push(`CONNECT ${req.url}`);
    // A tunnel's socket is ours after 'connect': the browser may reset it, which must not crash the run.
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
  });
  server.on('connection', (socket) => {
    socket.on('error', () => undefined);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    refused,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Chromium's flags: load only our extension (without --disable-extensions-except, Playwright's own
 * --disable-extensions wins), no background traffic, and every name but loopback resolved nowhere.
 */
export function extensionBrowserArgs(options: {
  extensionDir: string;
  sinkholePort: number;
  mapHosts?: { host: string; to: string }[];
}): string[] {
  const mapped = options.mapHosts ?? [];
  const hostRules = [
    ...mapped.map((m) => `MAP ${m.host} ${m.to}`),
    'MAP * ~NOTFOUND',
    'EXCLUDE localhost',
    'EXCLUDE 127.0.0.1',
    'EXCLUDE [::1]',
  ];
  return [
    `--disable-extensions-except=${options.extensionDir}`,
    `--load-extension=${options.extensionDir}`,
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    // Loopback bypasses a proxy by default; everything else lands in the sinkhole.
    `--proxy-server=http://127.0.0.1:${options.sinkholePort}`,
    ...(mapped.length ? [`--proxy-bypass-list=${mapped.map((m) => m.host).join(';')}`] : []),
    `--host-resolver-rules=${hostRules.join(', ')}`,
  ];
}
