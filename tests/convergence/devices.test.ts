/**
 * The N-companion model (issue 22): 2 and 3 real companion processes sharing one target through its faults (a
 * synced folder through a faulty sync client; WebDAV and S3 servers through fault proxies), one machine an hour
 * fast, SIGKILLs at random moments; after the heal the rules of rules.ts must hold. See README.md ("N companions
 * sharing a target") for the model and how to replay a run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Coverage, newCoverage, runDevicesScenario } from './devices/model';
import { RuleBroken } from './devices/rules';
import { describeFaults, type TargetKind } from './devices/shared-target';

const LONG = process.env.RELIABILITY_LONG === '1';
/** CI runs fixed seeds (the same operations; real processes still vary the timing); the long mode draws fresh ones. */
const SEED = process.env.DEVICES_SEED ? Number(process.env.DEVICES_SEED) : LONG ? Date.now() % 2 ** 31 : 20261206;
/**
 * Runs per test: sized for CI (the folder 2 + 2, each network kind 1 + 1); RELIABILITY_LONG=1 runs 20 times more,
 * split over plain and encrypted tests (the folder 20 per test, each network kind 10).
 */
const FOLDER_RUNS = process.env.DEVICES_RUNS ? Number(process.env.DEVICES_RUNS) : LONG ? 20 : 2;
const NETWORK_RUNS = process.env.DEVICES_RUNS ? Number(process.env.DEVICES_RUNS) : LONG ? 10 : 1;
/** Whether a test runs end-to-end encrypted: in CI the 3-companion ones are, the 2-companion ones are not; the long mode runs both. */
const modes = (devices: 2 | 3): boolean[] => (LONG ? [false, true] : [devices === 3]);
const OPS = 28;
const KINDS: TargetKind[] = ['folder', 'webdav', 's3'];

const coverage = new Map<TargetKind, Coverage>(KINDS.map((k) => [k, newCoverage()]));
const totals = new Map(KINDS.map((k) => [k, { runs: 0, converged: 0, companions: 0 }]));

async function check(kind: TargetKind, devices: 2 | 3, offset: number, runs: number, encrypted: boolean) {
  const total = totals.get(kind)!;
  for (let i = 0; i < runs; i++) {
    const seed = (SEED + offset + i * 7919) >>> 0;
    total.runs++;
    total.companions += devices;
    try {
      total.converged += await runDevicesScenario({ seed, devices, ops: OPS, kind, encrypted }, coverage.get(kind)!);
    } catch (error) {
      if (error instanceof RuleBroken) total.converged += error.converged;
      console.log(
        `devices model failed: ${encrypted === (devices === 3) ? '' : 'RELIABILITY_LONG=1 '}DEVICES_SEED=${seed} DEVICES_RUNS=1 npx vitest run tests/convergence/devices.test.ts -t "${devices} companions, ${label(kind)}${encrypted ? ENCRYPTED : ':'}"`,
      );
      throw error;
    }
  }
}

const label = (kind: TargetKind) => ({ folder: 'synced folder', webdav: 'WebDAV', s3: 'S3' })[kind];
const ENCRYPTED = ', end-to-end encrypted';
/** A test's name up to its colon: how many companions, the kind, and whether encrypted. */
const named = (devices: 2 | 3, kind: TargetKind, encrypted: boolean) =>
  `${devices} companions, ${label(kind)}${encrypted ? ENCRYPTED : ''}`;
const timeout = (runs: number) => 60_000 + runs * 60_000;

afterAll(() => {
  for (const kind of KINDS) {
    const c = coverage.get(kind)!;
    const t = totals.get(kind)!;
    if (t.runs === 0) continue;
    const ops = Object.entries(c.ops)
      .map(([op, n]) => `${n} ${op}`)
      .join(', ');
    const heal = [...c.healMs].sort((a, b) => a - b);
    const p = c.target.proxy;
    const faults =
      kind === 'folder'
        ? `sync client: ${c.target.cloud.held} transfers held back, ${c.target.cloud.partial} cut short, ` +
          `${c.target.cloud.conflictCopies} conflict copies, ${c.target.cloud.deletions} deletions carried`
        : `proxy: ${p.requests} requests, ${p.delayed} delayed, ${p.refused} refused (503), ${p.droppedRequests} cut mid-request, ` +
          `${p.failedAfter} applied then 500, ${p.droppedResponses} applied then cut mid-response, ${p.lagged} objects left out of listings`;
    console.log(
      `devices coverage (${label(kind)}): ${c.jobs} jobs, ${c.images} images whole everywhere, ${c.resends} histories sent again, ${c.paidCalls} PixelLab calls (${c.paidThenKilled} paid, then killed before the result was stored); done: ${ops}; ` +
        `${c.kills} SIGKILLs (${c.killsAfterChange} within 250 ms of a change, ${c.killsMidRun} mid-run), ` +
        `${c.restarts} restarts; ${faults}; ${c.fastConcurrentWins} fast concurrent edits won; ` +
        `heal ${heal[0] ?? 0}-${heal.at(-1) ?? 0} ms`,
    );
    const e = c.encrypted;
    console.log(
      `devices convergence (${label(kind)}): ${t.runs} runs, ${t.converged} of ${t.companions} companions converged` +
        (e.runs === 0
          ? ''
          : `; encrypted: ${e.runs} runs, ${e.converged} of ${e.companions} companions converged, ${e.objects} files ` +
            `(${(e.bytes / 1e6).toFixed(1)} MB) sealed at rest, no plaintext`),
    );
  }
});

/** What every test adds to its target's faults. */
const COMMON = 'one clock +1 h, offline spells, SIGKILLs (mid-publish and mid-run)';

/** The mix a test covers, after its companions and kind; the first test of a kind spells the faults out. */
const mix = (kind: TargetKind, first: boolean) => (first ? `${describeFaults(kind)}, ${COMMON}` : 'the same');

describe('N companions sharing a target', () => {
  for (const kind of KINDS) {
    const runs = kind === 'folder' ? FOLDER_RUNS : NETWORK_RUNS;
    const offset = kind === 'folder' ? 0 : 2;
    for (const devices of [2, 3] as const) {
      for (const encrypted of modes(devices)) {
        const first = devices === 2 && !encrypted;
        it(`${named(devices, kind, encrypted)}: ${mix(kind, first)}`, { timeout: timeout(runs) }, async () => {
          // The mix CI runs keeps its seeds; the long mode's other mix draws others.
          const ciMix = encrypted === (devices === 3);
          await check(kind, devices, offset + devices - 2 + (ciMix ? 0 : 11), runs, encrypted);
          if (devices === 3 && !process.env.DEVICES_SEED) expectCoverage(kind);
        });
      }
    }
  }
});

/** What a kind's runs must have done at least once, so that its rules were put to the test. */
function expectCoverage(kind: TargetKind) {
  const c = coverage.get(kind)!;
  if (kind === 'folder') {
    // The fast machine's clock really was an hour ahead (the companion's versions carried it).
    expect(c.ops['create on the fast machine'] ?? 0).toBeGreaterThan(0);
    // And an edit made on top of its stale one was tried (rule superseded-never-wins).
    expect(c.ops['stale edit overtaken'] ?? 0).toBeGreaterThan(0);
    return;
  }
  // The proxy's faults really happened, each kind of them.
  const p = c.target.proxy;
  expect(p.refused + p.droppedRequests, 'refused or cut before the server').toBeGreaterThan(0);
  expect(p.failedAfter + p.droppedResponses, 'applied, then failed or cut').toBeGreaterThan(0);
  if (kind === 's3') expect(p.lagged, 'objects left out of listings').toBeGreaterThan(0);
}
