import { createApp } from '../app';
import { isLoopbackBind, type ServerConfig } from '../config';
import { defaultLimits } from '../deps';
import { startDeviceSync } from '../device-sync/device-sync';
import { openDeviceIdentity } from '../device-sync/identity';
import { missingCredentials, openSyncTarget } from '../device-sync/targets/open';
import { listen } from '../http/listen';
import { startTrashSweep } from '../lib/trash-sweep';
import { openSpending } from '../paid/open-spending';
import { createRunner } from '../paid/runner';
import { createPixelLabClient } from '../pixellab/client';
import { createPixelLabPlan } from '../pixellab/plan';
import { createPixelLabV2Client, v2BaseUrl } from '../pixellab/v2-client';
import { openDashboardDir } from '../routes/dashboard';
import { type OpenApiKeyOptions, openApiKey } from '../secrets/api-key';
import { createKeyFile } from '../secrets/key-file';
import { readSyncCredentials } from '../secrets/sync-credentials';
import { readPassphrase } from '../secrets/sync-passphrase';
import { holdsHistory, recordAdoption, wasAdopted } from '../store/adoptions';
import { createFileStore } from '../store/file-store';
import { type ImportReport, importHistory } from '../store/import-history';
import { createPairingStore } from '../store/pairing-store';
import { createSettingsStore } from '../store/settings-store';
import type { JobStore } from '../store/types';
import { chooseDataDir } from './data-dir';
import { type PlatformEnv, platformPaths } from './platform-paths';
import { COMPANION_BIN, COMPANION_VERSION } from './version';

/**
 * Starts the companion with a parsed configuration; resolves once it listens, and exits the process on a signal.
 * `keySource` says where PIXELLAB_API_KEY came from (the panel shows it): the environment, or a .env file.
 */
export async function startCompanion(
  config: ServerConfig,
  machine: PlatformEnv & { cwd: string },
  keySource: OpenApiKeyOptions['envSource'],
) {
  const log = (line: string) => console.log(line);
  if (!isLoopbackBind(config.host)) {
    log(`Warning: binding ${config.host} exposes the companion beyond this machine; use --token.`);
  }
  const dashboardDir = config.dashboardDir === null ? null : openDashboardDir(config.dashboardDir, log);
  if (dashboardDir && (config.token || config.requirePairing)) {
    log('Warning: the old dashboard cannot send a token, so with --token or --require-pairing it is refused (401).');
  }
  const dataDir = await chooseDataDir({
    given: config.dataDir,
    cwd: machine.cwd,
    platformData: platformPaths(machine).data,
    importPath: config.importPath,
    bin: COMPANION_BIN,
    probe: { holdsHistory, wasAdopted },
  });

  // Read (and a file others can read refused) before anything is written; never printed, never sent anywhere.
  const passphrase =
    config.syncDir || config.syncUrl
      ? await readPassphrase({ env: machine.env, configDir: platformPaths(machine).config })
      : null;
  // Sync credentials are read before anything opens: a mistake in them stops the start with nothing changed.
  const syncCredentials = config.syncUrl
    ? await readSyncCredentials({ env: machine.env, configDir: platformPaths(machine).config })
    : undefined;
  const missing = config.syncUrl && missingCredentials(config.syncUrl, syncCredentials);
  if (missing) throw new Error(missing);
  const identity = await openDeviceIdentity(dataDir.path, config.syncDir, log, config.syncUrl !== null);
  const store = await createFileStore({ dataDir: dataDir.path, log, device: identity.deviceId });
  if (config.importPath) {
    // A refused import changes nothing; the data dir is let go so the next start finds it free.
    await importInto(store, dataDir.path, config.importPath, log).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
  }
  // Always: by default, extensions the companion does not trust pair too.
  const pairings = await createPairingStore({ dataDir: dataDir.path, log });
  // The key set from the panel lives in the config folder, never the data dir (users sync that one).
  const apiKey = await openApiKey({
    envKey: config.apiKey,
    envSource: keySource,
    file: createKeyFile(platformPaths(machine).config, log),
  });
  const pixellab = {
    ...createPixelLabClient({ baseUrl: config.apiUrl, apiKey: apiKey.current, timeoutMs: config.timeoutMs }),
    // v2 lives beside v1 (https://api.pixellab.ai/v2); it is offered only when it answers the key.
    v2: createPixelLabV2Client({ baseUrl: v2BaseUrl(config.apiUrl), apiKey: apiKey.current }),
  };
  // A key from the panel is checked with its own client: the live one keeps the current key until it passes.
  const checkKey = (key: string) =>
    createPixelLabClient({ baseUrl: config.apiUrl, apiKey: key, timeoutMs: 20_000 }).balance();
  const plan = createPixelLabPlan(await createSettingsStore({ dataDir: dataDir.path, log }), log);
  const spending = await openSpending({
    dataDir: dataDir.path,
    limits: { maxUsdPerDay: config.maxUsdPerDay, maxCallsPerMinute: config.maxCallsPerMinute },
    log,
  });
  const runner = createRunner({ store, pixellab, plan, limit: config.parallel, log, paid: spending.paid });
  // Paid results a full disk kept from the history last time go in before anything else runs.
  await runner.recover();
  const deviceSync =
    identity.state && identity.deviceId
      ? await startDeviceSync({
          store,
          target: await openSyncTarget({
            syncDir: config.syncDir,
            remote: config.syncUrl,
            deviceId: identity.deviceId,
            credentials: syncCredentials,
            log,
          }),
          deviceName: config.deviceName,
          state: identity.state,
          log,
          readonly: config.syncReadonly,
          passphrase: passphrase?.passphrase ?? null,
          firstPass: 'background',
        }).catch(async (error: unknown) => {
          // A wrong passphrase: nothing was written; the data dir is let go so the next start finds it free.
          await Promise.allSettled([runner.stop(), spending.close(), store.close()]);
          throw error;
        })
      : null;
  if (passphrase) log(`Device sync: end-to-end encrypted with the passphrase from ${passphrase.source}`);
  const app = createApp({
    store,
    pixellab,
    plan,
    runner,
    log,
    pairings,
    apiKey: { holder: apiKey, check: checkKey },
    spending: spending.guard,
    ledger: spending.ledger,
    deviceSync: deviceSync ?? undefined,
    config: {
      allowOrigins: config.allowOrigins,
      allowExtensions: config.allowExtensions,
      dashboardDir,
      token: config.token,
      requirePairing: config.requirePairing,
      apiKeyDetected: apiKey.current() !== null,
      limits: defaultLimits,
      version: COMPANION_VERSION,
      balanceTtlMs: 60_000,
      author: config.author,
    },
  });

  let stopSweep: () => void = () => undefined;
  const server = listen(app.fetch, config.port, config.host, log, (info) => {
    const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    log(
      `PixelLab companion listening on http://${shown}:${info.port} - history: ${store.filePath} (${dataDir.reason})`,
    );
    if (dataDir.offer) log(dataDir.offer);
    if (dashboardDir) log(`Old dashboard: http://${shown}:${info.port}/dashboard/ (serving ${dashboardDir})`);
    if (config.requirePairing) {
      const paired = pairings.list().length;
      log(
        `Pairing required: ${paired} paired client(s); a new one gets a code printed here to type in the side panel.`,
      );
    }
    if (apiKey.current() === null)
      log(
        'No PixelLab key yet: enter it in the side panel (or set PIXELLAB_API_KEY); history and sync work meanwhile.',
      );
    else if (apiKey.source() === 'file') log(`PixelLab key: the one set from the side panel (${apiKey.filePath}).`);
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
    await deviceSync?.stop();
    await spending.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** --import: merges the old history in before anything runs, and notes it so ./data is not offered again. */
async function importInto(store: JobStore, dataDir: string, source: string, log: (line: string) => void) {
  log(`Importing ${source} ...`);
  const report = await importHistory(store, source);
  await recordAdoption(dataDir, source, report);
  log(describeImport(report));
}

export function describeImport(r: ImportReport): string {
  const parts = [
    `Imported ${r.file} (${r.format === 'seed' ? "the old dashboard's format" : 'companion format'}): ${r.found} job(s) found, ${r.taken} taken in, ${r.alreadyThere} already here`,
  ];
  if (r.renamed) parts.push(`${r.renamed} under a new id (another job had theirs)`);
  parts.push(`${r.images} image(s) copied`);
  if (r.missingImages) parts.push(`${r.missingImages} image(s) missing from the source`);
  if (r.unreadable) parts.push(`${r.unreadable} unreadable record(s) left in the source`);
  return `${parts.join('; ')}. The source is left as it was.`;
}
