import path from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { ConfigError, isLoopbackBind, parseConfig, USAGE } from './config';
import { defaultLimits } from './deps';
import { createPixelLabClient } from './pixellab/client';
import { createRunner } from './runner';
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

  const store = await createFileStore({ dataDir: config.dataDir, log });
  const pairings = config.requirePairing ? await createPairingStore({ dataDir: config.dataDir, log }) : undefined;
  const pixellab = createPixelLabClient({ baseUrl: config.apiUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs });
  const runner = createRunner({ store, pixellab, limit: config.parallel, log });
  const app = createApp({
    store,
    pixellab,
    runner,
    log,
    pairings,
    config: {
      allowOrigins: config.allowOrigins,
      token: config.token,
      requirePairing: config.requirePairing,
      apiKeyDetected: config.apiKey !== null,
      limits: defaultLimits,
      version: VERSION,
      balanceTtlMs: 60_000,
    },
  });

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    log(`PixelLab companion listening on http://${shown}:${info.port} - history: ${store.filePath}`);
    if (pairings) {
      const paired = pairings.list().length;
      log(`Pairing required: ${paired} paired client(s); a new one gets a code printed here to type in the side panel.`);
    }
    if (config.apiKey === null) log('No PIXELLAB_API_KEY found: history and sync work, generation will fail until you set it.');
    runner.resume();
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      console.error(`Port ${config.port} is already in use: stop the other server or start this one with --port <another port>.`);
    } else if (err.code === 'EACCES') {
      console.error(`Not allowed to listen on ${config.host}:${config.port} (EACCES).`);
    } else {
      console.error(`Could not listen on ${config.host}:${config.port}: ${err.message}`);
    }
    process.exit(1);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing writes, then stopping.`);
    server.close();
    // Jobs still waiting on PixelLab are marked interrupted at the next start; writes are not cut short.
    await Promise.race([runner.stop(), new Promise((r) => setTimeout(r, 3000))]);
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`${err.message}\n\n${USAGE}`);
  } else {
    console.error(`The companion could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exit(1);
});
