/**
 * What every browser test runs against, whichever the browser: the real companion as its own process
 * (`node --import tsx companion-server/index.ts`) on a free loopback port with a temp data dir, and the
 * in-process fake PixelLab it calls. Both are torn down by `disposeAll` (tests/helpers/disposal.ts).
 */
import { copyFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { readDataDir } from '../../companion-server/store/inspect';
import { type FakePixelLab, startFakePixelLab } from '../fixtures/fake-pixellab';
import { type CompanionProcess, startCompanion } from './companion-process';
import { killOnExit, onDispose, tempDir } from './disposal';

/** The PixelLab key the fake expects and the companion is started with. */
export const PIXELLAB_KEY = 'e2e-pixellab-key';

export interface StartStackOptions {
  /** A job_history.json (any format the companion reads) copied into the data dir before it starts. */
  seedFile?: string;
  /** Delay of every successful fake PixelLab answer. */
  fakeDelayMs?: number;
  /** Extra companion flags. */
  args?: string[];
  /** The PixelLab key in the companion's environment (default PIXELLAB_KEY); null starts it with none. */
  apiKey?: string | null;
  /** Reserve a port but start no companion: the test starts it later with `startCompanion()` (a first run). */
  withoutCompanion?: boolean;
}

export interface Stack {
  fake: FakePixelLab;
  dataDir: string;
  /** The companion's XDG_CONFIG_HOME (a temp dir): a key set from the panel lands in `<it>/pixellab-companion/`. */
  configHome: string;
  /** The companion process running now (throws before the first start of a `withoutCompanion` stack). */
  readonly companion: CompanionProcess;
  /** Every line every companion process of this stack printed, restarts included. */
  readonly logs: readonly string[];
  /** Starts the companion on the stack's port (after `withoutCompanion`, or after it stopped). */
  startCompanion(): Promise<CompanionProcess>;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly historyFile: string;
  /** SIGTERM the companion and wait for it to exit. */
  stopCompanion(): Promise<void>;
  /** Start it again on the same port and data dir. */
  restartCompanion(): Promise<CompanionProcess>;
  /** The history on disk (job_history.json plus its journal): live jobs under `jobs`, deletes under `tombstones`. */
  readHistory(): Promise<any>;
  /** GET <companion>/<path> as JSON (from Node, so no Origin). */
  getJson(p: string): Promise<any>;
  postJson(p: string, body: unknown): Promise<{ status: number; body: any }>;
}

export async function startStack(options: StartStackOptions = {}): Promise<Stack> {
  const fake = await startFakePixelLab({ apiKey: PIXELLAB_KEY, delayMs: options.fakeDelayMs ?? 0 });
  onDispose('fake PixelLab', () => fake.close());
  const dataDir = await tempDir('pixellab-e2e-data-');
  const configHome = await tempDir('pixellab-e2e-config-');
  if (options.seedFile) await copyFile(options.seedFile, path.join(dataDir, 'job_history.json'));
  const processes: CompanionProcess[] = [];

  const launch = async (port?: number) => {
    const proc = await startCompanion({
      dataDir,
      configHome,
      pixellabUrl: fake.url,
      apiKey: options.apiKey === undefined ? PIXELLAB_KEY : options.apiKey,
      args: options.args,
      port,
    });
    // Each process keeps adding to its own `logs` until it exits: kept here across restarts.
    processes.push(proc);
    const forget = proc.proc.pid ? killOnExit(proc.proc.pid) : () => undefined;
    onDispose(`companion ${proc.url}`, async () => {
      await proc.kill();
      forget();
    });
    return proc;
  };
  let companion: CompanionProcess | null = options.withoutCompanion ? null : await launch();
  const port = companion?.port ?? (await freePort());
  const historyFile = path.join(dataDir, 'job_history.json');
  const running = () => {
    if (!companion) throw new Error('the companion of this stack was not started yet: call startCompanion()');
    return companion;
  };

  const stack: Stack = {
    fake,
    dataDir,
    configHome,
    get companion() {
      return running();
    },
    get logs() {
      return processes.flatMap((p) => p.logs);
    },
    async startCompanion() {
      companion = await launch(port);
      return companion;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    port,
    historyFile,
    async stopCompanion() {
      await running().stop();
    },
    async restartCompanion() {
      const current = running();
      if (current.proc.exitCode === null && current.proc.signalCode === null) await current.stop();
      companion = await launch(port);
      return companion;
    },
    async readHistory() {
      // What the data dir holds: job_history.json plus the journal written since (the file follows it shortly).
      const { jobs, lastSeq } = await readDataDir(path.dirname(historyFile));
      return { jobs: jobs.filter((j) => !j.deleted), tombstones: jobs.filter((j) => j.deleted), seq: lastSeq };
    },
    async getJson(p) {
      const res = await fetch(stack.url + p);
      if (!res.ok) throw new Error(`GET ${p} answered ${res.status}: ${await res.text()}`);
      return res.json();
    },
    async postJson(p, body) {
      const res = await fetch(stack.url + p, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed };
    },
  };
  return stack;
}

/** A loopback port free right now, for a companion a test starts later (a first run). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
