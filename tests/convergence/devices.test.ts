/**
 * The N-companion model (issue 22): 2 and 3 real companion processes sharing a synced folder through a faulty sync
 * client, one machine an hour fast, SIGKILLs at random moments; after the heal the rules of rules.ts must hold.
 * See README.md ("N companions sharing a folder") for the model and how to replay a run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Coverage, newCoverage, runDevicesScenario } from './devices/model';
import { RuleBroken } from './devices/rules';

const LONG = process.env.RELIABILITY_LONG === '1';
/** CI runs fixed seeds (the same operations; real processes still vary the timing); the long mode draws fresh ones. */
const SEED = process.env.DEVICES_SEED ? Number(process.env.DEVICES_SEED) : LONG ? Date.now() % 2 ** 31 : 20261206;
/** Runs per property: sized for CI (about 40 s on 2 cores); RELIABILITY_LONG=1 runs 20 times more. */
const RUNS = process.env.DEVICES_RUNS ? Number(process.env.DEVICES_RUNS) : LONG ? 40 : 2;
const OPS = 28;

const coverage: Coverage = newCoverage();
const totals = { runs: 0, converged: 0, companions: 0 };

async function check(devices: 2 | 3, offset: number) {
  for (let i = 0; i < RUNS; i++) {
    const seed = (SEED + offset + i * 7919) >>> 0;
    totals.runs++;
    totals.companions += devices;
    try {
      totals.converged += await runDevicesScenario({ seed, devices, ops: OPS }, coverage);
    } catch (error) {
      if (error instanceof RuleBroken) totals.converged += error.converged;
      console.log(
        `devices model failed: DEVICES_SEED=${seed} DEVICES_RUNS=1 npx vitest run tests/convergence/devices.test.ts -t "${devices} companions"`,
      );
      throw error;
    }
  }
}

const timeout = 60_000 + RUNS * 40_000;

afterAll(() => {
  const ops = Object.entries(coverage.ops)
    .map(([op, n]) => `${n} ${op}`)
    .join(', ');
  const heal = [...coverage.healMs].sort((a, b) => a - b);
  console.log(
    `devices coverage: ${coverage.jobs} jobs, ${coverage.paidCalls} PixelLab calls (${coverage.paidThenKilled} paid, then killed before the result was stored); done: ${ops}; ` +
      `${coverage.kills} SIGKILLs (${coverage.killsAfterChange} within 250 ms of a change, ${coverage.killsMidRun} mid-run), ` +
      `${coverage.restarts} restarts; sync client: ${coverage.cloud.held} transfers held back, ` +
      `${coverage.cloud.partial} cut short, ${coverage.cloud.conflictCopies} conflict copies, ${coverage.cloud.deletions} deletions carried; ` +
      `${coverage.fastConcurrentWins} fast concurrent edits won; ` +
      `heal ${heal[0] ?? 0}-${heal.at(-1) ?? 0} ms`,
  );
  console.log(
    `devices convergence: ${totals.runs} runs, ${totals.converged} of ${totals.companions} companions converged`,
  );
});

describe('N companions sharing a synced folder', () => {
  it('2 companions: delays, partial files, conflict copies, deletions, a fast clock and SIGKILLs heal into one history', {
    timeout,
  }, async () => {
    await check(2, 0);
  });

  it('3 companions: the same', { timeout }, async () => {
    await check(3, 1);
    // The fast machine's clock really was an hour ahead (the companion's versions carried it).
    if (!process.env.DEVICES_SEED) expect(coverage.ops['create on the fast machine'] ?? 0).toBeGreaterThan(0);
    // And an edit made on top of its stale one was tried (rule superseded-never-wins).
    if (!process.env.DEVICES_SEED) expect(coverage.ops['stale edit overtaken'] ?? 0).toBeGreaterThan(0);
  });
});
