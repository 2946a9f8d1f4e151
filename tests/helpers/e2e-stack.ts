/**
 * What every browser test runs against, whichever the browser: the real companion as its own process
 * (`node --import tsx companion-server/index.ts`) on a free loopback port with a temp data dir, and the
 * in-process fake PixelLab it calls. Both are torn down by `disposeAll` (tests/helpers/disposal.ts).
 */
import { copyFile } from 'node:fs/promises';
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
}

export interface Stack {
  fake: FakePixelLab;
  dataDir: string;
  readonly companion: CompanionProcess;
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
  if (options.seedFile) await copyFile(options.seedFile, path.join(dataDir, 'job_history.json'));

  const launch = async (port?: number) => {
    const proc = await startCompanion({
      dataDir,
      pixellabUrl: fake.url,
      apiKey: PIXELLAB_KEY,
      args: options.args,
      port,
    });
    const forget = proc.proc.pid ? killOnExit(proc.proc.pid) : () => undefined;
    onDispose(`companion ${proc.url}`, async () => {
      await proc.kill();
      forget();
    });
    return proc;
  };
  let companion = await launch();
  const port = companion.port;
  const historyFile = path.join(dataDir, 'job_history.json');

  const stack: Stack = {
    fake,
    dataDir,
    get companion() {
      return companion;
    },
    get url() {
      return companion.url;
    },
    port,
    historyFile,
    async stopCompanion() {
      await companion.stop();
    },
    async restartCompanion() {
      if (companion.proc.exitCode === null && companion.proc.signalCode === null) await companion.stop();
      companion = await launch(port);
      return companion;
    },
    async readHistory() {
      // What the data dir holds: job_history.json plus the journal written since (the file follows it shortly).
      const { jobs, lastSeq } = await readDataDir(path.dirname(historyFile));
      return { jobs: jobs.filter((j) => !j.deleted), tombstones: jobs.filter((j) => j.deleted), seq: lastSeq };
    },
    async getJson(p) {
      const res = await fetch(companion.url + p);
      if (!res.ok) throw new Error(`GET ${p} answered ${res.status}: ${await res.text()}`);
      return res.json();
    },
    async postJson(p, body) {
      const res = await fetch(companion.url + p, {
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
