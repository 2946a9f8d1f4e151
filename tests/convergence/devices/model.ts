import {
  addToSetField,
  canonicalJson,
  type Hlc,
  type Job,
  type SyncedJob,
  setOrganisingField,
  versionOf,
  withoutSeq,
} from '../../../utils/domain';
import { seededRandom } from '../../helpers/seeded-random';
import { makeTempDir } from '../../helpers/temp-dir';
import { checkRules, newLedger, RuleBroken, seenAll } from './rules';
import { checkEncryptedRun, type EncryptedCoverage } from './sealed-at-rest';
import {
  MODEL_POLL_MS,
  newTargetCoverage,
  openSharedTarget,
  type SharedTarget,
  type Coverage as TargetCoverage,
  type TargetKind,
} from './shared-target';
import {
  allJobs,
  createJob,
  type Device,
  getJob,
  HOUR_MS,
  missingImages,
  openDevice,
  pushJobs,
  quarantinedCount,
} from './world';

/**
 * The N-companion model (issue 22): 2 or 3 real companions on their own data dirs sharing one target
 * (shared-target.ts): a synced folder through a sync client that delays, reorders, cuts files short, leaves
 * conflict copies and carries deletions made by hand; or a WebDAV or S3 server, each device through a fault proxy
 * that delays, reorders, refuses, cuts requests and answers, and fails after applying. Device B's machine runs
 * an hour fast. The model creates jobs (each run by its accepting companion against that device's fake
 * PixelLab), edits prompts, tags, stars, trashes and purges, deletes files by hand, takes views offline, and
 * SIGKILLs companions at random moments, mid-pass and mid-run among them. Then everything heals and the rules
 * (rules.ts) are checked.
 */
export interface ScenarioOptions {
  seed: number;
  devices: 2 | 3;
  ops: number;
  kind: TargetKind;
  /** End-to-end encryption: B reads the passphrase from its 0600 file, the others from COMPANION_SYNC_PASSPHRASE. */
  encrypted: boolean;
}

export interface Coverage {
  ops: Record<string, number>;
  kills: number;
  /** Kills while that device's PixelLab call was open (a paid run cut short). */
  killsMidRun: number;
  /** Kills within 250 ms of a change on that device: its publish pass (200 ms change check) was due or running. */
  killsAfterChange: number;
  restarts: number;
  fastConcurrentWins: number;
  paidCalls: number;
  paidThenKilled: number;
  jobs: number;
  /** Images of live jobs, each found whole on every companion. */
  images: number;
  /** Publish passes that found one of their own objects gone and sent the whole history again. */
  resends: number;
  target: TargetCoverage;
  healMs: number[];
  /** Encrypted runs, and the files found whole and sealed at rest after their heals (rule sealed-at-rest). */
  encrypted: EncryptedCoverage;
}

export const newCoverage = (): Coverage => ({
  ops: {},
  kills: 0,
  killsMidRun: 0,
  killsAfterChange: 0,
  restarts: 0,
  fastConcurrentWins: 0,
  paidCalls: 0,
  paidThenKilled: 0,
  jobs: 0,
  images: 0,
  resends: 0,
  target: newTargetCoverage(),
  healMs: [],
  encrypted: { runs: 0, converged: 0, companions: 0, objects: 0, bytes: 0 },
});

const HEAL_DEADLINE_MS = 45_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Op = 'create' | 'edit' | 'staleEdit' | 'tag' | 'star' | 'trash' | 'purge' | 'removeFile' | 'offline' | 'kill';
const WEIGHTS: [Op, number][] = [
  ['create', 5],
  ['edit', 3],
  ['staleEdit', 2],
  ['tag', 2],
  ['star', 1],
  ['trash', 1],
  ['purge', 1],
  ['removeFile', 1],
  ['offline', 1],
  ['kill', 1.5],
];

/** One run; returns how many companions converged, or throws RuleBroken with the trace. */
export async function runDevicesScenario(options: ScenarioOptions, coverage: Coverage): Promise<number> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const root = await makeTempDir('pixellab-devmodel-');
  const names = ['A', 'B', 'C'].slice(0, options.devices);
  const devices: Device[] = [];
  const trace: string[] = [];
  const ledger = newLedger();
  const lastChange = new Map<string, number>();
  /** Job id -> the job-wide versions edits pushed. */
  const edited = new Map<string, Hlc[]>();
  let shared: SharedTarget | null = null;
  try {
    const target = await openSharedTarget(options.kind, root.dir, names, options.seed);
    shared = target;
    const passphrase = (name: string) =>
      options.encrypted
        ? ({ text: `model passphrase ${options.seed}`, via: name === 'B' ? 'file' : 'env' } as const)
        : null;
    for (const [i, name] of names.entries())
      devices.push(
        await openDevice(
          root.dir,
          name,
          name === 'B' ? HOUR_MS : 0,
          50 + Math.floor(random() * 400),
          target.companion(i),
          passphrase(name),
        ),
      );
    // Encrypted: the first device alone makes sync.json, which reaches the others before they start (README).
    if (options.encrypted) {
      await devices[0]!.start();
      await target.shareFirst();
    }
    await Promise.all(devices.filter((d) => !d.proc).map((d) => d.start()));
    target.start();

    const alive = () => devices.filter((d) => d.proc);
    const did = (what: string) => {
      coverage.ops[what] = (coverage.ops[what] ?? 0) + 1;
    };
    /** One of the jobs `d` holds now that `filter` takes (the results seen are noted for the rules), or null. */
    const held = async (d: Device, filter: (job: SyncedJob) => boolean) => {
      const jobs = await allJobs(d);
      for (const job of jobs) if (job.image) ledger.results.set(job.id, job.image);
      const candidates = jobs.filter((job) => ledger.created.has(job.id) && filter(job));
      return candidates.length === 0 ? null : pick(candidates);
    };
    const finished = (job: SyncedJob | null): job is SyncedJob =>
      !!job && !job.deleted && (job.status === 'success' || job.status === 'error');
    /** Finished, live, and never trashed or purged by the user (who touches such a job no more). */
    const editable = (job: SyncedJob) =>
      finished(job) && !job.trashedAt && !ledger.trashed.has(job.id) && !ledger.purged.has(job.id);
    const push = async (d: Device, base: SyncedJob, version: Job, note: string) => {
      ledger.superseded.add(`${base.id}\u0000${base.prompt}`);
      edited.set(base.id, [...(edited.get(base.id) ?? []), versionOf(version)]);
      await pushJobs(d, [version]);
      lastChange.set(d.name, Date.now());
      trace.push(`${d.name}: ${note} ${base.id}`);
    };
    const editPrompt = async (d: Device, job: SyncedJob, prompt: string) => {
      const base = withoutSeq(job);
      const edits = ledger.edits.get(job.id) ?? [];
      edits.push({ prompt, device: d.name, at: Date.now() });
      ledger.edits.set(job.id, edits);
      await push(d, job, d.clock.stamp({ ...base, prompt }, base), `edit "${prompt}"`);
    };

    for (let k = 0; k < options.ops; k++) {
      let total = 0;
      for (const [, w] of WEIGHTS) total += w;
      let roll = random() * total;
      const op = WEIGHTS.find(([, w]) => (roll -= w) < 0)![0];
      const down = devices.filter((d) => !d.proc);
      if (down.length > 0 && random() < 0.5) {
        const d = pick(down);
        await d.start();
        coverage.restarts++;
        trace.push(`${d.name}: restart`);
      }
      const up = alive();
      if (up.length === 0) continue;
      const d = pick(up);
      switch (op) {
        case 'create': {
          const id = `job-m${options.seed >>> 0}-${k}`;
          const prompt = `p${options.seed >>> 0} ${k}`;
          const job = await createJob(d, id, prompt);
          ledger.created.set(id, { device: d.name, prompt });
          if (job.device) ledger.deviceIds.set(d.name, String(job.device));
          if (d.skewMs > 0 && job.updatedAt > Date.now() + HOUR_MS / 2) did('create on the fast machine');
          lastChange.set(d.name, Date.now());
          trace.push(`${d.name}: create ${id}`);
          did('create');
          break;
        }
        case 'edit': {
          const job = await held(d, editable);
          if (!job) break;
          await editPrompt(d, job, `e${k}`);
          did('edit');
          break;
        }
        case 'staleEdit': {
          // The fast machine edits; another device edits on top of it once it holds that edit (both views online).
          const online = up.filter((x) => !target.isOffline(devices.indexOf(x)));
          const fast = online.find((x) => x.skewMs > 0);
          const other = online.find((x) => x.skewMs === 0);
          if (!fast || !other) break;
          const job = await held(fast, editable);
          if (!job) break;
          await editPrompt(fast, job, `fast${k}`);
          const until = Date.now() + 5000;
          let seen: SyncedJob | null = null;
          while (Date.now() < until && other.proc) {
            seen = await getJob(other, job.id);
            if (seen?.prompt === `fast${k}`) break;
            await sleep(60);
          }
          if (seen?.prompt === `fast${k}` && other.proc && !seen.trashedAt && !seen.deleted) {
            await editPrompt(other, seen, `later${k}`);
            did('stale edit overtaken');
          }
          break;
        }
        case 'tag': {
          const job = await held(d, editable);
          if (!job) break;
          const tag = `t${k}`;
          const tags = ledger.tags.get(job.id) ?? new Set<string>();
          tags.add(tag);
          ledger.tags.set(job.id, tags);
          await pushJobs(d, [addToSetField(withoutSeq(job), 'tags', [tag], d.clock, 50)]);
          trace.push(`${d.name}: tag ${tag} ${job.id}`);
          did('tag');
          break;
        }
        case 'star': {
          const job = await held(d, editable);
          if (!job) break;
          await pushJobs(d, [setOrganisingField(withoutSeq(job), 'starred', !job.starred, d.clock)]);
          trace.push(`${d.name}: star ${job.id}`);
          did('star');
          break;
        }
        case 'trash': {
          // Only a job this device holds at its latest edit: nobody touches it after, so nothing races it.
          const job = await held(d, (j) => editable(j) && seenAll(edited, j));
          if (!job) break;
          ledger.trashed.add(job.id);
          await pushJobs(d, [setOrganisingField(withoutSeq(job), 'trashedAt', Date.now() + d.skewMs, d.clock)]);
          trace.push(`${d.name}: trash ${job.id}`);
          did('trash');
          break;
        }
        case 'purge': {
          const job = await held(
            d,
            (j) => finished(j) && !!j.trashedAt && !ledger.purged.has(j.id) && seenAll(edited, j),
          );
          if (!job) break;
          ledger.purged.add(job.id);
          const base = withoutSeq(job);
          await push(d, job, d.clock.stamp({ ...base, deleted: true }, base), 'purge');
          did('purge');
          break;
        }
        case 'removeFile': {
          const view = Math.floor(random() * devices.length);
          const file = await target.removeByHand(pick, view);
          if (!file) break;
          trace.push(`${target.kind === 'folder' ? `view ${devices[view]!.name}` : 'server'}: user deletes ${file}`);
          did('file deleted by hand');
          break;
        }
        case 'offline': {
          const view = Math.floor(random() * devices.length);
          const offline = target.toggleOffline(view);
          trace.push(`view ${devices[view]!.name}: ${offline ? 'offline' : 'online'}`);
          did('offline/online');
          break;
        }
        case 'kill': {
          // Half the time right after a job it accepted: its publish pass and its PixelLab call are due or running.
          if (random() < 0.5) {
            const id = `job-m${options.seed >>> 0}-${k}`;
            const prompt = `p${options.seed >>> 0} ${k}`;
            await createJob(d, id, prompt);
            ledger.created.set(id, { device: d.name, prompt });
            lastChange.set(d.name, Date.now());
            trace.push(`${d.name}: create ${id}`);
          }
          await sleep(Math.floor(random() * 200));
          const midRun = d.fake.inFlight > 0;
          const afterChange = Date.now() - (lastChange.get(d.name) ?? 0) < 250;
          await d.kill();
          coverage.kills++;
          did('SIGKILL');
          if (midRun) coverage.killsMidRun++;
          if (afterChange) coverage.killsAfterChange++;
          trace.push(`${d.name}: SIGKILL${midRun ? ' (mid-run)' : ''}${afterChange ? ' (after a change)' : ''}`);
          break;
        }
      }
      await sleep(Math.floor(random() * 120));
    }

    // Heal: everyone back and online, the client without faults, until the histories agree and nothing waits.
    await target.heal();
    for (const d of devices) {
      if (d.proc) continue;
      await d.start();
      coverage.restarts++;
    }
    const started = Date.now();
    let final = new Map<string, SyncedJob[]>();
    let stable = 0;
    let missing = new Map<string, string[]>();
    let previous = '';
    while (Date.now() - started < HEAL_DEADLINE_MS) {
      await target.settleStep();
      final = new Map(await Promise.all(devices.map(async (d) => [d.name, await allJobs(d)] as const)));
      const key = devices.map((d) => canonicalKey(final.get(d.name)!)).join('\n');
      const same = devices.every((d) => canonicalKey(final.get(d.name)!) === canonicalKey(final.get('A')!));
      const waiting = [...final.values()].flat().some((j) => j.status === 'queued' || j.status === 'running');
      const settled = same && !waiting && key === previous && (await target.inStep());
      missing = settled ? await missingImages(devices, final) : new Map();
      stable = settled && missing.size === 0 ? stable + 1 : 0;
      previous = key;
      // A remote target is only polled: the same history over two polls at least, so nothing is still on its way.
      if (stable >= (target.kind === 'folder' ? 2 : 2 + Math.ceil((2 * MODEL_POLL_MS) / 150))) break;
      await sleep(150);
    }
    coverage.healMs.push(Date.now() - started);
    try {
      if (missing.size === 0) missing = await missingImages(devices, final);
      const quarantined = new Map(
        await Promise.all(devices.map(async (d) => [d.name, await quarantinedCount(d)] as const)),
      );
      const figures = checkRules(ledger, devices, final, missing, quarantined);
      if (options.encrypted)
        await checkEncryptedRun(
          { devices, dirs: target.storageDirs, ledger, final, converged: figures.converged },
          coverage.encrypted,
        );
      coverage.fastConcurrentWins += figures.fastConcurrentWins;
      coverage.paidCalls += figures.paidCalls;
      coverage.paidThenKilled += figures.paidThenKilled;
      coverage.jobs += ledger.created.size;
      coverage.images += new Set(
        final
          .get('A')!
          .filter((j) => !j.deleted && j.image)
          .map((j) => j.image),
      ).size;
      return figures.converged;
    } catch (error) {
      if (error instanceof RuleBroken) {
        const logs = devices.map((d) => `${d.name}:\n      ${(d.proc?.logs ?? []).slice(-12).join('\n      ')}`);
        error.message += `\n  seed ${options.seed}, ${options.devices} companions; trace:\n    ${trace.join('\n    ')}\n  logs:\n    ${logs.join('\n    ')}`;
      }
      throw error;
    }
  } finally {
    for (const d of devices) {
      await d.stop().catch(() => undefined);
      await d.fake.close();
      coverage.resends += d.pastLogs.filter((line) => line.includes('sending the history again')).length;
    }
    await shared?.close().catch(() => undefined);
    shared?.addCounts(coverage.target);
    await root.remove();
  }
}

const canonicalKey = (jobs: SyncedJob[]) =>
  jobs
    .map((j) => canonicalJson(withoutSeq(j)))
    .sort()
    .join('\n');

export { RuleBroken };
