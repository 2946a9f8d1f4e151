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
/** Runs per test: sized for CI (the folder 2 + 2, each network kind 1 + 1); RELIABILITY_LONG=1 runs 20 times more. */
const FOLDER_RUNS = process.env.DEVICES_RUNS ? Number(process.env.DEVICES_RUNS) : LONG ? 40 : 2;
const NETWORK_RUNS = process.env.DEVICES_RUNS ? Number(process.env.DEVICES_RUNS) : LONG ? 20 : 1;
const OPS = 28;
const KINDS: TargetKind[] = ['folder', 'webdav', 's3'];

const coverage = new Map<TargetKind, Coverage>(KINDS.map((k) => [k, newCoverage()]));
const totals = new Map(KINDS.map((k) => [k, { runs: 0, converged: 0, companions: 0 }]));

async function check(kind: TargetKind, devices: 2 | 3, offset: number, runs: number) {
  const total = totals.get(kind)!;
  for (let i = 0; i < runs; i++) {
    const seed = (SEED + offset + i * 7919) >>> 0;
    total.runs++;
    total.companions += devices;
    try {
      total.converged += await runDevicesScenario({ seed, devices, ops: OPS, kind }, coverage.get(kind)!);
    } catch (error) {
      if (error instanceof RuleBroken) total.converged += error.converged;
      console.log(
        `devices model failed: DEVICES_SEED=${seed} DEVICES_RUNS=1 npx vitest run tests/convergence/devices.test.ts -t "${devices} companions, ${label(kind)}"`,
      );
      throw error;
    }
  }
}

const label = (kind: TargetKind) => ({ folder: 'synced folder', webdav: 'WebDAV', s3: 'S3' })[kind];
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
    console.log(
      `devices convergence (${label(kind)}): ${t.runs} runs, ${t.converged} of ${t.companions} companions converged`,
    );
  }
});

/** What every test adds to its target's faults. */
const COMMON = 'one clock +1 h, offline spells, SIGKILLs (mid-publish and mid-run)';

describe('N companions sharing a target', () => {
  it(`2 companions, synced folder: ${describeFaults('folder')}, ${COMMON}`, {
    timeout: timeout(FOLDER_RUNS),
  }, async () => {
    await check('folder', 2, 0, FOLDER_RUNS);
  });

  it(`3 companions, synced folder: the same`, { timeout: timeout(FOLDER_RUNS) }, async () => {
    await check('folder', 3, 1, FOLDER_RUNS);
    // The fast machine's clock really was an hour ahead (the companion's versions carried it).
    if (!process.env.DEVICES_SEED)
      expect(coverage.get('folder')!.ops['create on the fast machine'] ?? 0).toBeGreaterThan(0);
    // And an edit made on top of its stale one was tried (rule superseded-never-wins).
    if (!process.env.DEVICES_SEED) expect(coverage.get('folder')!.ops['stale edit overtaken'] ?? 0).toBeGreaterThan(0);
  });

  for (const kind of ['webdav', 's3'] as const) {
    it(`2 companions, ${label(kind)}: ${describeFaults(kind)}, ${COMMON}`, {
      timeout: timeout(NETWORK_RUNS),
    }, async () => {
      await check(kind, 2, 2, NETWORK_RUNS);
    });

    it(`3 companions, ${label(kind)}: the same`, { timeout: timeout(NETWORK_RUNS) }, async () => {
      await check(kind, 3, 3, NETWORK_RUNS);
      // The proxy's faults really happened, each kind of them.
      if (!process.env.DEVICES_SEED) {
        const p = coverage.get(kind)!.target.proxy;
        expect(p.refused + p.droppedRequests, 'refused or cut before the server').toBeGreaterThan(0);
        expect(p.failedAfter + p.droppedResponses, 'applied, then failed or cut').toBeGreaterThan(0);
        if (kind === 's3') expect(p.lagged, 'objects left out of listings').toBeGreaterThan(0);
      }
    });
  }
});
