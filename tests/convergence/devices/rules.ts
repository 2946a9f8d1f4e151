import {
  canonicalJson,
  compareHlc,
  type Hlc,
  type Job,
  type SyncedJob,
  versionOf,
  withoutSeq,
} from '../../../utils/domain';
import type { Device } from './world';

/** What the run did, as the rules need it. */
export interface Ledger {
  /** Job id -> the device that accepted it, and its first prompt (what PixelLab was asked). */
  created: Map<string, { device: string; prompt: string }>;
  /** `${id}\u0000${prompt}`: job-wide versions an edit or purge was made on top of (on the device that held it). */
  superseded: Set<string>;
  /** Prompt edits: id -> each edit's prompt, device and real time. */
  edits: Map<string, { prompt: string; device: string; at: number }[]>;
  trashed: Set<string>;
  purged: Set<string>;
  /** Id -> tags added anywhere (never removed in the model). */
  tags: Map<string, Set<string>>;
  /** Id -> the image a version seen during the run held. */
  results: Map<string, string>;
  /** Device name -> its device id (from the jobs it accepted). */
  deviceIds: Map<string, string>;
}

export function newLedger(): Ledger {
  return {
    created: new Map(),
    superseded: new Set(),
    edits: new Map(),
    trashed: new Set(),
    purged: new Set(),
    tags: new Map(),
    results: new Map(),
    deviceIds: new Map(),
  };
}

export class RuleBroken extends Error {
  constructor(
    readonly rule: string,
    detail: string,
    /** Companions whose history equalled the first one's, for the run count. */
    readonly converged: number,
  ) {
    super(`rule ${rule} broken: ${detail}`);
  }
}

/** The history as compared across companions: each job's record, `seq` aside. */
export const canonicalHistory = (jobs: readonly SyncedJob[]) =>
  new Map(jobs.map((j) => [j.id, canonicalJson(withoutSeq(j))] as const));

/** Observations the rules report beside their verdict. */
export interface RuleFigures {
  converged: number;
  /** Final prompts that came from the fast device although another device edited the job later in real time. */
  fastConcurrentWins: number;
  paidCalls: number;
  /** Jobs PixelLab was paid for whose companion was killed before it stored the result: they end "interrupted". */
  paidThenKilled: number;
}

/**
 * The rules, checked once the companions healed: identical histories, nothing lost, nothing doubled, no purged
 * or trashed job back, no superseded version winning (the fast clock's stale edit among them), no result given
 * up, every live job's image whole on every companion, each job paid once and only by the device that accepted it, and nothing left waiting.
 */
export function checkRules(
  ledger: Ledger,
  devices: readonly Device[],
  final: Map<string, SyncedJob[]>,
  /** Per device, live jobs' images it does not hold whole. */
  missingImages: Map<string, string[]>,
  /** Per device, the files its device sync quarantined since it last started. */
  quarantined: Map<string, number>,
): RuleFigures {
  const histories = devices.map((d) => canonicalHistory(final.get(d.name)!));
  const first = histories[0]!;
  let converged = 0;
  const differences: string[] = [];
  for (const [i, h] of histories.entries()) {
    const diff = [...new Set([...first.keys(), ...h.keys()])].filter((id) => first.get(id) !== h.get(id));
    if (diff.length === 0) converged++;
    else differences.push(`${devices[i]!.name} differs from ${devices[0]!.name} on ${diff.slice(0, 3).join(', ')}`);
  }
  const broke = (rule: string, detail: string) => {
    throw new RuleBroken(rule, detail, converged);
  };
  if (differences.length > 0) {
    const id = differences[0]!.split(' on ')[1]!.split(', ')[0]!;
    const shown = devices.map((d, i) => `${d.name}: ${histories[i]!.get(id) ?? 'nothing'}`).join('\n    ');
    broke('identical', `${differences.join('; ')}\n    ${shown}`);
  }
  const jobs = new Map(final.get(devices[0]!.name)!.map((j) => [j.id, j as Job] as const));

  for (const id of ledger.created.keys()) if (!jobs.has(id)) broke('nothing-lost', `${id} is on no companion`);
  for (const id of jobs.keys()) if (!ledger.created.has(id)) broke('no-duplicate', `${id} was never created`);

  for (const id of ledger.purged)
    if (!jobs.get(id)?.deleted) broke('no-resurrection', `${id} was purged: ${show(jobs.get(id))}`);
  for (const id of ledger.trashed) {
    const job = jobs.get(id)!;
    if (!job.deleted && (job.trashedAt === null || job.trashedAt === undefined))
      broke('no-resurrection', `${id} was trashed and never restored: ${show(job)}`);
  }

  let fastConcurrentWins = 0;
  const fast = devices.find((d) => d.skewMs > 0)?.name;
  for (const job of jobs.values()) {
    if (!job.deleted && ledger.superseded.has(`${job.id}\u0000${job.prompt}`))
      broke('superseded-never-wins', `${job.id} ended with "${job.prompt}", a version an edit was made on top of`);
    const edits = ledger.edits.get(job.id) ?? [];
    const winner = edits.find((e) => e.prompt === job.prompt);
    if (winner && winner.device === fast && edits.some((e) => e.device !== fast && e.at > winner.at))
      fastConcurrentWins++;
    for (const tag of ledger.tags.get(job.id) ?? [])
      if (!job.tags?.includes(tag)) broke('tags-add-wins', `${job.id} lost the tag ${tag}: ${show(job)}`);
    const result = ledger.results.get(job.id);
    if (result && job.image !== result) broke('result-kept', `${job.id} held image ${result}, now ${show(job)}`);
    if (job.status === 'queued' || job.status === 'running' || job.status === 'idle')
      broke('liveness', `${job.id} is still ${job.status} after the heal`);
  }

  for (const [device, hashes] of missingImages)
    broke('images-everywhere', `${device} lacks the image(s) ${hashes.slice(0, 3).join(', ')} of live jobs`);

  // Nothing the model writes is corrupt or hostile: a file cut in transit or a failed request is read again later.
  for (const [device, n] of quarantined)
    if (n > 0) broke('no-false-quarantine', `${device} quarantined ${n} file(s) that companions wrote`);

  // Paid once, by the device that accepted the job: each device has its own fake PixelLab.
  const byPrompt = new Map([...ledger.created].map(([id, c]) => [c.prompt, id] as const));
  const paid = new Map<string, number>();
  let paidCalls = 0;
  for (const d of devices) {
    for (const request of d.fake.requests) {
      if (request.method !== 'POST') continue;
      const prompt = (request.body as { description?: string }).description ?? '';
      const id = byPrompt.get(prompt);
      if (!id) broke('paid-once', `${d.name} called PixelLab for "${prompt}", which no job of the model asked`);
      const owner = ledger.created.get(id!)!.device;
      if (owner !== d.name) broke('accepting-device-runs', `${d.name} ran ${id}, which ${owner} accepted`);
      paid.set(id!, (paid.get(id!) ?? 0) + 1);
      paidCalls++;
    }
  }
  for (const [id, calls] of paid) if (calls > 1) broke('paid-once', `${id} was paid for ${calls} times`);
  for (const job of jobs.values()) {
    if (job.status === 'success' && paid.get(job.id) !== 1)
      broke('paid-once', `${job.id} succeeded with ${paid.get(job.id) ?? 0} calls`);
  }
  const paidThenKilled = [...jobs.values()].filter((j) => j.status === 'error' && paid.get(j.id) === 1).length;
  return { converged, fastConcurrentWins, paidCalls, paidThenKilled };
}

const show = (job: Job | undefined) => (job ? canonicalJson(withoutSeq(job)) : 'nothing');

/**
 * Whether `job` is at or past every job-wide version an edit made: its device has seen them all, so a trash or
 * purge made on it races no edit (a concurrent one from the fast machine would win by the clock, by design).
 */
export function seenAll(edited: Map<string, Hlc[]>, job: SyncedJob): boolean {
  return (edited.get(job.id) ?? []).every((v) => compareHlc(versionOf(job), v) >= 0);
}
