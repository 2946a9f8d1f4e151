import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { getRequestListener, RequestError } from '@hono/node-server';
import { createApp } from './app';
import { ConfigError, isLoopbackBind, parseConfig, USAGE } from './config';
import { defaultLimits } from './deps';
import { createGuardedServer } from './http/connection-guard';
import { errorBody } from './http/http-error';
import { startTrashSweep } from './lib/trash-sweep';
import { openSpending } from './paid/open-spending';
import { createRunner } from './paid/runner';
import { createPixelLabClient } from './pixellab/client';
import { openDashboardDir } from './routes/dashboard';
import { createFileStore } from './store/file-store';
import { createPairingStore } from './store/pairing-store';

const VERSION = '0.1.0';
const log = (line: string) => console.log(line);

async function main() {
  try {
    process.loadEnvFile(path.resolve(process.cwd(), '.env'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }

  const parsed = parseConfig(process.argv.slice(2), process.env, process.cwd());
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const config = parsed;
  if (!isLoopbackBind(config.host)) {
    log(`Warning: binding ${config.host} exposes the companion beyond this machine; use --token.`);
  }

  const dashboardDir = config.dashboardDir === null ? null : openDashboardDir(config.dashboardDir, log);
  if (dashboardDir && (config.token || config.requirePairing)) {
    log('Warning: the old dashboard cannot send a token, so with --token or --require-pairing it is refused (401).');
  }
  const store = await createFileStore({ dataDir: config.dataDir, log });
  // Always: by default, extensions the companion does not trust pair too.
  const pairings = await createPairingStore({ dataDir: config.dataDir, log });
  const pixellab = createPixelLabClient({ baseUrl: config.apiUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs });
  const spending = await openSpending({
    dataDir: config.dataDir,
    limits: { maxUsdPerDay: config.maxUsdPerDay, maxCallsPerMinute: config.maxCallsPerMinute },
    log,
  });
  const runner = createRunner({ store, pixellab, limit: config.parallel, log, paid: spending.paid });
  // Paid results a full disk kept from the history last time go in before anything else runs.
  await runner.recover();
  const app = createApp({
    store,
    pixellab,
    runner,
    log,
    pairings,
    spending: spending.guard,
    config: {
      allowOrigins: config.allowOrigins,
      allowExtensions: config.allowExtensions,
      dashboardDir,
      token: config.token,
      requirePairing: config.requirePairing,
      apiKeyDetected: config.apiKey !== null,
      limits: defaultLimits,
      version: VERSION,
      balanceTtlMs: 60_000,
    },
  });

  let stopSweep: () => void = () => undefined;
  const server = listen(app.fetch, config.port, config.host, (info) => {
    const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    log(`PixelLab companion listening on http://${shown}:${info.port} - history: ${store.filePath}`);
    if (dashboardDir) log(`Old dashboard: http://${shown}:${info.port}/dashboard/ (serving ${dashboardDir})`);
    if (config.requirePairing) {
      const paired = pairings.list().length;
      log(
        `Pairing required: ${paired} paired client(s); a new one gets a code printed here to type in the side panel.`,
      );
    }
    if (config.apiKey === null)
      log('No PIXELLAB_API_KEY found: history and sync work, generation will fail until you set it.');
    runner.resume();
    if (config.trashDays !== null) stopSweep = startTrashSweep(store, { days: config.trashDays, log });
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      console.error(
        `Port ${config.port} is already in use: stop the other server or start this one with --port <another port>.`,
      );
    } else if (err.code === 'EACCES') {
      console.error(`Not allowed to listen on ${config.host}:${config.port} (EACCES).`);
    } else {
      console.error(`Could not listen on ${config.host}:${config.port}: ${err.message}`);
    }
    // Let go of the data dir (its lock) before leaving, so the next start finds it free.
    void Promise.allSettled([runner.stop(), spending.close(), store.close()]).then(() => process.exit(1));
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing writes, then stopping.`);
    server.close();
    stopSweep();
    // Jobs still waiting on PixelLab are marked interrupted at the next start; writes are not cut short.
    await Promise.race([runner.stop(), new Promise((r) => setTimeout(r, 3000))]);
    await spending.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

type Fetch = Parameters<typeof getRequestListener>[0];

/**
 * What `serve()` of @hono/node-server does, plus an error handler: the adapter builds the request URL
 * from the Host header before the app runs, and a Host it cannot use (`2130706433`, `a@127.0.0.1`,
 * `127.0.0.1:8787/x`) would otherwise get an empty text/plain 400. Every answer is the companion's JSON error.
 */
function listen(fetch: Fetch, port: number, host: string, onListening: (info: AddressInfo) => void): Server {
  const listener = getRequestListener(fetch, { hostname: host, errorHandler: adapterError });
  const server = createGuardedServer(listener);
  server.listen(port, host, () => onListening(server.address() as AddressInfo));
  return server;
}

/** A request the adapter could not turn into a URL (400), or an error the app did not answer itself (500). */
function adapterError(err: unknown): Response {
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

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`${err.message}\n\n${USAGE}`);
  } else {
    console.error(`The companion could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exit(1);
});
