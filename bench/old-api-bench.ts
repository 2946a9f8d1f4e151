/**
 * The old API at one history size, side by side: the same /save-jobs bodies and /load-jobs calls against the
 * peer (the old Python server's mimic), the floor (a trivial Node server) and the companion, interleaved run by
 * run. Optionally the worst /health latency while a whole-history /save-jobs is in progress.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { jobVersion } from './companion';
import { type History, writeCompanionDataDir } from './dataset';
import {
  type HealthDuring,
  healthDuringSave,
  loadOnce,
  type OldApiSample,
  SeedBody,
  saveOnce,
  withServerLog,
} from './old-api';
import { type ServerProcess, startFloor, startPeer } from './peers';
import { memoryOf, resetPeak } from './proc';
import { timedStart, waitQuiet } from './scale';

export const SERVERS = ['peer', 'floor', 'companion'] as const;
export type ServerName = (typeof SERVERS)[number];

export interface OldApiResults {
  count: number;
  saveBodyBytes: number;
  save: Record<ServerName, OldApiSample[]>;
  load: Record<ServerName, OldApiSample[]>;
  /** After each timed save, whether the companion holds the edited prompt (the save did its work). */
  companionApplied: boolean[];
  /** The companion's peak RSS over all its saves and loads (VmHWM). */
  companionPeakRss: number;
  healthDuringSave: { oneChanged: HealthDuring; allNew: HealthDuring } | null;
}

export interface OldApiOptions {
  runs: number;
  /** One untimed save and load to every server first (the peer's first save also writes its file). */
  warmup: boolean;
  healthDuringSave: boolean;
  /** A data dir already holding `history` for the companion; else one is written under `root`. */
  companionDataDir?: string;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchOldApi(history: History, root: string, options: OldApiOptions): Promise<OldApiResults> {
  const { log } = options;
  mkdirSync(root, { recursive: true });
  const seed = SeedBody.of(history);
  const loadFile = path.join(root, 'floor-load-jobs.json');
  await writeFile(loadFile, seed.loadAnswer());
  const peerDir = path.join(root, 'peer-data');
  mkdirSync(peerDir, { recursive: true });
  const companionDir = options.companionDataDir ?? path.join(root, 'companion-data');
  if (!options.companionDataDir) await writeCompanionDataDir(history, companionDir, `bench-${randomUUID()}`);

  const started: ServerProcess[] = [];
  const results: OldApiResults = {
    count: history.count,
    saveBodyBytes: 0,
    save: { peer: [], floor: [], companion: [] },
    load: { peer: [], floor: [], companion: [] },
    companionApplied: [],
    companionPeakRss: NaN,
    healthDuringSave: null,
  };
  let companion: Awaited<ReturnType<typeof timedStart>>['companion'] | null = null;
  try {
    const peer = await startPeer(peerDir);
    started.push(peer);
    const floor = await startFloor(loadFile);
    started.push(floor);
    companion = (await timedStart(companionDir)).companion;
    const pid = companion.proc.pid!;
    const urls: Record<ServerName, string> = { peer: peer.url, floor: floor.url, companion: companion.url };
    const settle = async (name: ServerName) => {
      if (name === 'companion') await waitQuiet(companionDir, pid, 30_000);
      await sleep(300);
    };

    // The peer's history file comes from its own first save, as the old dashboard's first save made it.
    const first = await saveOnce(peer.url, seed.saveBody());
    if (!first.ok) throw new Error(`the peer refused the first save: ${first.status} ${first.error}`);
    if (options.warmup) {
      for (const name of SERVERS) {
        if (name !== 'peer') await saveOnce(urls[name], seed.saveBody());
        await settle(name);
        await loadOnce(urls[name], history.count);
      }
    }
    resetPeak(pid);

    for (let i = 0; i < options.runs; i++) {
      const edited = seed.edit(history.count - 1 - i);
      const body = seed.saveBody();
      results.saveBodyBytes = body.length;
      const order = SERVERS.map((_, k) => SERVERS[(k + i) % SERVERS.length]!);
      for (const name of order) {
        const from = companion.logs.length;
        const s = withServerLog(await saveOnce(urls[name], body), name === 'companion' ? companion.logs : [], from);
        results.save[name].push(s);
        if (name === 'companion' && s.ok) {
          const job = await jobVersion(companion.url, edited.id).catch(() => null);
          results.companionApplied.push(job?.prompt === edited.prompt);
        }
        await settle(name);
      }
      for (const name of order) {
        const from = companion.logs.length;
        const s = await loadOnce(urls[name], history.count);
        results.load[name].push(withServerLog(s, name === 'companion' ? companion.logs : [], from));
        await settle(name);
      }
      log(
        `  old API run ${i + 1}: save ${order.map((n) => `${n} ${show(results.save[n].at(-1)!)}`).join(', ')}; load ${order.map((n) => `${n} ${show(results.load[n].at(-1)!)}`).join(', ')}`,
      );
    }
    results.companionPeakRss = memoryOf(pid).peak;

    if (options.healthDuringSave) {
      seed.edit(history.count - 1 - options.runs);
      const body = seed.saveBody();
      const oneChanged = await healthDuringSave(companion.url, body);
      await waitQuiet(companionDir, pid, 30_000);
      // The same body into a companion with an empty data dir: every job and image is new to it.
      const emptyDir = path.join(root, 'companion-empty');
      mkdirSync(emptyDir, { recursive: true });
      const fresh = (await timedStart(emptyDir)).companion;
      let allNew: HealthDuring;
      try {
        allNew = await healthDuringSave(fresh.url, body);
      } finally {
        await fresh.stop();
      }
      results.healthDuringSave = { oneChanged, allNew };
      log(
        `  /health during a ${(body.length / 1e6).toFixed(0)} MB /save-jobs: one job changed ${show(oneChanged.save)}, worst /health ${Math.round(oneChanged.worstMs)} ms of ${oneChanged.latencies.length}; all new ${show(allNew.save)}, worst /health ${Math.round(allNew.worstMs)} ms of ${allNew.latencies.length}`,
      );
    }
  } finally {
    await companion?.stop();
    for (const server of started) await server.stop();
  }
  return results;
}

function show(s: OldApiSample): string {
  return s.ok ? `${Math.round(s.ms)} ms` : `failed (${s.status}${s.error ? ` ${s.error.slice(0, 80)}` : ''})`;
}
