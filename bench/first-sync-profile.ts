/**
 * Where a first sync's time goes (issue 19), for investigating, not part of `npm run bench`:
 *   node --import tsx bench/first-sync-profile.ts [jobs=10000]
 * A fresh profile syncs the whole history from a companion (as section 5 does) while the service worker's
 * storage calls and fetches are recorded in the worker, and a CPU profile of the worker (and of the panel, unless
 * PROFILE_PANEL=0 leaves it closed) is taken over CDP. Prints per page: the /changes wait, the storage calls (keys,
 * bytes set, time), and the worker's busy time; then the worker's heaviest functions. PROFILE_OUT: where the
 * .cpuprofile files go (default /tmp).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { extensionBrowserArgs, startSinkhole } from '../tests/helpers/loopback-browser';
import { CHROME_PATH, PANEL_VIEWPORT } from './browser';
import { health, startBenchCompanion } from './companion';
import { makeDataset, writeCompanionDataDir } from './dataset';
import { log, sleep, tmp } from './run-context';
import { buildExtension } from './setup';

const COUNT = Number(process.argv[2] ?? 10_000);
const OUT = process.env.PROFILE_OUT ?? '/tmp';
const WITH_PANEL = process.env.PROFILE_PANEL !== '0' && process.env.PROFILE_PANEL !== 'listener';
/** PROFILE_PANEL=listener: no panel, a page with an empty storage.local.onChanged listener (what receiving costs). */
const LISTENER_ONLY = process.env.PROFILE_PANEL === 'listener';

/** Records every storage call and fetch of the worker: [start, end, op, keys, bytes set]. */
const RECORDER = `(() => {
  const g = globalThis;
  g.__rec = [];
  const area = chrome.storage.local;
  for (const op of ['get', 'set', 'remove']) {
    const original = area[op].bind(area);
    area[op] = function (arg, callback) {
      const keys = arg == null ? -1 : typeof arg === 'string' ? 1 : Array.isArray(arg) ? arg.length : Object.keys(arg).length;
      let bytes = 0;
      if (op === 'set') for (const v of Object.values(arg)) bytes += typeof v === 'string' ? v.length : JSON.stringify(v ?? null).length;
      const stack = (new Error().stack || '').split('\\n').slice(2).map((l) => (/at (?:async )?([\\w$.<>]+)/.exec(l) || [])[1]).filter((n) => n && !/^(Object|Promise|new Promise|area|asyncFunctionWrapper|apply|get|set|remove|Proxy)/.test(n)).slice(0, 4).join('<');
      const entry = [performance.now(), null, op, keys, bytes, op === 'get' && Array.isArray(arg) ? arg.filter((k) => k.startsWith('job:')).length : 0, stack];
      g.__rec.push(entry);
      const done = (r) => { entry[1] = performance.now(); return r; };
      if (typeof callback === 'function') return original(arg, (r) => { done(r); callback(r); });
      return original(arg).then(done);
    };
  }
  const fetch0 = g.fetch;
  g.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const kind = url.includes('/api/v1/images') ? 'image' : url.includes('/api/v1/changes') ? 'changes' : 'fetch';
    const entry = [performance.now(), null, kind, 0, 0, 0, ''];
    g.__rec.push(entry);
    return fetch0.call(this, input, init).then((r) => { entry[1] = performance.now(); return r; });
  };
  return true;
})()`;

type Rec = [number, number | null, string, number, number, number, string];

class Cdp {
  private id = 0;
  private waiting = new Map<number, (v: any) => void>();
  constructor(private ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.id && this.waiting.has(msg.id)) {
        this.waiting.get(msg.id)!(msg.error ? Promise.reject(new Error(msg.error.message)) : msg.result);
        this.waiting.delete(msg.id);
      }
    });
  }
  static async open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Cdp(ws);
  }
  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params, ...(sessionId && { sessionId }) }));
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }
  close() {
    this.ws.close();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time per function (ms), heaviest first. */
function selfTimes(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    const f = node.callFrame;
    const name = `${f.functionName || '(anon)'} ${path.basename(f.url)}:${f.lineNumber}`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** Inclusive time per function name (ms): each sample counts once for every distinct function on its stack. */
function inclusiveTimes(profile: {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}): [string, number][] {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!f.url) continue;
      seen.add(`${f.functionName || '(anon)'} ${path.basename(f.url)}:${f.lineNumber}`);
    }
    for (const name of seen) totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function idleOf(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++)
    if (idle.has(profile.samples[i]!)) total += (profile.timeDeltas[i + 1] ?? 0) / 1000;
  return total;
}

async function main(): Promise<void> {
  process.env.WXT_NO_MINIFY = process.env.WXT_NO_MINIFY ?? '1';
  const extDir = buildExtension();
  const dataset = makeDataset(COUNT);
  const dataDir = tmp('companion-data');
  await writeCompanionDataDir(dataset, dataDir, `bench-${randomUUID()}`);
  const companion = await startBenchCompanion(dataDir);
  const sinkhole = await startSinkhole();
  const profileDir = tmp('profile');
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROME_PATH,
    headless: true,
    viewport: PANEL_VIEWPORT,
    args: [...extensionBrowserArgs({ extensionDir: extDir, sinkholePort: sinkhole.port }), '--remote-debugging-port=0'],
  });
  try {
    const h = await health(companion.url);
    log(`companion ${companion.url} with ${h.lastSeq} changes; load ${(await import('node:os')).loadavg().join(' ')}`);
    let worker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
    worker ??= await context.waitForEvent('serviceworker');
    const extId = /^chrome-extension:\/\/([a-p]{32})\//.exec(worker.url())![1]!;
    for (let i = 0; i < 200; i++) {
      const got = (await worker.evaluate(() => (globalThis as any).chrome.storage.local.get('schema'))) as any;
      if (got.schema) break;
      await sleep(50);
    }
    const [port, wsPath] = readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').trim().split('\n');
    const cdp = await Cdp.open(`ws://127.0.0.1:${port}${wsPath}`);
    const { targetInfos } = await cdp.send('Target.getTargets');
    const sw = targetInfos.find((t: any) => t.type === 'service_worker' && t.url.includes(extId));
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: sw.targetId, flatten: true });
    await cdp.send('Profiler.enable', {}, sessionId);
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 }, sessionId);

    const page = await context.newPage();
    let panelSession: string | null = null;
    if (WITH_PANEL) {
      await page.goto(`chrome-extension://${extId}/sidepanel.html`);
      await page.getByLabel('Search', { exact: true }).waitFor();
      const { targetInfos: t2 } = await cdp.send('Target.getTargets');
      const panel = t2.find((t: any) => t.type === 'page' && t.url.includes('sidepanel.html'));
      panelSession = (await cdp.send('Target.attachToTarget', { targetId: panel.targetId, flatten: true })).sessionId;
      await cdp.send('Profiler.enable', {}, panelSession!);
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 }, panelSession!);
    } else await page.goto(`chrome-extension://${extId}/manifest.json`);
    if (LISTENER_ONLY) {
      await page.evaluate('chrome.storage.local.onChanged.addListener(() => {})');
      const { targetInfos: t2 } = await cdp.send('Target.getTargets');
      const tool = t2.find((t: any) => t.type === 'page' && t.url.includes('manifest.json'));
      panelSession = (await cdp.send('Target.attachToTarget', { targetId: tool.targetId, flatten: true })).sessionId;
      await cdp.send('Profiler.enable', {}, panelSession!);
    }
    await sleep(1000);
    await worker.evaluate(RECORDER);
    await cdp.send('Profiler.start', {}, sessionId);
    const workerAtStart = (await worker.evaluate('performance.now()')) as number;
    if (panelSession) await cdp.send('Profiler.start', {}, panelSession);
    const t0 = (await worker.evaluate('performance.now()')) as number;
    await page.evaluate(
      `chrome.runtime.sendMessage({ channel: 'pixellab-intent', intent: { type: 'saveSettings', settings: { companionUrl: ${JSON.stringify(companion.url)}, token: '', parallelLimit: 3 } } })`,
    );
    let end = 0;
    for (;;) {
      const s = (await worker.evaluate(() =>
        (globalThis as any).chrome.storage.local
          .get(['sync', 'stats'])
          .then((r: any) => ({ ...r, at: performance.now() })),
      )) as any;
      if ((s.stats?.total ?? 0) >= COUNT && (s.sync?.checkpoint ?? 0) >= h.lastSeq && s.sync?.syncing === false) {
        end = s.at;
        break;
      }
      await sleep(50);
    }
    const { profile } = await cdp.send('Profiler.stop', {}, sessionId);
    const panelProfile = panelSession ? (await cdp.send('Profiler.stop', {}, panelSession)).profile : null;
    const recs = ((await worker.evaluate('globalThis.__rec')) as Rec[]).filter((r) => r[0] <= end);
    writeFileSync(path.join(OUT, `first-sync-${COUNT}-worker.cpuprofile`), JSON.stringify(profile));
    if (panelProfile)
      writeFileSync(path.join(OUT, `first-sync-${COUNT}-panel.cpuprofile`), JSON.stringify(panelProfile));
    log(`sync: ${Math.round(end - t0)} ms (from the save to the worker seeing the run end)`);

    // Per page: from the moment a /changes answer arrived to the next one's arrival (or the end).
    const changes = recs.filter((r) => r[2] === 'changes' && r[1] !== null);
    const marks = changes.map((r) => r[1]!).concat(end);
    const busy = (from: number, to: number) => {
      // Worker CPU (non-idle samples) within [from, to], worker clock = profile clock in µs / 1000.
      let t = workerAtStart;
      let ms = 0;
      const idle = new Set(
        profile.nodes.filter((n: ProfileNode) => n.callFrame.functionName === '(idle)').map((n: ProfileNode) => n.id),
      );
      for (let i = 0; i < profile.samples.length; i++) {
        t += profile.timeDeltas[i] / 1000;
        if (t >= from && t < to && !idle.has(profile.samples[i])) ms += (profile.timeDeltas[i + 1] ?? 0) / 1000;
      }
      return ms;
    };
    log('page | wall ms | worker busy | /changes wait | gets (keys, job keys, ms) | sets (keys, KB, ms) | images');
    for (let p = 0; p < changes.length; p++) {
      const from = marks[p]!;
      const to = marks[p + 1]!;
      const inPage = recs.filter((r) => r[0] >= from && r[0] < to);
      const gets = inPage.filter((r) => r[2] === 'get');
      const sets = inPage.filter((r) => r[2] === 'set');
      const imgs = inPage.filter((r) => r[2] === 'image');
      const sum = (rs: Rec[], i: number) => rs.reduce((n, r) => n + (r[i] as number), 0);
      const dur = (rs: Rec[]) => rs.reduce((n, r) => n + ((r[1] ?? end) - r[0]), 0);
      log(
        `${String(p).padStart(3)} | ${Math.round(to - from)} | ${Math.round(busy(from, to))} | ${Math.round(changes[p]![1]! - changes[p]![0])} | ${gets.length} (${sum(gets, 3)}, ${sum(gets, 5)}, ${Math.round(dur(gets))}) | ${sets.length} (${sum(sets, 3)}, ${Math.round(sum(sets, 4) / 1024)}, ${Math.round(dur(sets))}) | ${imgs.length} (${Math.round(dur(imgs))})`,
      );
    }
    const byCaller = new Map<string, [number, number, number]>();
    for (const r of recs) {
      if (r[2] !== 'get' && r[2] !== 'set') continue;
      const k = `${r[2]} ${r[6]}`;
      const v = byCaller.get(k) ?? [0, 0, 0];
      v[0]++;
      v[1] += r[3];
      v[2] += (r[1] ?? end) - r[0];
      byCaller.set(k, v);
    }
    for (const [k, v] of [...byCaller].sort((a, b) => b[1][2] - a[1][2]).slice(0, 25))
      log(`  ${v[0]} calls, ${v[1]} keys, ${Math.round(v[2])} ms  ${k}`);
    log(
      `worker profile: ${Math.round(profile.endTime / 1000 - profile.startTime / 1000)} ms, idle ${Math.round(idleOf(profile))} ms`,
    );
    for (const [name, ms] of selfTimes(profile).slice(0, 30)) log(`  self ${ms.toFixed(0).padStart(6)} ms  ${name}`);
    for (const [name, ms] of inclusiveTimes(profile).slice(0, 40))
      log(`  incl ${ms.toFixed(0).padStart(6)} ms  ${name}`);
    if (panelProfile) {
      log(
        `panel profile: idle ${Math.round(idleOf(panelProfile))} ms of ${Math.round((panelProfile.endTime - panelProfile.startTime) / 1000)}`,
      );
      for (const [name, ms] of selfTimes(panelProfile).slice(0, 15))
        log(`  panel self ${ms.toFixed(0).padStart(6)} ms  ${name}`);
    }
    cdp.close();
  } finally {
    await context.close().catch(() => undefined);
    await sinkhole.close();
    await companion.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
